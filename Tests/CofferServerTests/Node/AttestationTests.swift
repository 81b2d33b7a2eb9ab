// The attestation format (issue 11): a statement signed by the identity key it names verifies for its
// nonce; a changed statement, another nonce (a replay), a statement dated too far from now, and a
// signature by another key than the one named are refused.

import CofferAttestation
import Crypto
import Foundation
import Testing

@Suite struct AttestationTests {
    static let nonce = [UInt8](repeating: 7, count: 32)

    static func statement(signingKey: Curve25519.Signing.PrivateKey, time: Date = Date(), nonce: [UInt8] = nonce) -> AttestationStatement {
        AttestationStatement(
            cluster: "test", nodeID: "node-0123456789abcdef", binarySHA256: String(repeating: "ab", count: 32), version: "0.1.0",
            identitySigningKey: signingKey.publicKey.rawRepresentation.base64EncodedString(),
            identityAgreementKey: Curve25519.KeyAgreement.PrivateKey().publicKey.rawRepresentation.base64EncodedString(),
            time: time, nonce: NodeAttestation.hex(nonce))
    }

    @Test func aSignedStatementVerifiesForItsNonce() throws {
        let key = Curve25519.Signing.PrivateKey()
        let signed = try NodeAttestation.sign(Self.statement(signingKey: key), with: key)
        let checked = try signed.verify(nonce: Self.nonce)
        #expect(checked.nodeID == "node-0123456789abcdef" && checked.evidence == ["software"])
        #expect(String(decoding: signed.statement, as: UTF8.self).contains("\"binary_sha256\""))
    }

    @Test func changedReplayedStaleAndForeignStatementsAreRefused() throws {
        let key = Curve25519.Signing.PrivateKey()
        let signed = try NodeAttestation.sign(Self.statement(signingKey: key), with: key)
        var changed = signed.statement
        let index = try #require(changed.firstIndex(of: UInt8(ascii: "a")))
        changed[index] = UInt8(ascii: "b")
        #expect(throws: AttestationError.self) { try NodeAttestation(statement: changed, signature: signed.signature).verify(nonce: Self.nonce) }
        #expect(throws: AttestationError.self) { try signed.verify(nonce: [UInt8](repeating: 8, count: 32)) }
        let stale = try NodeAttestation.sign(Self.statement(signingKey: key, time: Date().addingTimeInterval(-600)), with: key)
        #expect(throws: AttestationError.self) { try stale.verify(nonce: Self.nonce) }
        // Names one key, signed by another.
        let foreign = try NodeAttestation.sign(Self.statement(signingKey: key), with: Curve25519.Signing.PrivateKey())
        #expect(throws: AttestationError.self) { try foreign.verify(nonce: Self.nonce) }
        #expect(throws: AttestationError.self) { try NodeAttestation(statement: Array("{}".utf8), signature: []).verify(nonce: Self.nonce) }
    }
}
