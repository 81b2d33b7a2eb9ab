// Operations (C_Sign, C_Encrypt, C_Decrypt, C_Digest, C_Verify and their multi-part forms). The first
// C_*Init of a key, mechanism and kind starts the operation on the node (OperationInit), which checks
// the key and mechanism then, as PKCS#11 requires of C_*Init, and the call that ends it sends the data
// with OperationFinal. Once the node has accepted that use, later C_*Inits of it are local and the
// operation ends with one single-part call on the pipeline stream: one message per operation on the
// hot path. C_*Update buffers here.
import CPKCS11
import CofferClient
import CofferProtocol
import Foundation

extension Library {
    /// Most key uses remembered as checked; past it the set starts again.
    static let checkedUseLimit = 4096

    /// Starts an operation: CKR_OPERATION_ACTIVE if one of `kind` is already active; the node refuses
    /// a key or mechanism that cannot do `kind` (CKR_KEY_FUNCTION_NOT_PERMITTED,
    /// CKR_KEY_TYPE_INCONSISTENT, CKR_KEY_HANDLE_INVALID, CKR_MECHANISM_INVALID, ...).
    func startOperation(
        _ kind: Session.OperationKind, session handle: CK_SESSION_HANDLE,
        mechanism: UnsafeMutablePointer<CK_MECHANISM>?, key: CK_OBJECT_HANDLE
    ) throws(CKRError) {
        if kind == .sign, let given = mechanism?.pointee, UInt64(given.mechanism) == KeyAttestation.mechanism {
            return try KeyAttestation.start(self, session: handle, mechanism: given, key: key)
        }
        // Claimed here first, so that two threads sharing the session cannot both start one.
        let (decoded, checked, approval) = try change { (state: inout State) throws(CKRError) in
            guard var session = state.sessions[handle] else { throw CKRError(CK_RV(CKR_SESSION_HANDLE_INVALID)) }
            guard session.operations[kind] == nil else { throw CKRError(CK_RV(CKR_OPERATION_ACTIVE)) }
            // A presented quorum token is this Init's, used or not.
            let approval = session.approval
            if approval != nil {
                session.approval = nil
                state.sessions[handle] = session
            }
            let decoded = try MechanismParameters.decode(mechanism, signing: kind == .sign)
            guard kind == .digest || key != 0 else { throw CKRError(CK_RV(CKR_KEY_HANDLE_INVALID)) }
            // With a token the node must see the Init (it consumes the token there).
            let checked = approval == nil && state.checkedUses.contains(CheckedUse(kind: kind, key: UInt64(key), mechanism: decoded.type))
            var operation = Session.Operation(mechanism: decoded, key: UInt64(key))
            operation.startedOnNode = !checked
            session.operations[kind] = operation
            state.sessions[handle] = session
            return (decoded, checked, approval)
        }
        if checked { return }
        do {
            // A token is spent by the node's Init: never sent twice.
            let remote = try onSession(handle, approval == nil ? .safe : .once) { (binding: Binding) throws(CKRError) in
                try startOnNode(kind, mechanism: decoded, key: UInt64(key), session: binding.remote, quorumToken: approval ?? "")
                return binding.remote
            }
            try withSession(handle) { $0.operations[kind]?.nodeSession = remote }
        } catch {
            end(kind, session: handle)
            throw error
        }
        // A use that needed a token is not one a later Init may start locally.
        if approval != nil { return }
        _ = try? change { (state: inout State) in
            if state.checkedUses.count >= Self.checkedUseLimit { state.checkedUses.removeAll() }
            state.checkedUses.insert(CheckedUse(kind: kind, key: UInt64(key), mechanism: decoded.type))
        }
    }

    /// OperationInit on the node for the session `remote`.
    func startOnNode(
        _ kind: Session.OperationKind, mechanism: Coffer_V1_Mechanism, key: UInt64, session remote: UInt64,
        quorumToken: String = ""
    ) throws(CKRError) {
        let wireKind = kind.wire
        let start = { () throws(CKRError) in
            try self.call { (client: CofferClient) async throws(CofferClientError) in
                try await client.operationInit(wireKind, mechanism: mechanism, key: key, session: remote, quorumToken: quorumToken)
            }
        }
        do {
            try start()
        } catch where error.code == CK_RV(CKR_OPERATION_ACTIVE) {
            // The node still holds an operation this library ended on its own (a bad argument
            // ends an operation without a node call): finish that one unseen and start again.
            _ = try? call { (client: CofferClient) async throws(CofferClientError) in
                try await client.operationFinal(wireKind, session: remote)
            }
            try start()
        }
    }

    /// C_EncryptUpdate and C_DecryptUpdate (PKCS#11 3.0 sections 5.2, 5.9, 5.10). A mode that
    /// releases output part by part (CBC, CBC-PAD, CTR) runs on the node, which returns every
    /// complete block at once; the length the caller needs is known here beforehand, so a NULL
    /// buffer (a length query) or a short one (CKR_BUFFER_TOO_SMALL) consumes no input and the
    /// operation stays active for the retry. Other modes (GCM) release everything at C_*Final.
    func cipherUpdate(
        _ kind: Session.OperationKind, session handle: CK_SESSION_HANDLE, input: [UInt8],
        output: UnsafeMutablePointer<CK_BYTE>?, outputLength: UnsafeMutablePointer<CK_ULONG>
    ) throws(CKRError) {
        let operation = try withSession(handle) { (session: inout Session) throws(CKRError) in
            guard let operation = session.operations[kind] else { throw CKRError(CK_RV(CKR_OPERATION_NOT_INITIALIZED)) }
            return operation
        }
        guard let needed = Self.releasedLength(kind, operation.mechanism.type, pending: operation.held + input.count) else {
            if output != nil { try append(kind, session: handle, input) }
            outputLength.pointee = 0
            return
        }
        guard let output else {
            outputLength.pointee = CK_ULONG(needed)
            return
        }
        guard outputLength.pointee >= CK_ULONG(needed) else {
            outputLength.pointee = CK_ULONG(needed)
            throw CKRError(CK_RV(CKR_BUFFER_TOO_SMALL))
        }
        let released: [UInt8]
        do {
            // The data goes to the node, which holds the operation from now on.
            released = try onSession(handle, .once) { (binding: Binding) throws(CKRError) -> [UInt8] in
                try feed(kind, operation, session: handle, binding) {
                    (client: CofferClient, remote: UInt64) async throws(CofferClientError) -> [UInt8] in
                    Array(try await client.operationUpdate(kind.wire, data: Data(input), session: remote))
                }
            }
        } catch {
            end(kind, session: handle)
            throw error
        }
        guard released.count == needed else {
            end(kind, session: handle)
            throw CKRError(CK_RV(CKR_DEVICE_ERROR))
        }
        try OutputBuffer.write(released, to: output, count: outputLength)
        try withSession(handle) { $0.operations[kind]?.held = operation.held + input.count - needed }
    }

    /// C_DigestKey: the digest moves to the node (if it is not there), the data buffered so far goes
    /// first, then the node appends the key's value. Data given later is buffered again and goes
    /// with C_DigestFinal, so the order holds.
    func digestKey(session handle: CK_SESSION_HANDLE, key: UInt64) throws(CKRError) {
        let operation = try withSession(handle) { (session: inout Session) throws(CKRError) in
            guard let operation = session.operations[.digest] else { throw CKRError(CK_RV(CKR_OPERATION_NOT_INITIALIZED)) }
            return operation
        }
        do throws(CKRError) {
            guard key != 0 else { throw CKRError(CK_RV(CKR_KEY_HANDLE_INVALID)) }
            let data = Data(operation.buffered)
            _ = try onSession(handle, .once) { (binding: Binding) throws(CKRError) -> Data in
                try feed(.digest, operation, session: handle, binding) {
                    (client: CofferClient, remote: UInt64) async throws(CofferClientError) -> Data in
                    try await client.operationUpdate(.digest, data: data, digestKey: key, session: remote)
                }
            }
        } catch {
            end(.digest, session: handle)
            throw error
        }
        try withSession(handle) { $0.operations[.digest]?.buffered = [] }
    }

    /// Sends data to the node's part of `operation` in `binding`'s node session: starts the operation
    /// there first if it was local (or moved from a node the client failed over from), and marks it
    /// as fed, since the node now holds what cannot be made again elsewhere. An operation that a
    /// gone node held fed ends with CKR_DEVICE_REMOVED.
    private func feed<T: Sendable>(
        _ kind: Session.OperationKind, _ operation: Session.Operation, session handle: CK_SESSION_HANDLE,
        _ binding: Binding, _ body: @escaping @Sendable (CofferClient, UInt64) async throws(CofferClientError) -> T
    ) throws(CKRError) -> T {
        var operation = operation
        if operation.move(to: binding.remote) { throw CKRError(CK_RV(CKR_DEVICE_REMOVED)) }
        let remote = binding.remote
        if !operation.startedOnNode {
            try startOnNode(kind, mechanism: operation.mechanism, key: operation.key, session: remote)
        }
        try withSession(handle) { (session: inout Session) in
            session.operations[kind]?.startedOnNode = true
            session.operations[kind]?.nodeSession = remote
            session.operations[kind]?.fedNode = true
        }
        let client = binding.client
        return try Blocking.run(limit: binding.limit) { () async throws(CofferClientError) -> T in
            try await body(client, remote)
        }
    }

    /// What an update of `kind` releases when `pending` bytes wait, for the modes that release
    /// output part by part; nil for the others. The node's CipherStream (CofferCrypto) follows the
    /// same rule, and an update whose output differs fails with CKR_DEVICE_ERROR.
    static func releasedLength(_ kind: Session.OperationKind, _ mechanism: UInt64, pending: Int) -> Int? {
        let block = 16
        switch (kind, CK_MECHANISM_TYPE(mechanism)) {
        case (.encrypt, CK_MECHANISM_TYPE(CKM_AES_CBC)), (.decrypt, CK_MECHANISM_TYPE(CKM_AES_CBC)),
            (.encrypt, CK_MECHANISM_TYPE(CKM_AES_CBC_PAD)):
            return pending / block * block
        case (.decrypt, CK_MECHANISM_TYPE(CKM_AES_CBC_PAD)):
            // The last block may hold the padding: it is released by C_DecryptFinal.
            return pending == 0 ? 0 : (pending - 1) / block * block
        case (.encrypt, CK_MECHANISM_TYPE(CKM_AES_CTR)), (.decrypt, CK_MECHANISM_TYPE(CKM_AES_CTR)):
            return pending
        default:
            return nil
        }
    }

    /// Forgets the checked key uses (after this application destroyed or changed an object): the next
    /// C_*Init of each asks the node again.
    func forgetCheckedUses() {
        _ = try? change { $0.checkedUses.removeAll() }
    }

    /// Ends `operation` over `input` for a blocking caller. An operation the node holds ends with
    /// OperationFinal; a locally started sign, verify, encrypt or decrypt goes straight onto the
    /// pipeline from this thread; a locally started digest is one Digest call. Verification returns
    /// no bytes.
    ///
    /// When the node holding the session is gone, an operation that node held unfed ends as a
    /// single-part call on the next node, the same result; a fed one ends with CKR_DEVICE_REMOVED.
    func finish(
        _ kind: Session.OperationKind, _ operation: Session.Operation, input: Data, signature: Data = Data(),
        session handle: CK_SESSION_HANDLE
    ) throws(CKRError) -> Data {
        try onSession(handle, .safe) { (binding: Binding) throws(CKRError) -> Data in
            var operation = operation
            if operation.move(to: binding.remote) { throw CKRError(CK_RV(CKR_DEVICE_REMOVED)) }
            let (client, remote) = (binding.client, binding.remote)
            if operation.startedOnNode {
                return try Blocking.run(limit: binding.limit) { () async throws(CofferClientError) -> Data in
                    try await client.operationFinal(kind.wire, data: input, signature: signature, session: remote)
                }
            }
            guard let single = Self.pipelineCall(kind, operation, input: input, signature: signature) else {
                let mechanism = operation.mechanism
                return try Blocking.run(limit: binding.limit) { () async throws(CofferClientError) -> Data in
                    try await client.digest(mechanism: mechanism, data: input, session: remote)
                }
            }
            return try Blocking.wait(limit: binding.limit) { finish in
                client.pipelined(single, session: remote, completion: finish)
            }
        }
    }

    /// The pipeline call for a single-part `kind` (none for digests, which are not pipelined).
    static func pipelineCall(
        _ kind: Session.OperationKind, _ operation: Session.Operation, input: Data, signature: Data
    ) -> Coffer_V1_PipelineCall? {
        var call = Coffer_V1_PipelineCall()
        switch kind {
        case .sign:
            call.sign = .with { $0.mechanism = operation.mechanism; $0.key = operation.key; $0.data = input }
        case .verify:
            call.verify = .with {
                $0.mechanism = operation.mechanism; $0.key = operation.key; $0.data = input; $0.signature = signature
            }
        case .encrypt:
            call.encrypt = .with { $0.mechanism = operation.mechanism; $0.key = operation.key; $0.data = input }
        case .decrypt:
            call.decrypt = .with { $0.mechanism = operation.mechanism; $0.key = operation.key; $0.data = input }
        case .digest:
            return nil
        }
        return call
    }

    /// Ends a single-part operation with output (PKCS#11 2.40 section 5.2): a length query or a
    /// short buffer keeps the operation (and the computed result) for the retry; anything else,
    /// success or error, ends it.
    /// `input` nil means the data buffered by C_*Update.
    func finishOperation(
        _ kind: Session.OperationKind, session handle: CK_SESSION_HANDLE, input given: [UInt8]?,
        output: UnsafeMutablePointer<CK_BYTE>?, outputLength: UnsafeMutablePointer<CK_ULONG>?
    ) throws(CKRError) {
        let operation = try withSession(handle) { (session: inout Session) throws(CKRError) in
            guard let operation = session.operations[kind] else { throw CKRError(CK_RV(CKR_OPERATION_NOT_INITIALIZED)) }
            guard outputLength != nil else {
                session.operations[kind] = nil
                throw CKRError(CK_RV(CKR_ARGUMENTS_BAD))
            }
            return operation
        }
        let input = given ?? operation.buffered
        let result: [UInt8]
        if let pending = operation.pending, pending.input == input {
            result = pending.output
        } else {
            do {
                if kind == .sign, operation.mechanism.type == KeyAttestation.mechanism {
                    result = try KeyAttestation.make(self, operation, nonce: input, session: handle)
                } else {
                    result = Array(try finish(kind, operation, input: Data(input), session: handle))
                }
            } catch {
                end(kind, session: handle)
                throw error
            }
        }
        let outcome: OutputBuffer.Outcome
        do {
            outcome = try OutputBuffer.write(result, to: output, count: outputLength!)
        } catch {
            keep(kind, session: handle, input: input, output: result)
            throw error
        }
        switch outcome {
        case .lengthOnly: keep(kind, session: handle, input: input, output: result)
        case .delivered: end(kind, session: handle)
        }
    }

    /// Buffers C_*Update data (multi-part operations run as one node call at C_*Final); more than
    /// `Limits.data` in total ends the operation with CKR_DATA_LEN_RANGE.
    func append(_ kind: Session.OperationKind, session handle: CK_SESSION_HANDLE, _ part: [UInt8]) throws(CKRError) {
        try withSession(handle) { (session: inout Session) throws(CKRError) in
            guard var operation = session.operations[kind] else { throw CKRError(CK_RV(CKR_OPERATION_NOT_INITIALIZED)) }
            guard operation.buffered.count + part.count <= Limits.data else {
                session.operations[kind] = nil
                throw CKRError(CK_RV(CKR_DATA_LEN_RANGE))
            }
            operation.buffered += part
            session.operations[kind] = operation
        }
    }

    /// The quorum token the application presented for the session's next call that takes one
    /// (C_Login with CKU_COFFER_APPROVAL), taken now: "" for none.
    func takeApproval(_ handle: CK_SESSION_HANDLE) throws(CKRError) -> String {
        try withSession(handle) { (session: inout Session) in
            defer { session.approval = nil }
            return session.approval ?? ""
        }
    }

    /// Ends an operation (the session may be gone by now).
    func end(_ kind: Session.OperationKind, session handle: CK_SESSION_HANDLE) {
        _ = try? withSession(handle) { $0.operations[kind] = nil }
    }

    private func keep(_ kind: Session.OperationKind, session handle: CK_SESSION_HANDLE, input: [UInt8], output: [UInt8]) {
        _ = try? withSession(handle) { $0.operations[kind]?.pending = (input, output) }
    }

    /// The session's operation of `kind`, ended now (for C_Verify, which has no output).
    func takeOperation(_ kind: Session.OperationKind, session handle: CK_SESSION_HANDLE) throws(CKRError) -> Session.Operation {
        try withSession(handle) { (session: inout Session) throws(CKRError) in
            guard let operation = session.operations[kind] else { throw CKRError(CK_RV(CKR_OPERATION_NOT_INITIALIZED)) }
            session.operations[kind] = nil
            return operation
        }
    }
}

/// The input of an operation call: the session must exist and the data be well formed; a bad
/// argument ends the operation, as section 5.2 requires of errors other than a short buffer.
func operationInput(
    _ kind: Session.OperationKind, _ session: CK_SESSION_HANDLE, _ data: UnsafeMutablePointer<CK_BYTE>?, _ length: CK_ULONG
) throws(CKRError) -> [UInt8] {
    _ = try Library.shared.session(session)
    do {
        return try inputBytes(data, length)
    } catch {
        Library.shared.end(kind, session: session)
        throw error
    }
}

extension Session.OperationKind {
    /// The wire's name for the kind.
    var wire: Coffer_V1_OperationKind {
        switch self {
        case .encrypt: .encrypt
        case .decrypt: .decrypt
        case .sign: .sign
        case .verify: .verify
        case .digest: .digest
        }
    }
}

/// A key use the node has accepted at a C_*Init: the same kind, key and mechanism type needs no
/// second check. Parameters are checked here at every C_*Init and by the node at every call.
struct CheckedUse: Sendable, Hashable {
    let kind: Session.OperationKind
    let key: UInt64
    let mechanism: UInt64
}
