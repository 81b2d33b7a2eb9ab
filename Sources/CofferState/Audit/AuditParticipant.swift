// The audit log's part in the commit seam (issue 13): every committed command writes its entry in
// the same transaction as its change, as a pending record that the sequencer later numbers into the
// log (StateMachine+Audit.swift). So there is no change without its entry and no entry for a change
// that did not happen, on every node and every store.

import CofferAudit
import CofferCrypto
import CofferModel
import Foundation

/// Adds a management command's audit entry to its transaction.
public struct AuditParticipant: CommitParticipant {
    let node: String

    public init(node: String) { self.node = node }

    public var reservedOperations: Int { 1 }

    public func prepare(_ commit: PendingCommit, plan: inout WritePlan) throws(StateError) {
        let context = AuditContext.current
        let (subject, mechanism, template) = Self.describe(commit.command)
        // A command that makes objects names the first one it writes.
        let handle = subject ?? plan.writes.lazy.compactMap { write -> ObjectHandle? in
            if case .object(let handle) = RecordKey.kind(of: write.key) { return handle }
            return nil
        }.first
        let label = template?.string(.label) ?? handle.flatMap(commit.label)
        let user: String
        if let context { user = context.user } else { user = commit.actorName ?? "" }
        let entry = AuditEntry(
            time: AuditEntry.timestamp(Date()), node: node, user: user, operation: Self.operation(commit.command), handle: handle,
            label: label, target: Self.target(commit), mechanism: mechanism.map { UInt64($0.rawValue) }, ckr: 0,
            certificate: context?.certificate)
        plan.writes.append(.putPlain(key: RecordKey.auditPending(node: node), value: entry.line))
    }

    /// The entry's operation: the command's name, but for a login's effect on the failure count,
    /// which says which it was.
    static func operation(_ command: Command) -> String {
        if case .recordLogin(_, let succeeded) = command { return succeeded ? "reset-failed-logins" : "count-failed-login" }
        return command.name
    }

    /// The user or node a command acts on.
    static func target(_ commit: PendingCommit) -> String? {
        switch commit.command {
        case .initialize(_, _, let adminName): adminName
        case .createUser(let name, _): name
        case .deleteUser(let id), .changePassword(let id), .unlockUser(let id), .recordLogin(let id, _), .share(_, let id, _):
            commit.userName(id) ?? String(id.rawValue)
        case .admitNode(let node), .removeNode(let node): node
        case .addNode(let name): name
        case .issueCertificate(let commonName, let profile): profile + " " + commonName
        case .joinNode(let name, let node): name + " " + node
        case .setBinaryAllowed(let sha256, _): sha256
        case .registerApprovalKey(let id), .setAuditReader(let id, _): commit.userName(id) ?? String(id.rawValue)
        case .setQuorum(let service, let approvals): "\(service) \(approvals)"
        case .setKeyQuorum(_, let approvals): "key-usage \(approvals)"
        case .useKey(_, let operation): operation.name
        case .requestQuorum(let token), .approveQuorum(let token, _): "quorum token " + token
        case .putSystemRecord(let name): name.hasPrefix("revoked/") ? "revoked certificate" : name.split(separator: "/").first.map(String.init)
        default: nil
        }
    }

    /// The object a command acts on, its mechanism and the template that may name a label.
    static func describe(_ command: Command) -> (ObjectHandle?, MechanismType?, AttributeSet?) {
        switch command {
        case .generateKey(let mechanism, let template), .generateKeys(let mechanism, let template, _, _, _):
            (nil, mechanism, template)
        case .generateKeyPair(let mechanism, _, let privateTemplate): (nil, mechanism, privateTemplate)
        case .createObject(let template): (nil, nil, template)
        case .copyObject(_, let template): (nil, nil, template)
        case .unwrapKey(let mechanism, _, let template), .deriveKey(let mechanism, _, let template),
            .encapsulateKey(let mechanism, _, let template), .decapsulateKey(let mechanism, _, let template):
            (nil, mechanism, template)
        case .setAttributes(let handle, let changes): (handle, nil, changes)
        case .share(let handle, _, _), .destroyObject(let handle), .restoreObject(let handle), .setKeyQuorum(let handle, _),
            .useKey(let handle, _), .exportKey(let handle, _), .importKey(let handle):
            (handle, nil, nil)
        default: (nil, nil, nil)
        }
    }
}
