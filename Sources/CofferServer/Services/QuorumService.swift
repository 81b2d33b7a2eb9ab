// QuorumService (issue 14, docs/quorum.md): approval keys, quorum settings, tokens and approvals.
// The rules live in the state machine (StateMachine+Quorum.swift) and the check of a guarded
// command in its commit (QuorumParticipant); this decodes and replies.

import CofferModel
import CofferProtocol
import CofferState
import Crypto
import Foundation
import GRPCCore

/// M-of-N quorum administration.
struct QuorumService: Coffer_V1_QuorumService.SimpleServiceProtocol {
    let gate: RequestGate
    let node: NodeInfo

    func registerApprovalKey(
        request: Coffer_V1_RegisterApprovalKeyRequest, context: ServerContext
    ) async throws -> Coffer_V1_RegisterApprovalKeyResponse {
        try await gate.run(request.header, context) { caller in
            guard request.publicKey.count <= 1024 else { throw ServiceFailure.argumentsBad("an approval key is at most 1024 bytes") }
            try await gate.state.registerApprovalKey(Array(request.publicKey), by: try caller.requireUser())
            var response = Coffer_V1_RegisterApprovalKeyResponse()
            response.header = gate.responseHeader()
            return response
        }
    }

    func setQuorum(request: Coffer_V1_SetQuorumRequest, context: ServerContext) async throws -> Coffer_V1_SetQuorumResponse {
        try await gate.run(request.header, context) { caller in
            AuditContext.current?.target = "\(request.service) \(request.approvals)"
            let service = try Self.service(request.service)
            let approvals = Int(min(request.approvals, 1000))
            if service == .keyUsage, request.key != 0 {
                AuditContext.current?.note(handle: request.key, mechanism: nil)
                try await gate.state.setKeyQuorum(request.key, approvals: approvals, by: try caller.requireUser())
            } else {
                guard request.key == 0 else { throw ServiceFailure.argumentsBad("only key-usage quorums name a key") }
                try await gate.state.setQuorum(service, approvals: approvals, by: try caller.requireUser())
            }
            var response = Coffer_V1_SetQuorumResponse()
            response.header = gate.responseHeader()
            return response
        }
    }

    func getQuorum(request: Coffer_V1_GetQuorumRequest, context: ServerContext) async throws -> Coffer_V1_GetQuorumResponse {
        try await gate.run(request.header, context) { caller in
            _ = try caller.requireUser()
            let policy = try gate.state.quorumPolicy()
            var response = Coffer_V1_GetQuorumResponse()
            response.settings = GuardedService.allCases.map { service in
                var setting = Coffer_V1_QuorumSetting()
                setting.service = service.rawValue
                setting.approvals = UInt32(policy.approvals(for: service))
                setting.approverRole = service.approverRole.description
                return setting
            }
            response.keyQuorums = try gate.state.keyQuorums(visibleTo: try caller.requireUser()).map { entry in
                var info = Coffer_V1_KeyQuorumInfo()
                info.handle = entry.quorum.handle
                info.label = entry.label
                info.approvals = UInt32(entry.quorum.approvals)
                info.uses = entry.quorum.uses
                return info
            }
            response.keys = try gate.state.approvalKeys().map { key in
                var info = Coffer_V1_ApprovalKeyInfo()
                info.user = key.user
                info.fingerprint = ClusterMember.hex(SHA256.hash(data: Data(base64Encoded: key.publicKey) ?? Data()))
                info.registeredAt = ISO8601DateFormatter().string(from: key.registeredAt)
                return info
            }
            response.header = gate.responseHeader()
            return response
        }
    }

    func requestQuorum(request: Coffer_V1_RequestQuorumRequest, context: ServerContext) async throws -> Coffer_V1_QuorumTokenResponse {
        try await gate.run(request.header, context) { caller in
            guard request.operation.utf8.count <= 1024 else { throw ServiceFailure.argumentsBad("an operation is at most 1024 bytes") }
            let service = try Self.service(request.service)
            let validity: Duration = request.validSeconds == 0 ? QuorumToken.defaultValidity : .seconds(min(request.validSeconds, 1 << 32))
            let token = try await gate.state.requestQuorum(
                service: service, operation: request.operation, validity: validity,
                cluster: ClusterCA.clusterName(in: gate.state) ?? node.clusterName, by: try caller.requireUser())
            AuditContext.current?.target = "quorum token " + token.id
            return try reply(token)
        }
    }

    func getQuorumToken(request: Coffer_V1_GetQuorumTokenRequest, context: ServerContext) async throws -> Coffer_V1_QuorumTokenResponse {
        try await gate.run(request.header, context) { caller in
            _ = try caller.requireUser()
            return try reply(try gate.state.quorumToken(request.id))
        }
    }

    func approveQuorum(request: Coffer_V1_ApproveQuorumRequest, context: ServerContext) async throws -> Coffer_V1_QuorumTokenResponse {
        try await gate.run(request.header, context) { caller in
            AuditContext.current?.target = "quorum token " + request.id
            guard request.signature.count <= 256 else { throw ServiceFailure.argumentsBad("a signature is at most 256 bytes") }
            let token = try await gate.state.approveQuorum(
                request.id, signature: request.signature.base64EncodedString(), by: try caller.requireUser())
            return try reply(token)
        }
    }

    private static func service(_ name: String) throws(ServiceFailure) -> GuardedService {
        guard let service = GuardedService(rawValue: name) else {
            throw ServiceFailure.argumentsBad(
                "unknown service \(name): one of \(GuardedService.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return service
    }

    private func reply(_ token: QuorumToken) throws -> Coffer_V1_QuorumTokenResponse {
        let time = ISO8601DateFormatter()
        var response = Coffer_V1_QuorumTokenResponse()
        response.id = token.id
        response.service = token.service.rawValue
        response.operation = token.operation
        response.requester = token.requester
        response.createdAt = time.string(from: token.createdAt)
        response.expiresAt = time.string(from: token.expiresAt)
        response.usedAt = token.usedAt.map(time.string(from:)) ?? ""
        response.approvers = token.approvals.map(\.approver)
        response.validApprovers = gate.state.validApprovers(of: token)
        response.needed = UInt32(try gate.state.quorumPolicy().approvals(for: token.service))
        response.signedText = token.signedText
        response.header = gate.responseHeader()
        return response
    }
}
