// ClusterService: the cluster's membership for admins (and auditors, who may read it): the members
// with their identities and binaries, removal, and the list of cofferd digests allowed to receive
// the domain key from a peer. The rules live in the state machine (StateMachine+Membership.swift).

import CofferModel
import CofferProtocol
import CofferState
import Foundation
import GRPCCore
import X509

/// Membership administration.
struct ClusterService: Coffer_V1_ClusterService.SimpleServiceProtocol {
    let gate: RequestGate

    func listNodes(request: Coffer_V1_ListNodesRequest, context: ServerContext) async throws -> Coffer_V1_ListNodesResponse {
        try await gate.run(request.header, context) { caller in
            let user = try caller.requireUser()
            guard user.role != .cryptoUser else {
                throw ServiceFailure(StateError.model(.roleNotPermitted(user.role, "list the cluster's nodes")))
            }
            let hints = Dictionary((try? await gate.state.peerHints())?.map { ($0.nodeID, $0) } ?? [], uniquingKeysWith: { a, _ in a })
            var response = Coffer_V1_ListNodesResponse()
            response.nodes = try gate.state.members().map { Self.wire($0, hint: hints[$0.nodeID]) }
            response.allowedBinaries = try gate.state.allowedBinaries()
            response.header = gate.responseHeader()
            return response
        }
    }

    func removeNode(request: Coffer_V1_RemoveNodeRequest, context: ServerContext) async throws -> Coffer_V1_RemoveNodeResponse {
        try await gate.run(request.header, context) { caller in
            let member = try await gate.state.removeNode(request.nodeID, by: try caller.requireUser())
            var response = Coffer_V1_RemoveNodeResponse()
            response.node = Self.wire(member, hint: nil)
            response.header = gate.responseHeader()
            return response
        }
    }

    func setBinaryAllowed(
        request: Coffer_V1_SetBinaryAllowedRequest, context: ServerContext
    ) async throws -> Coffer_V1_SetBinaryAllowedResponse {
        try await gate.run(request.header, context) { caller in
            var response = Coffer_V1_SetBinaryAllowedResponse()
            response.allowedBinaries = try await gate.state.setBinaryAllowed(
                request.sha256, allowed: request.allowed, by: try caller.requireUser())
            response.header = gate.responseHeader()
            return response
        }
    }

    func addNode(request: Coffer_V1_AddNodeRequest, context: ServerContext) async throws -> Coffer_V1_AddNodeResponse {
        try await gate.run(request.header, context) { caller in
            let user = try caller.requireUser()
            guard JoinCredential.isValidName(request.name) else {
                throw ServiceFailure.argumentsBad(
                    "a node name is 1 to 63 lower-case letters, digits, dots and dashes, starting with a letter or digit")
            }
            let seconds = request.validSeconds == 0
                ? (request.replaceable ? ClusterCA.leafValidity : Self.defaultJoinValidity) : TimeInterval(request.validSeconds)
            guard seconds <= ClusterCA.leafValidity else {
                throw ServiceFailure.argumentsBad("a join credential is valid for at most \(Int(ClusterCA.leafValidity)) s")
            }
            let now = Date()
            let expiresAt = Date(timeIntervalSince1970: (now.timeIntervalSince1970 + seconds).rounded(.down))
            let ca = try ClusterCA.load(from: gate.state)
            let issued = try ca.issueJoinCredential(name: request.name, expiresAt: expiresAt, now: now)
            let fingerprint = Peer.fingerprint(issued.certificate).map(ClusterMember.hex) ?? ""
            try await gate.state.putJoinCredential(
                JoinCredential(
                    name: request.name, certificateSHA256: fingerprint, expiresAt: expiresAt, replaceable: request.replaceable,
                    createdAt: now),
                by: user)
            var response = Coffer_V1_AddNodeResponse()
            response.name = request.name
            response.caCertificatePem = try ca.certificatePEM
            response.certificatePem = try issued.certificate.serializeAsPEM().pemString
            response.privateKeyPem = issued.privateKeyPEM
            response.expiresAt = ISO8601DateFormatter().string(from: expiresAt)
            response.replaceable = request.replaceable
            response.header = gate.responseHeader()
            return response
        }
    }

    func issueClientCertificate(
        request: Coffer_V1_IssueClientCertificateRequest, context: ServerContext
    ) async throws -> Coffer_V1_IssueClientCertificateResponse {
        try await gate.run(request.header, context) { caller in
            let user = try caller.requireUser()
            guard user.role == .admin else {
                throw ServiceFailure(StateError.model(.roleNotPermitted(user.role, "issue client certificates")))
            }
            guard let profile = ClientCertificateProfile(rawValue: request.profile) else {
                throw ServiceFailure.argumentsBad("the profile is admin-workstation or application")
            }
            let name = request.commonName
            guard (1...64).contains(name.utf8.count), name.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 && $0 != "," && $0 != "=" && $0 != "+" })
            else { throw ServiceFailure.argumentsBad("a certificate name is 1 to 64 printable ASCII characters without , = or +") }
            // A cluster quorum guards issuing: the request's token for exactly this certificate is
            // consumed first (a spent token stays spent if issuing then fails).
            let command = Command.issueCertificate(commonName: name, profile: profile.rawValue)
            let (ca, issued) = try await gate.approved(command, user) {
                try gate.state.requireApprovedCertificate(commonName: name, profile: profile)
                let ca = try ClusterCA.load(from: gate.state)
                return (ca, try ca.issueClientBundle(commonName: name, profile: profile))
            }
            var response = Coffer_V1_IssueClientCertificateResponse()
            response.certificatePem = issued.certificatePEM
            response.privateKeyPem = issued.privateKeyPEM
            response.caCertificatePem = try ca.certificatePEM
            response.header = gate.responseHeader()
            return response
        }
    }

    /// How long a one-shot join credential is valid unless the admin says otherwise.
    static let defaultJoinValidity: TimeInterval = 3600

    static func wire(_ member: ClusterMember, hint: PeerHint?) -> Coffer_V1_ClusterMember {
        let time = ISO8601DateFormatter()
        var wire = Coffer_V1_ClusterMember()
        wire.nodeID = member.nodeID
        wire.address = hint?.address ?? member.address
        wire.identityFingerprint = member.identityFingerprint
        wire.binarySha256 = member.binarySHA256
        wire.joinedAt = time.string(from: member.joinedAt)
        wire.lastSeen = hint.map { time.string(from: $0.seenAt) } ?? ""
        wire.removed = member.removedAt != nil
        wire.removedAt = member.removedAt.map { time.string(from: $0) } ?? ""
        wire.admittedBy = member.admittedBy
        wire.name = member.displayName
        return wire
    }
}
