// AuditService: the audit log for auditors (docs/audit.md). The node hands out the log as it is
// stored, with the checkpoints the nodes signed and the cluster CA's certificates for the nodes'
// checkpoint keys; the CLI checks all of it itself, so a node that lies is caught, not trusted.

import CofferAudit
import CofferModel
import CofferProtocol
import CofferState
import Crypto
import Foundation
import GRPCCore

/// Reading the audit log.
struct AuditService: Coffer_V1_AuditService.SimpleServiceProtocol {
    static let defaultLimit = 10_000
    static let maxLimit = 100_000

    let gate: RequestGate
    let node: NodeInfo

    /// The log's origin line: the cluster's, so that every node's checkpoints name the same log.
    static func origin(_ state: StateMachine, fallback: String) -> String {
        "coffer/" + (ClusterCA.clusterName(in: state) ?? fallback) + "/audit"
    }

    func readAudit(request: Coffer_V1_ReadAuditRequest, context: ServerContext) async throws -> Coffer_V1_ReadAuditResponse {
        try await gate.run(request.header, context) { caller in
            let user = try caller.requireUser()
            guard gate.state.mayReadAudit(user) else {
                throw ServiceFailure(
                    StateError.model(.roleNotPermitted(user.role, "read the audit log unless an admin grants it (coffer audit grant)")))
            }
            let limit = request.limit == 0 ? Self.defaultLimit : min(Int(request.limit), Self.maxLimit)
            let slice: AuditSlice
            do { slice = try await gate.state.readAudit(from: request.from, limit: limit) } catch let error as AuditError {
                throw ServiceFailure(.deviceError, "the audit log cannot be read: \(error.description)")
            }
            var response = Coffer_V1_ReadAuditResponse()
            response.origin = Self.origin(gate.state, fallback: node.clusterName)
            response.size = slice.size
            response.first = slice.frontier.size
            response.frontier = slice.frontier.hashes.map { Data($0) }
            response.blocks = slice.blocks.map { block in
                var wire = Coffer_V1_AuditBlock()
                wire.entries = block.entries.map { Data($0) }
                wire.checkpoint = block.checkpoint
                return wire
            }
            response.signers = try signers()
            response.header = gate.responseHeader()
            return response
        }
    }

    func archiveAudit(request: Coffer_V1_ArchiveAuditRequest, context: ServerContext) async throws -> Coffer_V1_ArchiveAuditResponse {
        try await gate.run(request.header, context) { caller in
            let user = try caller.requireUser()
            AuditContext.current?.target = "entries before \(request.before)"
            guard user.role == .auditor else {
                throw ServiceFailure(StateError.model(.roleNotPermitted(user.role, "archive the audit log")))
            }
            var response = Coffer_V1_ArchiveAuditResponse()
            do { response.removedEntries = try await gate.state.archiveAudit(before: request.before) } catch let error as AuditError {
                throw ServiceFailure.argumentsBad(error.description)
            }
            response.header = gate.responseHeader()
            return response
        }
    }

    func setAuditReader(request: Coffer_V1_SetAuditReaderRequest, context: ServerContext) async throws -> Coffer_V1_AuditReadersResponse {
        try await gate.run(request.header, context) { caller in
            AuditContext.current?.target = request.name
            let user = try caller.requireUser()
            try await gate.state.setAuditReader(named: request.name, granted: request.granted, by: user)
            return try readers(user)
        }
    }

    func listAuditReaders(request: Coffer_V1_ListAuditReadersRequest, context: ServerContext) async throws -> Coffer_V1_AuditReadersResponse {
        try await gate.run(request.header, context) { caller in try readers(try caller.requireUser()) }
    }

    private func readers(_ user: User) throws -> Coffer_V1_AuditReadersResponse {
        var response = Coffer_V1_AuditReadersResponse()
        response.readers = try gate.state.auditReaders(by: user)
        response.header = gate.responseHeader()
        return response
    }

    /// The CA's certificates for every member's identity key, this node's included.
    private func signers() throws -> [String] {
        let ca = try ClusterCA.load(from: gate.state)
        var keys: [String: String] = [:]
        for member in try gate.state.members() { keys[member.nodeID] = member.identitySigningKey }
        if let identity = node.identity { keys[node.nodeID] = identity.signingPublicKey }
        return try keys.sorted { $0.key < $1.key }.compactMap { node, key in
            guard let raw = Data(base64Encoded: key), let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
                return nil
            }
            return try ca.issueAuditSigner(node: node, identityKey: publicKey).serializeAsPEM().pemString
        }
    }
}
