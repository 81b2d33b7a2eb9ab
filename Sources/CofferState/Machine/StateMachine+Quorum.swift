// M-of-N quorum (issue 14, docs/quorum.md): approval keys, the quorum each guarded service needs,
// tokens that name one exact operation, and approvals signed offline by distinct approvers. All of
// it is sealed system records written through the commit seam; the check and the consumption of a
// token happen in `QuorumParticipant`, in the guarded command's own transaction.

import CofferCrypto
import CofferModel
import Crypto
import Foundation

extension StateMachine {
    static let quorumPolicyRecord = "quorum/policy"
    static let quorumTokenPrefix = "quorum/token/"
    static let approvalKeyPrefix = "quorum/key/"
    static let keyQuorumPrefix = "quorum/usage/"
    /// The most approvals a quorum may need.
    public static let maxQuorum = 8

    static func approvalKeyRecord(_ id: UserID) -> String { approvalKeyPrefix + String(id.rawValue, radix: 16) }
    static func keyQuorumRecord(_ handle: ObjectHandle) -> String { keyQuorumPrefix + String(handle, radix: 16) }

    /// Whether `id` may approve a command: anyone of the service's role, but for a key's uses (and
    /// changes to its key-usage quorum) only the key's owner and the users it is shared with.
    static func mayApprove(_ id: UserID, use key: StoredObject?, guarded: Bool) -> Bool {
        guard guarded else { return true }
        guard let key else { return false }
        return key.owner == id || key.sharedWith.contains(id)
    }

    static func decodeRecord<T: Decodable>(_ type: T.Type, _ record: SecretBytes) -> T? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return record.withUnsafeBytes { try? decoder.decode(type, from: Data($0)) }
    }

    static func encodeRecord(_ value: some Encodable) throws(StateError) -> SecretBytes {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        do { return SecretBytes(Array(try encoder.encode(value))) } catch { throw .store("a quorum record does not encode") }
    }

    static func quorumTime(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    /// The approvers of `token` whose approvals hold now: users that still exist with `role`, whose
    /// registered key (the current one) made the signature. Distinct by user.
    static func validApprovers(
        of token: QuorumToken, role: Role, keys: (UserID) -> (value: SecretBytes, modRevision: Int64)?,
        users: (UserID) -> User?, eligible: (UserID) -> Bool
    ) -> Set<UInt64> {
        var valid: Set<UInt64> = []
        for approval in token.approvals {
            let id = UserID(rawValue: approval.approverID)
            guard let user = users(id), user.role == role, eligible(id), let record = keys(id),
                let key = decodeRecord(ApprovalKey.self, record.value), key.verifies(approval.signature, over: token.signedText)
            else { continue }
            valid.insert(approval.approverID)
        }
        return valid
    }

    private func systemRecordNow(_ name: String) -> (value: SecretBytes, modRevision: Int64)? {
        state.withLock { $0.index.systemRecords[name] }
    }

    // MARK: Approval keys

    /// Registers (or replaces) `user`'s approval key: a P-256 public key, SubjectPublicKeyInfo DER.
    /// Approvals made with a replaced key stop counting.
    public func registerApprovalKey(_ publicKey: [UInt8], by user: User, now: Date = Date()) async throws(StateError) {
        guard user.role == .admin || user.role == .cryptoUser else {
            throw .model(.roleNotPermitted(user.role, "register an approval key"))
        }
        guard (try? P256.Signing.PublicKey(derRepresentation: publicKey)) != nil else {
            throw .model(.argumentsBad("an approval key is a P-256 public key (SubjectPublicKeyInfo, DER or PEM)"))
        }
        let record = ApprovalKey(
            userID: user.id.rawValue, user: user.name, publicKey: Data(publicKey).base64EncodedString(), registeredAt: now)
        let value = try Self.encodeRecord(record)
        try await commit(.registerApprovalKey(user.id), by: user.id) { () throws(StateError) in
            (WritePlan(writes: [.put(key: RecordKey.system(Self.approvalKeyRecord(user.id)), value: value)]), ())
        }
    }

    /// The registered approval keys.
    public func approvalKeys() throws(StateError) -> [ApprovalKey] {
        _ = try requireBarrier()
        let records = state.withLock { $0.index.systemRecords.filter { $0.key.hasPrefix(Self.approvalKeyPrefix) } }
        return records.values.compactMap { Self.decodeRecord(ApprovalKey.self, $0.value) }.sorted { $0.user < $1.user }
    }

    // MARK: Policy

    /// The quorum each service needs now.
    public func quorumPolicy() throws(StateError) -> QuorumPolicy {
        _ = try requireBarrier()
        return systemRecordNow(Self.quorumPolicyRecord).flatMap { Self.decodeRecord(QuorumPolicy.self, $0.value) } ?? QuorumPolicy()
    }

    /// Sets the approvals `service` needs (0: none). Admins only; a change is itself guarded by the
    /// quorum service's setting. Refused when fewer users of the service's approver role have
    /// approval keys than `approvals`: such a quorum could never be met.
    public func setQuorum(_ service: GuardedService, approvals: Int, by actor: User) async throws(StateError) {
        guard actor.role == .admin else { throw .model(.roleNotPermitted(actor.role, "set quorums")) }
        guard (0...Self.maxQuorum).contains(approvals) else {
            throw .model(.argumentsBad("a quorum is 1 to \(Self.maxQuorum) approvals, or 0 for none"))
        }
        if service == .keyUsage {
            throw .quorum("key-usage quorums are per key: coffer quorum set --service key-usage --key KEY --m M, by the key's owner")
        }
        let key = RecordKey.system(Self.quorumPolicyRecord)
        try await commit(.setQuorum(service: service.rawValue, approvals: approvals), by: actor.id) { () throws(StateError) in
            let (current, users, keys) = state.withLock { s in
                (s.index.systemRecords[Self.quorumPolicyRecord], s.index.users,
                 s.index.systemRecords.filter { $0.key.hasPrefix(Self.approvalKeyPrefix) })
            }
            let holders = keys.values.compactMap { Self.decodeRecord(ApprovalKey.self, $0.value) }
                .filter { users[UserID(rawValue: $0.userID)]?.user.role == service.approverRole }
            guard holders.count >= approvals else {
                throw .quorum(
                    "only \(holders.count) \(service.approverRole)s have approval keys; a quorum of \(approvals) for \(service.rawValue) could never be met (coffer user register-approval-key)")
            }
            var policy = current.flatMap { Self.decodeRecord(QuorumPolicy.self, $0.value) } ?? QuorumPolicy()
            policy.required[service.rawValue] = approvals == 0 ? nil : approvals
            let precondition: WritePlan.Precondition =
                current.map { .unchanged(key, modRevision: $0.modRevision) } ?? .absent(key)
            return (WritePlan(preconditions: [precondition], writes: [.put(key: key, value: try Self.encodeRecord(policy))]), ())
        }
    }

    // MARK: Tokens

    /// A token for the operation `operation` (docs/quorum.md, "Operations") of `service`, valid for
    /// `validity`, requested by `actor`.
    public func requestQuorum(
        service: GuardedService, operation: String, validity: Duration = QuorumToken.defaultValidity, cluster: String,
        by actor: User, now: Date = Date()
    ) async throws(StateError) -> QuorumToken {
        guard actor.role == .admin || actor.role == .cryptoUser else {
            throw .model(.roleNotPermitted(actor.role, "request quorum approvals"))
        }
        guard validity >= .seconds(1), validity <= QuorumToken.longestValidity else {
            throw .model(.argumentsBad("a token is valid for 1 s to 24 h"))
        }
        let command = try command(forOperation: operation)
        guard GuardedService.of(command, actor: actor.id) == service else {
            throw .quorum("\(command.name) is not a \(service.rawValue) operation")
        }
        let id = SecureRandom.bytes(16).map { String(format: "%02x", $0) }.joined()
        let token = QuorumToken(
            id: id, cluster: cluster, service: service, operation: operation.split(separator: " ").joined(separator: " "),
            command: Data(command.encoded).base64EncodedString(), requester: actor.name, createdAt: now,
            expiresAt: now.addingTimeInterval(TimeInterval(validity.components.seconds)), approvals: [], usedAt: nil)
        let key = RecordKey.system(Self.quorumTokenPrefix + id)
        let value = try Self.encodeRecord(token)
        try await commit(.requestQuorum(token: id), by: actor.id, attempts: 1) { () throws(StateError) in
            (WritePlan(preconditions: [.absent(key)], writes: [.put(key: key, value: value)]), ())
        }
        return token
    }

    /// The token `id`, for any logged-in user (it holds no secret).
    public func quorumToken(_ id: String) throws(StateError) -> QuorumToken {
        _ = try requireBarrier()
        guard let record = systemRecordNow(Self.quorumTokenPrefix + id), let token = Self.decodeRecord(QuorumToken.self, record.value)
        else { throw .quorum("no quorum token \(id)") }
        return token
    }

    /// The approvers of `token` whose approvals count now.
    public func validApprovers(of token: QuorumToken) -> [String] {
        let eligible = approverEligibility(of: token)
        let valid = Self.validApprovers(
            of: token, role: token.service.approverRole, keys: { systemRecordNow(Self.approvalKeyRecord($0)) },
            users: { try? user($0) }, eligible: eligible)
        return token.approvals.filter { valid.contains($0.approverID) }.map(\.approver)
    }

    /// Who may approve `token`'s command now (`mayApprove`).
    private func approverEligibility(of token: QuorumToken) -> (UserID) -> Bool {
        let guarded = Data(base64Encoded: token.command).flatMap { try? Command(encoded: Array($0)) }?.guardedKey
        let key = guarded.flatMap { handle in state.withLock { $0.index.objects[handle]?.object } }
        return { Self.mayApprove($0, use: key, guarded: guarded != nil) }
    }

    /// Adds `approver`'s approval of token `id`: `signature` (ECDSA P-256, DER, base64) over the
    /// token's signed text, made with the approver's registered key. Refused for a used or expired
    /// token, an approver of the wrong role or without a key, a signature that is not theirs over this
    /// token, and a second approval by the same user.
    public func approveQuorum(_ id: String, signature: String, by approver: User, now: Date = Date()) async throws(StateError) -> QuorumToken {
        let name = Self.quorumTokenPrefix + id
        return try await commit(.approveQuorum(token: id, approver: approver.id), by: approver.id) { () throws(StateError) in
            guard let record = systemRecordNow(name), var token = Self.decodeRecord(QuorumToken.self, record.value) else {
                throw .quorum("no quorum token \(id)")
            }
            guard token.usedAt == nil else { throw .quorum("quorum token \(id) was used already") }
            guard token.expiresAt > now else { throw .quorum("quorum token \(id) expired at \(Self.quorumTime(token.expiresAt))") }
            guard approver.role == token.service.approverRole else {
                throw .quorum("\(token.service.rawValue) operations are approved by \(token.service.approverRole)s")
            }
            guard approverEligibility(of: token)(approver.id) else {
                throw .quorum("uses of a key are approved by its owner and the users it is shared with; \(approver.name) is neither")
            }
            guard !token.approvals.contains(where: { $0.approverID == approver.id.rawValue }) else {
                throw .quorum("\(approver.name) approved token \(id) already; approvals must come from distinct approvers")
            }
            guard let keyRecord = systemRecordNow(Self.approvalKeyRecord(approver.id)),
                let key = Self.decodeRecord(ApprovalKey.self, keyRecord.value)
            else { throw .quorum("\(approver.name) has no approval key (coffer user register-approval-key)") }
            guard key.verifies(signature, over: token.signedText) else {
                throw .quorum("the signature is not \(approver.name)'s registered approval key's over token \(id)")
            }
            token.approvals.append(QuorumApproval(approver: approver.name, approverID: approver.id.rawValue, signature: signature, at: now))
            return (
                WritePlan(
                    preconditions: [.unchanged(RecordKey.system(name), modRevision: record.modRevision)],
                    writes: [.put(key: RecordKey.system(name), value: try Self.encodeRecord(token))]),
                token
            )
        }
    }

    // MARK: Operations

    /// The command an operation text names: a command name and its arguments as `key=value` words
    /// (`create-user name=bob role=crypto-user`, `destroy-object handle=42`); docs/quorum.md lists them.
    public func command(forOperation text: String) throws(StateError) -> Command {
        let words = text.split(separator: " ").map(String.init)
        guard let verb = words.first else { throw .quorum("an operation names a command, such as create-user name=bob role=crypto-user") }
        var arguments: [String: String] = [:]
        for word in words.dropFirst() {
            guard let equals = word.firstIndex(of: "="), equals != word.startIndex else {
                throw .quorum("\(word): arguments are key=value")
            }
            let key = String(word[..<equals])
            guard arguments[key] == nil else { throw .quorum("\(key) is given twice") }
            arguments[key] = String(word[word.index(after: equals)...])
        }
        func take(_ key: String) throws(StateError) -> String {
            guard let value = arguments.removeValue(forKey: key) else { throw .quorum("\(verb) needs \(key)=") }
            return value
        }
        func handle() throws(StateError) -> ObjectHandle {
            let text = try take("handle")
            guard let handle = UInt64(text) else { throw .quorum("handle=\(text) is not a handle") }
            return handle
        }
        func flag(_ key: String) throws(StateError) -> Bool {
            switch try take(key) {
            case "true": return true
            case "false": return false
            default: throw .quorum("\(key)= is true or false")
            }
        }
        func userID() throws(StateError) -> UserID { try user(named: try take("name")).id }
        let command: Command
        switch verb {
        case "create-user":
            let name = try take("name")
            let roleName = try take("role")
            guard let role = Role.allCases.first(where: { $0.description == roleName }) else {
                throw .quorum("role=\(roleName) is not admin, crypto-user or auditor")
            }
            command = .createUser(name: name, role: role)
        case "delete-user": command = .deleteUser(try userID())
        case "unlock-user": command = .unlockUser(try userID())
        case "change-password": command = .changePassword(try userID())
        case "destroy-object": command = .destroyObject(try handle())
        case "share":
            let object = try handle()
            let target = try user(named: try take("user")).id
            command = .share(object, with: target, shared: try flag("shared"))
        case "restore-object": command = .restoreObject(try handle())
        case "set-quorum":
            let service = try take("service")
            guard GuardedService(rawValue: service) != nil else { throw .quorum("service=\(service) is not a guarded service") }
            guard let approvals = Int(try take("approvals")) else { throw .quorum("approvals= is a number") }
            command = .setQuorum(service: service, approvals: approvals)
        case "remove-node": command = .removeNode(nodeID: try take("node"))
        case "set-binary-allowed": command = .setBinaryAllowed(sha256: try take("sha256"), allowed: try flag("allowed"))
        case "add-node": command = .addNode(name: try take("name"))
        case "issue-certificate":
            let name = try take("name")
            let profile = try take("profile")
            guard ClientCertificateProfile(rawValue: profile) != nil else {
                throw .quorum("profile=\(profile) is not \(ClientCertificateProfile.allCases.map(\.rawValue).joined(separator: " or "))")
            }
            command = .issueCertificate(commonName: name, profile: profile)
        case "set-key-quorum":
            let object = try handle()
            guard let approvals = Int(try take("approvals")) else { throw .quorum("approvals= is a number") }
            command = .setKeyQuorum(object, approvals: approvals)
        case "create-backup": command = .createBackup
        case "set-audit-reader": command = .setAuditReader(try userID(), granted: try flag("granted"))
        case "export-key":
            let object = try handle()
            guard let wrapping = UInt64(try take("wrapping")) else { throw .quorum("wrapping= is a handle") }
            command = .exportKey(object, wrappingKey: wrapping)
        case "import-key":
            guard let unwrapping = UInt64(try take("unwrapping")) else { throw .quorum("unwrapping= is a handle") }
            command = .importKey(unwrappingKey: unwrapping)
        case "use-key":
            let object = try handle()
            let name = try take("operation")
            guard let operation = KeyOperation.allCases.first(where: { $0.name == name }) else {
                throw .quorum("operation=\(name) is not one of \(KeyOperation.allCases.map(\.name).joined(separator: ", "))")
            }
            if let hex = arguments.removeValue(forKey: "sha256") {
                guard let digest = Self.digestBytes(hex) else { throw .quorum("sha256= is a SHA-256 in 64 hex digits (sha256sum prints one)") }
                command = .useKeyOnData(object, operation, sha256: digest)
            } else {
                command = .useKey(object, operation)
            }
        default:
            throw .quorum(
                "\(verb) is not an operation a quorum guards: create-user, delete-user, unlock-user, change-password, destroy-object, share, restore-object, set-quorum, remove-node, set-binary-allowed, add-node, issue-certificate, create-backup, export-key, import-key, set-audit-reader, set-key-quorum, use-key")
        }
        if let extra = arguments.keys.sorted().first { throw .quorum("\(verb) takes no \(extra)=") }
        return command
    }

    // MARK: Key-usage quorums

    /// The approvals each use of `handle` needs; nil when it has no key-usage quorum. On the hot path
    /// of every crypto call: one lookup.
    func keyQuorumNow(_ handle: ObjectHandle) -> Int? {
        guard !SessionObjectTable.isSessionObject(handle) else { return nil }
        let record = state.withLock { s in s.index.quorumKeys.contains(handle) ? s.index.systemRecords[Self.keyQuorumRecord(handle)] : nil }
        guard let record else { return nil }
        // A record that does not decode guards the key with the most approvals rather than none.
        return Self.decodeRecord(KeyQuorum.self, record.value)?.approvals ?? Self.maxQuorum
    }

    /// The approvals each use of `handle` needs (0: none).
    public func keyQuorum(_ handle: ObjectHandle) -> Int { keyQuorumNow(handle) ?? 0 }

    /// The key-usage quorums of the keys `user` can see.
    public func keyQuorums(visibleTo user: User) throws(StateError) -> [(quorum: KeyQuorum, label: String)] {
        _ = try requireBarrier()
        return state.withLock { s in
            s.index.systemRecords.filter { $0.key.hasPrefix(Self.keyQuorumPrefix) }.values.compactMap { record in
                guard let quorum = Self.decodeRecord(KeyQuorum.self, record.value), quorum.approvals > 0,
                    let object = s.index.objects[quorum.handle]?.object, Access.canSee(object, by: user)
                else { return nil }
                return (quorum, object.label)
            }
        }.sorted { $0.quorum.handle < $1.quorum.handle }
    }

    /// The approvals `command` needs now: its key's key-usage quorum for a key's use, else its
    /// service's (0: none). For commands that commit nothing themselves (`requireApproved`).
    public func approvalsNeeded(for command: Command) -> Int {
        if let handle = command.guardedKey { return keyQuorumNow(handle) ?? 0 }
        guard let service = GuardedService.of(command, actor: nil) else { return 0 }
        return systemRecordNow(Self.quorumPolicyRecord).flatMap { Self.decodeRecord(QuorumPolicy.self, $0.value) }?
            .approvals(for: service) ?? 0
    }

    /// Refuses `command`, an operation that commits nothing itself (a key's use, a wrap, a backup),
    /// when it needs approvals and the call has not consumed a token for exactly it
    /// (`consumeApproval`, which sets `QuorumContext.approvedCommand`).
    func requireApproved(_ command: Command) throws(StateError) {
        let needed = approvalsNeeded(for: command)
        guard needed > 0, QuorumContext.approvedCommand != command else { return }
        let approvals = "\(needed) approval\(needed == 1 ? "" : "s")"
        let (service, text): (String, String)
        switch command {
        case .useKey(let handle, let operation):
            throw .quorum(
                "key \(handle) needs \(approvals) for each use (key-usage): coffer quorum request --service key-usage --operation 'use-key handle=\(handle) operation=\(operation.name)', then run the call with --quorum-token (through PKCS#11: C_Login with CKU_COFFER_APPROVAL before the call)")
        case .exportKey(let handle, let wrappingKey): (service, text) = ("key-management", "export-key handle=\(handle) wrapping=\(wrappingKey)")
        case .importKey(let unwrappingKey): (service, text) = ("key-management", "import-key unwrapping=\(unwrappingKey)")
        case .issueCertificate(let commonName, let profile):
            (service, text) = ("cluster", "issue-certificate name=\(commonName) profile=\(profile)")
        default: (service, text) = (GuardedService.of(command, actor: nil)?.rawValue ?? "", command.name)
        }
        throw .quorum(
            "\(command.name) needs \(approvals) (\(service)): coffer quorum request --service \(service) --operation '\(text)', then run it again with --quorum-token (through PKCS#11: C_Login with CKU_COFFER_APPROVAL before the call)")
    }

    /// The 32 bytes of a SHA-256 in 64 hex digits (either case).
    static func digestBytes(_ hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: 64, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }

    /// Refuses issuing a client certificate for `commonName` with `profile` when a cluster quorum
    /// guards it and the call has not consumed a token for exactly that certificate.
    public func requireApprovedCertificate(commonName: String, profile: ClientCertificateProfile) throws(StateError) {
        try requireApproved(.issueCertificate(commonName: commonName, profile: profile.rawValue))
    }

    /// Refuses a use of `handle` for `operation` without its approvals, when the key has a key-usage quorum.
    func requireApprovedUse(_ handle: ObjectHandle, _ operation: KeyOperation) throws(StateError) {
        try requireApproved(.useKey(handle, operation))
    }

    /// Refuses what would let a key under a key-usage quorum escape it: a copy, or the key wrapped
    /// out and unwrapped elsewhere, would be the same key without its quorum.
    func refuseIfGuarded(_ handle: ObjectHandle, _ reason: String) throws(StateError) {
        guard let needed = keyQuorumNow(handle), needed > 0 else { return }
        throw .quorum("key \(handle) has a key-usage quorum: \(reason)")
    }

    /// Sets the approvals each use of the token key `handle` needs (0: none), by its owner. Changing
    /// a key's quorum once set needs the key's current quorum (`QuorumParticipant`). Refused when
    /// fewer of the key's users (its owner and the users it is shared with) have approval keys.
    public func setKeyQuorum(_ handle: ObjectHandle, approvals: Int, by actor: User) async throws(StateError) {
        guard actor.role == .cryptoUser else { throw .model(.roleNotPermitted(actor.role, "set a key's usage quorum")) }
        guard (0...Self.maxQuorum).contains(approvals) else {
            throw .model(.argumentsBad("a quorum is 1 to \(Self.maxQuorum) approvals, or 0 for none"))
        }
        guard !SessionObjectTable.isSessionObject(handle) else {
            throw .model(.argumentsBad("a session object cannot have a key-usage quorum; it ends with its session"))
        }
        let name = Self.keyQuorumRecord(handle)
        let key = RecordKey.system(name)
        try await commit(.setKeyQuorum(handle, approvals: approvals), by: actor.id) { () throws(StateError) in
            let entry = try object(handle, for: actor)
            guard entry.object.objectClass == .privateKey || entry.object.objectClass == .secretKey else {
                throw .model(.argumentsBad("key-usage quorums guard private and secret keys; object \(handle) is neither"))
            }
            guard entry.object.owner == actor.id else { throw .quorum("only the key's owner sets its key-usage quorum") }
            let (current, users, keys) = state.withLock { s in
                (s.index.systemRecords[name], s.index.users, s.index.systemRecords.filter { $0.key.hasPrefix(Self.approvalKeyPrefix) })
            }
            let holders = keys.values.compactMap { Self.decodeRecord(ApprovalKey.self, $0.value) }.filter {
                let id = UserID(rawValue: $0.userID)
                return users[id]?.user.role == .cryptoUser && Self.mayApprove(id, use: entry.object, guarded: true)
            }
            guard holders.count >= approvals else {
                throw .quorum(
                    "only \(holders.count) of the key's users (its owner and the users it is shared with) have approval keys; a quorum of \(approvals) could never be met")
            }
            let uses = current.flatMap { Self.decodeRecord(KeyQuorum.self, $0.value) }?.uses ?? 0
            let precondition: WritePlan.Precondition = current.map { .unchanged(key, modRevision: $0.modRevision) } ?? .absent(key)
            let value = try Self.encodeRecord(KeyQuorum(handle: handle, approvals: approvals, uses: uses))
            return (WritePlan(preconditions: [precondition], writes: [.put(key: key, value: value)]), ())
        }
    }

    /// Consumes the request's quorum token for `command`, an operation that commits nothing itself,
    /// in a transaction of its own (with its audit entry); the caller then runs the operation with
    /// `QuorumContext.approvedCommand` set to `command`. The transaction compares what decided the
    /// approvals needed (the key's quorum record, which also counts its approved uses, or the quorum
    /// policy), so a quorum raised meanwhile is not missed. A refused token changes nothing; a
    /// consumed one is spent even if the operation then fails. Nothing is written when `command`
    /// needs no approvals.
    public func consumeApproval(for command: Command, by user: User) async throws(StateError) {
        try await commit(command, by: user.id) { () throws(StateError) in
            if let handle = command.guardedKey {
                _ = try object(handle, for: user)
                let name = Self.keyQuorumRecord(handle)
                guard let current = systemRecordNow(name), var quorum = Self.decodeRecord(KeyQuorum.self, current.value),
                    quorum.approvals > 0
                else { return (WritePlan(), ()) }
                quorum.uses += 1
                return (
                    WritePlan(
                        preconditions: [.unchanged(RecordKey.system(name), modRevision: current.modRevision)],
                        writes: [.put(key: RecordKey.system(name), value: try Self.encodeRecord(quorum))]),
                    ()
                )
            }
            guard approvalsNeeded(for: command) > 0, let policy = systemRecordNow(Self.quorumPolicyRecord) else { return (WritePlan(), ()) }
            return (WritePlan(preconditions: [.unchanged(RecordKey.system(Self.quorumPolicyRecord), modRevision: policy.modRevision)]), ())
        }
    }
}
