// Where a new object lives: CKA_TOKEN true goes to the store (and so to every node), CKA_TOKEN false
// stays in this node's memory, tied to the session that made it. Also ends a session's or a
// login's objects when the node's session table closes the session or the login ends.

import CofferModel

extension StateMachine {
    /// A handle for a new object with `attributes`: a token handle (read-write sessions only), or a
    /// session-object handle when CKA_TOKEN is false (which needs a session). A token handle is
    /// derived from the request's id when the client sent one (`RequestScope`) and `fromRequest`,
    /// random otherwise.
    func newHandle(for attributes: AttributeSet, in context: SessionContext?, fromRequest: Bool = true) throws(StateError) -> ObjectHandle {
        if attributes.bool(.token) == true {
            if let context, !context.readWrite { throw .sessionReadOnly }
            return (fromRequest ? RequestScope.current?.nextHandle() : nil) ?? newHandle()
        }
        guard context != nil else { throw .noSession }
        return state.withLock { $0.sessionObjects.newHandle() }
    }

    /// Writes new objects: token objects to the store in one commit of `command`, then session objects to memory.
    func insert(
        _ records: [ObjectRecord], command: Command, by user: User, in context: SessionContext?
    ) async throws(StateError) {
        let sessionRecords = records.filter { SessionObjectTable.isSessionObject($0.object.handle) }
        let tokenRecords = records.filter { !SessionObjectTable.isSessionObject($0.object.handle) }
        var parsed: [IndexedObject] = []
        if !sessionRecords.isEmpty {
            guard let context else { throw .noSession }
            do {
                parsed = try sessionRecords.map { try IndexedObject($0, modRevision: 0) }
            } catch {
                throw StateError(error)
            }
            let held = state.withLock { $0.sessionObjects.count(of: context.login) }
            guard held + parsed.count <= SessionObjectTable.maxPerLogin else { throw .tooManySessionObjects }
        }
        if !tokenRecords.isEmpty { try await insertTokenObjects(tokenRecords, command: command, by: user.id) }
        guard let context, !parsed.isEmpty else { return }
        try state.withLock { (s: inout MutableState) throws(StateError) in
            guard s.barrier != nil else { throw .sealed }
            for entry in parsed { s.sessionObjects.put(entry, in: context) }
        }
    }

    /// Destroys the session objects made in `session` (C_CloseSession, or the session dropped).
    @discardableResult
    public func endSession(_ session: UInt64) -> Int {
        state.withLock { $0.sessionObjects.removeSession(session) }
    }

    /// Destroys every session object of `login` (C_Logout, or the login expired or evicted).
    @discardableResult
    public func endLogin(_ login: UInt64) -> Int {
        state.withLock { $0.sessionObjects.removeLogin(login) }
    }

    /// How many session objects the node holds (for tests and metrics).
    public var sessionObjectCount: Int { state.withLock { $0.sessionObjects.count } }
}
