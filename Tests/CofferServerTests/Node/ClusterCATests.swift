// The cluster CA: issued certificates verify against it (and only it), carry the right EKUs and
// SANs, and the CA survives the round trip through its sealed system record.

import CofferCrypto
import CofferServer
import CofferState
import CofferStoreMemory
import Crypto
import Foundation
import SwiftASN1
import Testing
import X509

@Suite("ClusterCA")
struct ClusterCATests {
    static func verify(_ leaf: Certificate, against ca: Certificate, usage: ExtendedKeyUsage.Usage) async -> Bool {
        var verifier = Verifier(rootCertificates: CertificateStore([ca])) {
            RFC5280Policy()
        }
        let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore())
        guard case .validCertificate = result else { return false }
        return (try? leaf.extensions.extendedKeyUsage?.contains(usage)) == true
    }

    @Test func serverCertificateVerifiesWithServerAuthAndSANs() async throws {
        let ca = try ClusterCA.make(clusterName: "unit")
        let key = P256.Signing.PrivateKey()
        let server = try ca.issueServerCertificate(
            for: key.publicKey, nodeName: "node-1", dnsNames: ["hsm.example.org"], ipAddresses: ["10.0.0.7", "fd00::7"])
        #expect(await Self.verify(server, against: ca.certificate, usage: .serverAuth))
        // A node calls its peers with its own certificate (PeerService): it is a client too.
        #expect(await Self.verify(server, against: ca.certificate, usage: .clientAuth))
        let names = try #require(try server.extensions.subjectAlternativeNames)
        #expect(names.contains(.dnsName("localhost")))
        #expect(names.contains(.dnsName("hsm.example.org")))
        for ip: [UInt8] in [
            [127, 0, 0, 1], [10, 0, 0, 7], Array(repeating: 0, count: 15) + [1],
            [0xfd] + Array(repeating: 0, count: 14) + [7],
        ] {
            #expect(names.contains(.ipAddress(ASN1OctetString(contentBytes: ip[...]))), "\(ip)")
        }
        #expect(try server.extensions.basicConstraints == .notCertificateAuthority)
        #expect(server.notValidAfter.timeIntervalSince(server.notValidBefore) <= ClusterCA.leafValidity + 600)
        #expect(ca.certificate.notValidAfter.timeIntervalSinceNow > 9 * 365 * 24 * 3600)
        #expect(throws: ClusterCAError.badAddress("not-an-ip")) {
            try ca.issueServerCertificate(for: key.publicKey, nodeName: "n", ipAddresses: ["not-an-ip"])
        }
    }

    @Test func clientCertificateVerifiesWithClientAuthOnly() async throws {
        let ca = try ClusterCA.make(clusterName: "unit")
        let bundle = try ca.issueClientBundle(commonName: "alice", profile: .application)
        let client = try Certificate(pemEncoded: bundle.certificatePEM)
        #expect(await Self.verify(client, against: ca.certificate, usage: .clientAuth))
        #expect(try client.extensions.extendedKeyUsage?.contains(.serverAuth) == false)
        #expect(client.subject.description.contains("CN=alice"))
        #expect(ClusterCA.profile(of: client) == .application)
        #expect(ClusterCA.profile(of: ca.certificate) == nil)
        // The key matches the certificate.
        let key = try P256.Signing.PrivateKey(pemRepresentation: bundle.privateKeyPEM)
        #expect(client.publicKey == Certificate.PublicKey(key.publicKey))
        // Another CA's certificate does not verify.
        let other = try ClusterCA.make(clusterName: "other")
        #expect(await !Self.verify(client, against: other.certificate, usage: .clientAuth))
    }

    @Test func recordRoundTripsThroughTheSealedState() async throws {
        let crypto = try CryptoModule.start()
        let store = MemoryStateStore()
        let cost = PasswordVerifier.Cost(log2Rounds: 4, blockSize: 1, parallelism: 1)
        let state = try await StateMachine(store: store, crypto: crypto, passwordCost: cost)
        let shares = try await state.initialize(
            threshold: 1, shares: 1, adminName: "admin", adminPassword: SecretBytes(Array("password123".utf8)))

        let ca = try await ClusterCA.loadOrCreate(in: state, clusterName: "unit")
        let again = try await ClusterCA.loadOrCreate(in: state, clusterName: "ignored")
        #expect(again.certificate == ca.certificate)

        // After a restart and unseal the same CA comes back, and it still signs verifiable certificates.
        let restarted = try await StateMachine(store: store, crypto: crypto, passwordCost: cost)
        await #expect(throws: StateError.sealed) {
            _ = try await ClusterCA.loadOrCreate(in: restarted, clusterName: "unit")
        }
        try await restarted.unseal(shareText: shares[0].text())
        let loaded = try await ClusterCA.loadOrCreate(in: restarted, clusterName: "unit")
        #expect(loaded.certificate == ca.certificate)
        let client = try Certificate(pemEncoded: try loaded.issueClientBundle(commonName: "bob", profile: .adminWorkstation).certificatePEM)
        #expect(await Self.verify(client, against: ca.certificate, usage: .clientAuth))

        // The record is sealed in the store: the CA key's scalar is nowhere in plaintext.
        let record = try ca.record()
        let scalar = record.withUnsafeBytes { Array($0[1..<33]) }
        let raw = try await store.range(prefix: [], startKey: nil, at: nil, limit: nil)
        #expect(!raw.keyValues.isEmpty)
        #expect(!raw.keyValues.contains { $0.value.contains(subsequence: scalar) })
        #expect(throws: ClusterCAError.malformedRecord) { try ClusterCA(record: SecretBytes([2, 3, 4])) }
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence: [UInt8]) -> Bool {
        guard subsequence.count <= count else { return false }
        return (0...(count - subsequence.count)).contains { Array(self[$0..<($0 + subsequence.count)]) == subsequence }
    }
}

/// The join credential file a node reads: a file `add-node` would write loads; one that is not JSON,
/// whose key is not its certificate's, or whose certificate is for another name is refused clearly.
@Suite struct JoinCredentialFileTests {
    static func write(_ fields: [String: Any]) throws -> String {
        let path = NSTemporaryDirectory() + "join-\(UUID().uuidString).json"
        try JSONSerialization.data(withJSONObject: fields).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func aWellMadeFileLoadsAndOthersAreRefused() throws {
        let ca = try ClusterCA.make(clusterName: "unit")
        let issued = try ca.issueJoinCredential(name: "edge-1", expiresAt: Date().addingTimeInterval(3600))
        var fields: [String: Any] = [
            "name": "edge-1", "cluster": "unit", "ca": try ca.certificatePEM, "certificate": try issued.certificate.serializeAsPEM().pemString,
            "key": issued.privateKeyPEM, "expires_at": "", "replaceable": false,
        ]
        let good = try Self.write(fields)
        defer { try? FileManager.default.removeItem(atPath: good) }
        #expect(try JoinCredentialFile.load(good).name == "edge-1")

        fields["name"] = "edge-2"
        let renamed = try Self.write(fields)
        defer { try? FileManager.default.removeItem(atPath: renamed) }
        #expect(throws: ConfigurationError.self) { try JoinCredentialFile.load(renamed) }
        fields["name"] = "edge-1"
        fields["key"] = P256.Signing.PrivateKey().pemRepresentation
        let otherKey = try Self.write(fields)
        defer { try? FileManager.default.removeItem(atPath: otherKey) }
        #expect(throws: ConfigurationError.self) { try JoinCredentialFile.load(otherKey) }
        let garbage = try Self.write(["name": "edge-1"])
        defer { try? FileManager.default.removeItem(atPath: garbage) }
        #expect(throws: ConfigurationError.self) { try JoinCredentialFile.load(garbage) }
        #expect(throws: ConfigurationError.self) { try JoinCredentialFile.load("/nonexistent/join.json") }
    }
}
