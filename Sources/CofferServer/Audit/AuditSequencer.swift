// The node's part in numbering the audit log (StateMachine+Audit.swift): while the node is unsealed
// it appends whatever is pending, a few times a second, and signs each checkpoint with its identity
// key. Every node runs one; the head's compare lets one append win at a time, so a dead node's
// pending entries are numbered by the others.

import CofferAudit
import CofferState
import Foundation
import Logging

/// Appends pending audit entries to the log.
struct AuditSequencer: Sendable {
    static let interval: Duration = .milliseconds(200)

    let state: StateMachine
    let node: String
    let identity: NodeIdentity
    let origin: @Sendable () -> String
    let logger: Logger

    func run() async {
        var failing = false
        while !Task.isCancelled {
            try? await Task.sleep(for: Self.interval)
            guard state.status == .unsealed else { continue }
            do {
                // Until nothing is pending, or this node lost a race (the winner appended).
                while try await appendOnce() > 0, !Task.isCancelled {}
                if failing { logger.notice("audit log appends resumed") }
                failing = false
            } catch {
                if !failing { logger.warning("audit log append failed; trying again", metadata: ["error": "\(error)"]) }
                failing = true
            }
        }
    }

    func appendOnce() async throws -> Int {
        try await state.sequenceAudit(origin: origin(), sign: sign)
    }

    /// Numbers a recorder's lines straight into the log; false when the node is sealed or lost the
    /// head to another append (the lines are then written as pending).
    func appendDirect(_ entries: [AuditEntry]) async throws -> Bool {
        guard state.status == .unsealed else { return false }
        return try await state.appendAuditDirect(entries: entries, origin: origin(), sign: sign)
    }

    private func sign(_ checkpoint: Checkpoint) throws -> String {
        try SignedNote.sign(checkpoint.text, name: AuditSigners.noteName(node: node), key: identity.signing)
    }
}
