// Who reads the audit log (issue 13, docs/audit.md): auditors by their role, and admins or
// crypto-users an admin granted the right (`coffer audit grant`). A grant is a sealed system record
// per user, written through the commit seam, so it is an audit entry itself and a user-management
// quorum guards it.

import CofferCrypto
import CofferModel
import Foundation

extension StateMachine {
    static let auditReaderPrefix = "audit-reader/"

    static func auditReaderRecord(_ id: UserID) -> String { auditReaderPrefix + String(id.rawValue, radix: 16) }

    /// A grant of the right to read the audit log.
    struct AuditReaderGrant: Codable {
        var userID: UInt64
        var user: String
        var grantedBy: String
        var at: Date
    }

    /// Whether `user` may read the audit log: an auditor, or a user granted the right.
    public func mayReadAudit(_ user: User) -> Bool {
        user.role == .auditor || state.withLock { $0.index.systemRecords[Self.auditReaderRecord(user.id)] != nil }
    }

    /// The users granted the right to read the audit log, by name (auditors not included).
    public func auditReaders(by actor: User) throws(StateError) -> [String] {
        _ = try requireBarrier()
        guard actor.role == .admin || actor.role == .auditor else { throw .model(.roleNotPermitted(actor.role, "list audit readers")) }
        let ids = state.withLock { s in
            s.index.systemRecords.keys.filter { $0.hasPrefix(Self.auditReaderPrefix) }
                .compactMap { UInt64($0.dropFirst(Self.auditReaderPrefix.count), radix: 16) }
        }
        return ids.compactMap { try? user(UserID(rawValue: $0)).name }.sorted()
    }

    /// Grants (or takes back) the right of the admin or crypto-user `name` to read the audit log. Admins only.
    public func setAuditReader(named name: String, granted: Bool, by actor: User, now: Date = Date()) async throws(StateError) {
        guard actor.role == .admin else { throw .model(.roleNotPermitted(actor.role, "grant reading the audit log")) }
        let target = try user(named: name)
        guard target.role != .auditor else { throw .model(.argumentsBad("\(name) is an auditor, who reads the log by role")) }
        let record = Self.auditReaderRecord(target.id)
        let key = RecordKey.system(record)
        let value = try Self.encodeRecord(AuditReaderGrant(userID: target.id.rawValue, user: target.name, grantedBy: actor.name, at: now))
        try await commit(.setAuditReader(target.id, granted: granted), by: actor.id) { () throws(StateError) in
            let current = state.withLock { $0.index.systemRecords[record] }
            switch (granted, current) {
            case (true, nil): return (WritePlan(preconditions: [.absent(key)], writes: [.put(key: key, value: value)]), ())
            case (false, let current?):
                return (WritePlan(preconditions: [.unchanged(key, modRevision: current.modRevision)], writes: [.delete(key: key)]), ())
            default: return (WritePlan(), ())  // granted already, or never granted
            }
        }
    }
}
