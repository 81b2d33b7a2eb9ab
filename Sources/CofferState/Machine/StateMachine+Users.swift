// User commands (create, delete, change password, unlock) and password login with lockout.

import CofferCrypto
import CofferModel

extension StateMachine {
    /// Password lengths accepted, in bytes (PKCS#11 PINs).
    public static let passwordLengths = 8...128

    /// Every user, for admins.
    public func users(by actor: User) throws(StateError) -> [User] {
        _ = try requireBarrier()
        try check { () throws(ModelError) in try Access.checkManageUsers(by: actor) }
        return state.withLock { $0.index.users.values.map(\.user) }.sorted { $0.name < $1.name }
    }

    /// The current record of user `id`.
    public func user(_ id: UserID) throws(StateError) -> User {
        _ = try requireBarrier()
        guard let entry = state.withLock({ $0.index.users[id] }) else { throw .userNotFound }
        return entry.user
    }

    /// The user named `name`.
    public func user(named name: String) throws(StateError) -> User {
        _ = try requireBarrier()
        guard let entry = state.withLock({ $0.index.user(named: name) }) else { throw .userNotFound }
        return entry.user
    }

    /// Checks a password. A wrong one counts toward lockout; the fifth locks the account.
    /// An unknown name costs the same verifier work as a known one and gives the same error.
    public func authenticate(name: String, password: SecretBytes) async throws(StateError) -> User {
        _ = try requireBarrier()
        guard let entry = state.withLock({ $0.index.user(named: name) }) else {
            _ = try? PasswordVerifier.make(password: password, cost: passwordCost)
            throw .pinIncorrect
        }
        if entry.user.locked { throw .pinLocked }
        let verifier: PasswordVerifier
        do { verifier = try PasswordVerifier(encoded: entry.user.passwordVerifier) } catch { throw .crypto(error) }
        let matches: Bool
        do { matches = try verifier.verify(password: password) } catch { throw .crypto(error) }
        if matches {
            guard entry.user.failedLoginCount > 0 else { return entry.user }
            let updated = entry.user.recordingSuccessfulLogin()
            try await writeUser(updated, expecting: entry.modRevision)
            return updated
        }
        let updated = entry.user.recordingFailedLogin()
        try await writeUser(updated, expecting: entry.modRevision)
        throw .pinIncorrect
    }

    /// Creates a user. Admins only.
    @discardableResult
    public func createUser(name: String, role: Role, password: SecretBytes, by actor: User) async throws(StateError) -> User {
        let barrier = try requireBarrier()
        try check { () throws(ModelError) in try Access.checkManageUsers(by: actor) }
        if state.withLock({ $0.index.user(named: name) }) != nil { throw .userExists(name) }
        let user = try makeUser(name: name, role: role, password: password)
        let compares: [StoreCompare] = [
            .version(key: RecordKey.userName(name, barrier: barrier), equals: 0),
            .version(key: RecordKey.user(user.id), equals: 0),
        ]
        let result = try await transact(compares, try userRecords(user, barrier: barrier))
        guard result.succeeded else { throw .userExists(name) }
        try await waitForIndex(result.revision)
        return user
    }

    /// Deletes a user that owns no objects. Admins only; an admin cannot delete itself.
    public func deleteUser(_ id: UserID, by actor: User) async throws(StateError) {
        let barrier = try requireBarrier()
        try check { () throws(ModelError) in try Access.checkManageUsers(by: actor) }
        guard id != actor.id else { throw .model(.argumentsBad("an admin cannot delete itself")) }
        guard let entry = state.withLock({ $0.index.users[id] }) else { throw .userNotFound }
        let owned = state.withLock { $0.index.objectCount(ownedBy: id) }
        guard owned == 0 else { throw .userOwnsObjects(owned) }
        let result = try await transact(
            [.modRevision(key: RecordKey.user(id), equals: entry.modRevision)],
            [.delete(key: RecordKey.user(id)), .delete(key: RecordKey.userName(entry.user.name, barrier: barrier))])
        guard result.succeeded else { throw .conflict }
        try await waitForIndex(result.revision)
    }

    /// Sets a new password. A user may change its own; an admin anyone's. Clears a lockout.
    public func changePassword(of id: UserID, to password: SecretBytes, by actor: User) async throws(StateError) {
        _ = try requireBarrier()
        if actor.id != id { try check { () throws(ModelError) in try Access.checkManageUsers(by: actor) } }
        guard let entry = state.withLock({ $0.index.users[id] }) else { throw .userNotFound }
        var updated = entry.user
        updated.passwordVerifier = try makeVerifier(password)
        updated.failedLoginCount = 0
        updated.locked = false
        try await writeUser(updated, expecting: entry.modRevision)
    }

    /// Unlocks a user locked by failed logins. Admins only.
    public func unlockUser(_ id: UserID, by actor: User) async throws(StateError) {
        _ = try requireBarrier()
        try check { () throws(ModelError) in try Access.checkManageUsers(by: actor) }
        guard let entry = state.withLock({ $0.index.users[id] }) else { throw .userNotFound }
        var updated = entry.user
        updated.failedLoginCount = 0
        updated.locked = false
        try await writeUser(updated, expecting: entry.modRevision)
    }

    // MARK: - Records

    func makeUser(name: String, role: Role, password: SecretBytes) throws(StateError) -> User {
        let verifier = try makeVerifier(password)
        do {
            return try User(id: UserID(UInt64.random(in: 1...UInt64.max)), name: name, role: role, passwordVerifier: verifier)
        } catch {
            throw .model(error)
        }
    }

    private func makeVerifier(_ password: SecretBytes) throws(StateError) -> [UInt8] {
        guard Self.passwordLengths.contains(password.count) else { throw .pinLenRange }
        do { return try PasswordVerifier.make(password: password, cost: passwordCost).encoded() } catch { throw .crypto(error) }
    }

    func userRecords(_ user: User, barrier: Barrier) throws(StateError) -> [StoreOperation] {
        let userKey = RecordKey.user(user.id)
        let nameKey = RecordKey.userName(user.name, barrier: barrier)
        do {
            return [
                .put(key: userKey, value: try barrier.seal(user.encoded, recordKey: userKey)),
                .put(key: nameKey, value: try barrier.seal(Self.bigEndian(user.id.rawValue), recordKey: nameKey)),
            ]
        } catch {
            throw .barrier(error)
        }
    }

    private func writeUser(_ user: User, expecting modRevision: Int64) async throws(StateError) {
        let barrier = try requireBarrier()
        let key = RecordKey.user(user.id)
        let sealed: [UInt8]
        do { sealed = try barrier.seal(user.encoded, recordKey: key) } catch { throw .barrier(error) }
        let result = try await transact([.modRevision(key: key, equals: modRevision)], [.put(key: key, value: sealed)])
        guard result.succeeded else { throw .conflict }
        try await waitForIndex(result.revision)
    }

    static func bigEndian(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> UInt64(56 - 8 * $0)) }
    }

    /// Runs a model check, mapping its error.
    func check(_ body: () throws(ModelError) -> Void) throws(StateError) {
        do { try body() } catch { throw StateError(error) }
    }

    /// One store transaction with no failure branch.
    func transact(_ compares: [StoreCompare], _ operations: [StoreOperation]) async throws(StateError) -> TransactionResult {
        do {
            return try await store.transact(compare: compares, success: operations, failure: [])
        } catch {
            throw StateError(error)
        }
    }
}
