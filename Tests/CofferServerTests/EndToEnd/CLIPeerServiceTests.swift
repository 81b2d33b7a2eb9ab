// Issue 11, the domain-key hand-over, against a real node: a test client that presents the node's
// own certificate and identity (a member, as a restarted node would) gets the domain key sealed to
// its identity for a fresh nonce, and nothing for a replayed attestation, a nonce the node never
// issued, another identity, a binary not on the allowed list, a user's certificate or a certificate
// from another CA. `coffer cluster nodes` shows the member, and the allowed list changes through
// `allow-binary`/`disallow-binary`, admins only.

import CofferAttestation
import CofferProtocol
import CofferTestSupport
import Crypto
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Testing

@Suite struct CLIPeerServiceTests {
    /// What the test needs of the node's data folder to pose as it.
    struct Member {
        let nodeID: String
        let signing: Curve25519.Signing.PrivateKey
        let agreement: Curve25519.KeyAgreement.PrivateKey
        let identity: ClientIdentity

        init(_ node: DevNode) throws {
            let data = node.dataDirectory
            nodeID = try String(contentsOfFile: data + "/node-id", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let keys = try String(contentsOfFile: data + "/identity/keys", encoding: .utf8).split(separator: "\n")
            signing = try Curve25519.Signing.PrivateKey(rawRepresentation: try #require(Data(base64Encoded: String(keys[0]))))
            agreement = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: try #require(Data(base64Encoded: String(keys[1]))))
            identity = ClientIdentity(
                caPEM: try String(contentsOfFile: data + "/tls/ca.pem", encoding: .utf8),
                certificatePEM: try String(contentsOfFile: data + "/tls/server.pem", encoding: .utf8),
                keyPEM: try String(contentsOfFile: data + "/tls/server-key.pem", encoding: .utf8))
        }

        /// The member's attestation for `nonce`, as its node would sign it (or with another binary or key).
        func request(
            nonce: [UInt8], binary: String, signingWith key: Curve25519.Signing.PrivateKey? = nil
        ) throws -> Coffer_V1_RequestDomainKeyRequest {
            let signer = key ?? signing
            let signed = try NodeAttestation.sign(
                AttestationStatement(
                    cluster: "dev", nodeID: nodeID, binarySHA256: binary, version: "0.1.0",
                    identitySigningKey: signer.publicKey.rawRepresentation.base64EncodedString(),
                    identityAgreementKey: agreement.publicKey.rawRepresentation.base64EncodedString(), time: Date(),
                    nonce: NodeAttestation.hex(nonce)),
                with: signer)
            var request = Coffer_V1_RequestDomainKeyRequest()
            request.statement = Data(signed.statement)
            request.signature = Data(signed.signature)
            return request
        }
    }

    static func sha256(file: String) throws -> String {
        NodeAttestation.hex(SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: file))))
    }

    @Test func aMemberGetsTheSealedKeyForAFreshNonceAndNothingElseDoes() async throws {
        let node = try DevNode()
        defer { node.remove() }
        let admin = node.cli(config: "admin")
        try admin.ok(["login", "--user", "admin"], environment: ["COFFER_PASSWORD": try node.adminPassword])
        let binary = try Self.sha256(file: DevNode.binaries + "/cofferd")

        // The node admits itself once its listener is up.
        var listed: [String: Any]?
        for _ in 0..<100 {
            listed = try admin.ok(["--json", "cluster", "nodes"]).json
            if (listed?["nodes"] as? [[String: Any]])?.count == 1 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let member = try Member(node)
        let row = try #require((listed?["nodes"] as? [[String: Any]])?.first, "\(String(describing: listed))")
        #expect(row["node_id"] as? String == member.nodeID && row["binary_sha256"] as? String == binary)
        #expect(row["admitted_by"] as? String == "initialization" && row["removed"] as? Bool == false)
        #expect(listed?["allowed_binaries"] as? [String] == [binary])

        let profile = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: node.profilePath))) as? [String: Any])
        let endpoint = try PrintedEndpoint(line: "endpoint: " + (try #require((profile["endpoints"] as? [String])?.first)))

        try await withNode(endpoint, as: member.identity) { client in
            let peer = Coffer_V1_PeerService.Client(wrapping: client)
            let challenge = try await peer.getChallenge(Coffer_V1_GetChallengeRequest())
            #expect(challenge.nonce.count == 32 && challenge.nodeID == member.nodeID)
            let request = try member.request(nonce: Array(challenge.nonce), binary: binary)
            let sealed = try await peer.requestDomainKey(request)
            // HPKE X25519: a 32-byte encapsulated key; the 32-byte key and a 16-byte tag.
            #expect(sealed.encapsulatedKey.count == 32 && sealed.ciphertext.count == 48)

            let replay = await rpcError { _ = try await peer.requestDomainKey(request) }
            #expect(replay?.code == .permissionDenied && replay?.message.contains("no nonce this node issued") == true, "\(String(describing: replay))")
            let invented = await rpcError {
                _ = try await peer.requestDomainKey(try member.request(nonce: [UInt8](repeating: 9, count: 32), binary: binary))
            }
            #expect(invented?.message.contains("no nonce this node issued") == true, "\(String(describing: invented))")

            let other = try await peer.getChallenge(Coffer_V1_GetChallengeRequest())
            let stranger = await rpcError {
                _ = try await peer.requestDomainKey(
                    try member.request(nonce: Array(other.nonce), binary: binary, signingWith: Curve25519.Signing.PrivateKey()))
            }
            #expect(stranger?.message.contains("not the one \(member.nodeID) was admitted with") == true, "\(String(describing: stranger))")

            let third = try await peer.getChallenge(Coffer_V1_GetChallengeRequest())
            let modified = await rpcError {
                _ = try await peer.requestDomainKey(
                    try member.request(nonce: Array(third.nonce), binary: String(repeating: "0", count: 64)))
            }
            #expect(modified?.message.contains("not on the cluster's allowed list") == true, "\(String(describing: modified))")
        }

        // The admin's client certificate is a cluster certificate, but not a member's: not even a nonce.
        let bundle = node.dataDirectory + "/client"
        let user = ClientIdentity(
            caPEM: try String(contentsOfFile: bundle + "/ca.pem", encoding: .utf8),
            certificatePEM: try String(contentsOfFile: bundle + "/client.pem", encoding: .utf8),
            keyPEM: try String(contentsOfFile: bundle + "/client-key.pem", encoding: .utf8))
        let wrongCertificate = await rpcError {
            try await withNode(endpoint, as: user) { client in
                let peer = Coffer_V1_PeerService.Client(wrapping: client)
                let challenge = try await peer.getChallenge(Coffer_V1_GetChallengeRequest())
                _ = try await peer.requestDomainKey(try member.request(nonce: Array(challenge.nonce), binary: binary))
            }
        }
        #expect(wrongCertificate?.message.contains("neither a member's nor a join credential") == true, "\(String(describing: wrongCertificate))")

        // A certificate from another CA does not get past the handshake.
        let foreignPKI = try TestPKI(name: "Another CA")
        let foreign = try foreignPKI.issue(commonName: member.nodeID, server: false)
        let handshake = await rpcError {
            try await withNode(
                endpoint, as: ClientIdentity(caPEM: member.identity.caPEM, certificatePEM: foreign.certificatePEM, keyPEM: foreign.keyPEM)
            ) { client in _ = try await Coffer_V1_PeerService.Client(wrapping: client).getChallenge(Coffer_V1_GetChallengeRequest()) }
        }
        #expect(handshake != nil)

        // Off the allowed list, the node's own binary gets nothing; back on it, it does.
        let off = try admin.ok(["--json", "cluster", "disallow-binary", "--file", DevNode.binaries + "/cofferd"]).json
        #expect(off?["allowed_binaries"] as? [String] == [])
        let disallowed = await rpcError {
            try await withNode(endpoint, as: member.identity) { client in
                let peer = Coffer_V1_PeerService.Client(wrapping: client)
                let challenge = try await peer.getChallenge(Coffer_V1_GetChallengeRequest())
                _ = try await peer.requestDomainKey(try member.request(nonce: Array(challenge.nonce), binary: binary))
            }
        }
        #expect(disallowed?.message.contains("not on the cluster's allowed list") == true, "\(String(describing: disallowed))")
        try admin.ok(["cluster", "allow-binary", "--sha256", binary])
        try await withNode(endpoint, as: member.identity) { client in
            let peer = Coffer_V1_PeerService.Client(wrapping: client)
            let challenge = try await peer.getChallenge(Coffer_V1_GetChallengeRequest())
            _ = try await peer.requestDomainKey(try member.request(nonce: Array(challenge.nonce), binary: binary))
        }

        // Bad input and the wrong role get clear errors and change nothing.
        let notHex = try admin.fails(["cluster", "allow-binary", "--sha256", "xyz"])
        #expect(notHex.stderr.contains("64 lower-case hex digits"), "\(notHex.stderr)")
        let both = try admin.fails(["cluster", "allow-binary", "--sha256", binary, "--file", DevNode.binaries + "/cofferd"])
        #expect(both.stderr.contains("exactly one of --sha256 and --file"), "\(both.stderr)")
        let unknown = try admin.fails(["cluster", "remove-node", "node-0000000000000000"])
        #expect(unknown.stderr.contains("has no node node-0000000000000000"), "\(unknown.stderr)")
        let password = node.folder + "/carol-password"
        try "carol's password 1234\n".write(toFile: password, atomically: true, encoding: .utf8)
        try admin.ok(["user", "create", "--name", "carol", "--role", "crypto-user", "--password-file", password])
        let carol = node.cli(config: "carol")
        try carol.ok(["login", "--user", "carol", "--password-file", password])
        #expect(try carol.fails(["cluster", "nodes"]).stderr.contains("crypto-user"))
        #expect(try carol.fails(["cluster", "remove-node", member.nodeID]).stderr.contains("crypto-user"))
        #expect(try carol.fails(["cluster", "allow-binary", "--sha256", String(repeating: "1", count: 64)]).stderr.contains("crypto-user"))
        #expect(try admin.ok(["--json", "cluster", "nodes"]).json?["allowed_binaries"] as? [String] == [binary])
    }
}
