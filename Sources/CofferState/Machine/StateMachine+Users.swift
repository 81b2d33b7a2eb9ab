// User commands (create, delete, change password, unlock) and password login with lockout.

import CofferCrypto
import CofferModel

extension StateMachine {
    /// Password lengths accepted, in bytes (PKCS#11 PINs).
    public static let passwordLengths = 8...128
    /// How often a failed login is tried before its count is given up as `.conflict`.
    static let maxFailedLoginAttempts = 64

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
        try requireFresh()
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
            return try await updateUser(entry.user.id, .recordLogin(entry.user.id, succeeded: true), by: entry.user.id) {
                user throws(StateError) in
                // Locked by failures on other nodes since the record was read.
                if user.locked { throw .pinLocked }
                return user.recordingSuccessfulLogin()
            }
        }
        // Counted on the current record, so failures on several nodes at once all count. A failure that
        // could not be counted must not tell the caller anything either, so it keeps trying far longer
        // than other commands: otherwise a flood of parallel guesses would get answers past the lockout.
        let counted = try await updateUser(
            entry.user.id, .recordLogin(entry.user.id, succeeded: false), by: entry.user.id,
            attempts: Self.maxFailedLoginAttempts
        ) { $0.recordingFailedLogin() }
        // The failure that locks the account says so (an unknown name never gets here).
        throw counted.locked ? .pinIncorrectNowLocked : .pinIncorrect
    }

    /// Creates a user. Admins only.
    @discardableResult
    public func createUser(name: String, role: Role, password: SecretBytes, by actor: User) async throws(StateError) -> User {
        let barrier = try requireBarrier()
        try check { () throws(ModelError) in try Access.checkManageUsers(by: actor) }
        if state.withLock({ $0.index.user(named: name) }) != nil { throw .userExists(name) }
        let user = try makeUser(name: name, role: role, password: password)
        let writes = try userWrites(user, barrier: barrier)
        do {
            try await commit(.createUser(name: name, role: role), by: actor.id, attempts: 1) { () throws(StateError) in
                let plan = WritePlan(
                    preconditions: [.absent(RecordKey.userName(name, barrier: barrier)), .absent(RecordKey.user(user.id))],
                    writes: writes)
                return (plan, ())
            }
        } catch .conflict {
            throw .userExists(name)
        }
        return user
    }

    /// Deletes the user named `name`, which must own no objects. Admins only; an admin cannot delete
    /// itself. A caller that may not manage users learns nothing about which names exist.
    public func deleteUser(named name: String, by actor: User) async throws(StateError) {
        try check { () throws(ModelError) in try Access.checkManageUsers(by: actor) }
        try await deleteUser(try user(named: name).id, by: actor)
    }

    /// Deletes a user that owns no objects. Admins only; an admin cannot delete itself.
    public func deleteUser(_ id: UserID, by actor: User) async throws(StateError) {
        let barrier = try requireBarrier()
        try check { () throws(ModelError) in try Access.checkManageUsers(by: actor) }
        guard id != actor.id else { throw .model(.argumentsBad("an admin cannot delete itself")) }
        try await commit(.deleteUser(id), by: actor.id) { () throws(StateError) in
            guard let entry = state.withLock({ $0.index.users[id] }) else { throw .userNotFound }
            let owned = state.withLock { $0.index.objectCount(ownedBy: id) }
            guard owned == 0 else { throw .userOwnsObjects(owned) }
            let plan = WritePlan(
                preconditions: [.unchanged(RecordKey.user(id), modRevision: entry.modRevision)],
                writes: [.delete(key: RecordKey.user(id)), .delete(key: RecordKey.userName(entry.user.name, barrier: barrier))])
            return (plan, ())
        }
    }

    /// Sets a new password for the user named `name`, or for `actor` itself when `name` is nil. Another
    /// user's password is for admins only, checked before the name is looked up.
    public func changePassword(ofNamed name: String?, to password: SecretBytes, by actor: User) async throws(StateError) {
        _ = try requireBarrier()
        guard let name, name != actor.name else {
            try await changePassword(of: actor.id, to: password, by: actor)
            return
        }
        try check { () throws(ModelError) in try Access.checkManageUsers(by: actor) }
        try await changePassword(of: try user(named: name).id, to: password, by: actor)
    }

    /// Sets a new password. A user may change its own; an admin anyone's. Clears a lockout.
    public func changePassword(of id: UserID, to password: SecretBytes, by actor: User) async throws(StateError) {
        _ = try requireBarrier()
        if actor.id != id { try check { () throws(ModelError) in try Access.checkManageUsers(by: actor) } }
        guard state.withLock({ $0.index.users[id] }) != nil else { throw .userNotFound }
        let verifier = try makeVerifier(password)
        try await updateUser(id, .changePassword(id), by: actor.id) { user in
            var updated = user
            updated.passwordVerifier = verifier
            updated.failedLoginCount = 0
            updated.locked = false
            return updated
        }
    }

    /// Unlocks the user named `name`. Admins only, checked before the name is looked up.
    public func unlockUser(named name: String, by actor: User) async throws(StateError) {
        try check { () throws(ModelError) in try Access.checkManageUsers(by: actor) }
        try await unlockUser(try user(named: name).id, by: actor)
    }

    /// Unlocks a user locked by failed logins. Admins only.
    public func unlockUser(_ id: UserID, by actor: User) async throws(StateError) {
        _ = try requireBarrier()
        try check { () throws(ModelError) in try Access.checkManageUsers(by: actor) }
        try await updateUser(id, .unlockUser(id), by: actor.id) { user in
            var updated = user
            updated.failedLoginCount = 0
            updated.locked = false
            return updated
        }
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

    /// The two records of a user: the user itself, and its name's blind index pointing at its id.
    func userWrites(_ user: User, barrier: Barrier) throws(StateError) -> [WritePlan.Write] {
        [
            .put(key: RecordKey.user(user.id), value: SecretBytes(user.encoded)),
            .put(key: RecordKey.userName(user.name, barrier: barrier), value: SecretBytes(Self.bigEndian(user.id.rawValue))),
        ]
    }

    /// Commits `change` applied to the current record of user `id`, planned again on a lost race.
    @discardableResult
    private func updateUser(
        _ id: UserID, _ command: Command, by actor: UserID, attempts: Int = maxCommitAttempts,
        _ change: (User) throws(StateError) -> User
    ) async throws(StateError) -> User {
        try await commit(command, by: actor, attempts: attempts) { () throws(StateError) in
            guard let entry = state.withLock({ $0.index.users[id] }) else { throw .userNotFound }
            let updated = try change(entry.user)
            let key = RecordKey.user(id)
            let plan = WritePlan(
                preconditions: [.unchanged(key, modRevision: entry.modRevision)],
                writes: [.put(key: key, value: SecretBytes(updated.encoded))])
            return (plan, updated)
        }
    }

    static func bigEndian(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> UInt64(56 - 8 * $0)) }
    }

    /// Runs a model check, mapping its error.
    func check(_ body: () throws(ModelError) -> Void) throws(StateError) {
        do { try body() } catch { throw StateError(error) }
    }
}
