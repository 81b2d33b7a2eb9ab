// The quorum's part in the commit seam (issue 14, docs/quorum.md): a command of a service that needs
// M approvals commits only with a quorum token approved by M distinct approvers for exactly that
// command, not expired and not used, and the token is marked used in the same transaction, compared
// against the revision read. Two nodes racing with one token: one commit lands, the other's compare
// fails, and its next plan finds the token used.

import CofferCrypto
import CofferModel
import Foundation

/// Refuses guarded commands without their approvals, and consumes the token with the command.
public struct QuorumParticipant: CommitParticipant {
    public init() {}

    /// The token's write and its compare, and a compare on the record that decided the approvals.
    public var reservedOperations: Int { 2 }

    public func prepare(_ commit: PendingCommit, plan: inout WritePlan) throws(StateError) {
        guard let service = GuardedService.of(commit.command, actor: commit.actor) else { return }
        // The record that decides how many approvals the command needs: the key's key-usage record,
        // or the quorum policy. The transaction compares it, so that a command racing a change that
        // raises its quorum cannot land unapproved in the same instant.
        let decidingName = commit.command.guardedKey.map(StateMachine.keyQuorumRecord) ?? StateMachine.quorumPolicyRecord
        let deciding = commit.systemRecord(decidingName)
        let needed: Int
        if commit.command.guardedKey != nil {
            needed = deciding.flatMap { StateMachine.decodeRecord(KeyQuorum.self, $0.value) }?.approvals ?? 0
        } else {
            needed = deciding.flatMap { StateMachine.decodeRecord(QuorumPolicy.self, $0.value) }?.approvals(for: service) ?? 0
        }
        let decidingKey = RecordKey.system(decidingName)
        if !plan.preconditions.contains(where: { Self.names($0, decidingKey) }) {
            plan.preconditions.append(deciding.map { .unchanged(decidingKey, modRevision: $0.modRevision) } ?? .absent(decidingKey))
        }
        guard needed > 0 else { return }
        guard let id = QuorumContext.token else {
            throw .quorum(
                "\(commit.command.name) needs \(needed) approval\(needed == 1 ? "" : "s") (\(service.rawValue)): ask for them with coffer quorum request, then run it again with --quorum-token")
        }
        let name = StateMachine.quorumTokenPrefix + id
        guard let record = commit.systemRecord(name), var token = StateMachine.decodeRecord(QuorumToken.self, record.value) else {
            throw .quorum("no quorum token \(id)")
        }
        guard token.usedAt == nil else { throw .quorum("quorum token \(id) was used already") }
        guard token.expiresAt > Date() else { throw .quorum("quorum token \(id) expired at \(StateMachine.quorumTime(token.expiresAt))") }
        var approvesThis = token.service == service && token.command == Data(commit.command.encoded).base64EncodedString()
        if !approvesThis, token.service == service { approvesThis = try Self.approvesData(token, commit.command, id) }
        guard approvesThis else {
            throw .quorum("quorum token \(id) approves another operation (\(token.service.rawValue): \(token.operation))")
        }
        let key = commit.command.guardedKey.flatMap(commit.object)
        let valid = StateMachine.validApprovers(
            of: token, role: service.approverRole, keys: { commit.systemRecord(StateMachine.approvalKeyRecord($0)) }, users: commit.user,
            eligible: { StateMachine.mayApprove($0, use: key, guarded: commit.command.guardedKey != nil) })
        guard valid.count >= needed else {
            let whose = commit.command.guardedKey == nil ? "" : " (the key's owner and the users it is shared with approve its uses)"
            throw .quorum("quorum token \(id) has \(valid.count) valid approval\(valid.count == 1 ? "" : "s") of the \(needed) \(service.rawValue) needs\(whose)")
        }
        token.usedAt = Date()
        plan.preconditions.append(.unchanged(RecordKey.system(name), modRevision: record.modRevision))
        plan.writes.append(.put(key: RecordKey.system(name), value: try StateMachine.encodeRecord(token)))
    }

    /// Whether `token` names one use of `command`'s key on data (`use-key ... sha256=HEX`) and the
    /// call's data is that data; refuses with the reason when it names this use on other data, or
    /// the call has no data of its own to show (a multi-part operation's start, a wrap).
    private static func approvesData(_ token: QuorumToken, _ command: Command, _ id: String) throws(StateError) -> Bool {
        guard case .useKey(let handle, let operation) = command,
            let encoded = Data(base64Encoded: token.command), case .useKeyOnData(handle, operation, let named)? = try? Command(encoded: Array(encoded))
        else { return false }
        guard let given = QuorumContext.dataSHA256 else {
            throw .quorum(
                "quorum token \(id) approves \(operation.name) with key \(handle) on named data only: a single-part call with that data (coffer crypto with --quorum-token); a multi-part operation or a PKCS#11 call cannot show its data when the token is used")
        }
        guard given == named else {
            throw .quorum("quorum token \(id) approves \(operation.name) with key \(handle) on other data (sha256=\(hex(named)); this call's is \(hex(given)))")
        }
        return true
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    private static func names(_ precondition: WritePlan.Precondition, _ key: [UInt8]) -> Bool {
        switch precondition {
        case .absent(let named), .unchanged(let named, _): named == key
        }
    }
}
