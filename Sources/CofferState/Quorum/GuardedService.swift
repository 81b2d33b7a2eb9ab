// The groups of dangerous operations an M-of-N quorum can guard (issue 14, docs/quorum.md), and
// which command belongs to which. A guarded command runs only with a quorum token whose approvals
// name exactly that command (QuorumParticipant.swift).

import CofferModel

/// A group of operations under one quorum setting.
public enum GuardedService: String, Sendable, CaseIterable, Codable {
    case userManagement = "user-management"
    case keyManagement = "key-management"
    case keyUsage = "key-usage"
    case backup
    case quorum
    case cluster

    /// Whose approvals count: admins approve administration; crypto-users approve what is done to keys.
    public var approverRole: Role {
        switch self {
        case .keyManagement, .keyUsage: .cryptoUser
        case .userManagement, .backup, .quorum, .cluster: .admin
        }
    }

    /// The service that guards `command`, when one does. A user changing their own password is not
    /// guarded (only an admin setting another's is). Key-usage quorums are per key: a key's setting
    /// guards its uses (`use-key`, committed before the crypto call runs) and changes to itself.
    public static func of(_ command: Command, actor: UserID?) -> GuardedService? {
        switch command {
        case .createUser, .deleteUser, .unlockUser, .setAuditReader: .userManagement
        case .changePassword(let id): id == actor ? nil : .userManagement
        case .destroyObject, .share, .exportKey, .importKey: .keyManagement
        case .restoreObject, .createBackup: .backup
        case .setQuorum: .quorum
        case .removeNode, .setBinaryAllowed, .addNode, .issueCertificate: .cluster
        case .setKeyQuorum, .useKey, .useKeyOnData: .keyUsage
        default: nil
        }
    }
}

extension Command {
    /// The key whose own key-usage quorum guards the command.
    public var guardedKey: ObjectHandle? {
        switch self {
        case .setKeyQuorum(let handle, _), .useKey(let handle, _), .useKeyOnData(let handle, _, _): handle
        default: nil
        }
    }
}
