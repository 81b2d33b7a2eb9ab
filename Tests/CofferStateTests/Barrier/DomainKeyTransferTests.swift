// The domain key handed to a sealed node (issue 11): sealed with HPKE to the recipient's X25519
// identity for one exchange, it unseals that node and nobody else: not another identity, not the
// same identity for another exchange (nonce or nodes), not a node of another cluster. A refused
// key leaves the node sealed. Membership records: admission, removal (final), the allowed list.

import CofferCrypto
import CofferModel
import Crypto
import Foundation
import Testing
@testable import CofferState

@Suite struct DomainKeyTransferTests {
    static let transfer = DomainKeyTransfer(sender: "node-a", recipient: "node-b", nonce: Array(repeating: 5, count: 32))

    /// A second, sealed machine on the fixture's store.
    static func sealedPeer(_ fixture: StateFixture) async throws -> StateMachine {
        try await StateMachine(
            store: fixture.store, crypto: StateFixture.crypto, passwordCost: StateFixture.cheapCost,
            indexTimeout: StateFixture.indexTimeout)
    }

    @Test func theSealedKeyUnsealsItsRecipientForItsExchangeOnly() async throws {
        let fixture = try await StateFixture.make(.memory)
        let identity = Curve25519.KeyAgreement.PrivateKey()
        let sealed = try fixture.machine.sealDomainKey(to: identity.publicKey, for: Self.transfer)
        #expect(sealed.encapsulatedKey.count == 32 && sealed.ciphertext.count == 48)

        let peer = try await Self.sealedPeer(fixture)
        // Another identity, another nonce, other nodes: nothing opens, the node stays sealed.
        await #expect(throws: StateError.self) {
            try await peer.unseal(receiving: sealed, identity: Curve25519.KeyAgreement.PrivateKey(), for: Self.transfer)
        }
        var otherNonce = Self.transfer
        otherNonce.nonce[0] ^= 1
        await #expect(throws: StateError.self) { try await peer.unseal(receiving: sealed, identity: identity, for: otherNonce) }
        var otherSender = Self.transfer
        otherSender.sender = "node-c"
        await #expect(throws: StateError.self) { try await peer.unseal(receiving: sealed, identity: identity, for: otherSender) }
        var tampered = sealed
        tampered.ciphertext[0] ^= 1
        await #expect(throws: StateError.self) { try await peer.unseal(receiving: tampered, identity: identity, for: Self.transfer) }
        #expect(peer.status == .sealed(given: 0, threshold: 2))

        #expect(try await peer.unseal(receiving: sealed, identity: identity, for: Self.transfer) == .unsealed)
        #expect(peer.unsealMethod == .peer)
        #expect(try peer.user(named: "admin").role == .admin)
        #expect(fixture.machine.unsealMethod == .initialization)
    }

    @Test func aKeyFromAnotherClusterIsRefused() async throws {
        let ours = try await StateFixture.make(.memory)
        let theirs = try await StateFixture.make(.memory)
        let identity = Curve25519.KeyAgreement.PrivateKey()
        let sealed = try theirs.machine.sealDomainKey(to: identity.publicKey, for: Self.transfer)
        let peer = try await Self.sealedPeer(ours)
        await #expect(throws: StateError.self) { try await peer.unseal(receiving: sealed, identity: identity, for: Self.transfer) }
        #expect(peer.status == .sealed(given: 0, threshold: 2))
    }

    @Test func aSealedNodeHasNoKeyToSend() async throws {
        let fixture = try await StateFixture.make(.memory)
        let peer = try await Self.sealedPeer(fixture)
        #expect(throws: StateError.sealed) {
            try peer.sealDomainKey(to: Curve25519.KeyAgreement.PrivateKey().publicKey, for: Self.transfer)
        }
    }

    static func member(_ id: String, binary: String = String(repeating: "ab", count: 32)) -> ClusterMember {
        ClusterMember(
            nodeID: id, identitySigningKey: "c2lnbmluZw==", identityAgreementKey: "YWdyZWVtZW50", binarySHA256: binary,
            certificateSHA256: String(repeating: "cd", count: 32), address: "127.0.0.1:1", joinedAt: Date(), admittedBy: "shares")
    }

    @Test func membersAreAdmittedRemovedForGoodAndTheirCertificatesRevoked() async throws {
        let fixture = try await StateFixture.make(.sqlite)
        let state = fixture.machine
        try await state.admit(Self.member("node-a"), allowingBinary: true)
        try await state.admit(Self.member("node-b", binary: String(repeating: "ef", count: 32)), allowingBinary: false)
        #expect(try state.members().map(\.nodeID) == ["node-a", "node-b"])
        #expect(try state.allowedBinaries() == [String(repeating: "ab", count: 32)])
        #expect(!state.isCertificateRevoked(Array(repeating: 0xcd, count: 32)))

        let user = try await fixture.cryptoUser("carol")
        await #expect(throws: StateError.model(.roleNotPermitted(.cryptoUser, "remove cluster nodes"))) {
            _ = try await state.removeNode("node-a", by: user)
        }
        let removed = try await state.removeNode("node-a", by: fixture.admin)
        #expect(removed.removedAt != nil)
        #expect(state.isCertificateRevoked(Array(repeating: 0xcd, count: 32)))
        #expect(!state.isCertificateRevoked(Array(repeating: 0xce, count: 32)))
        // Removal is final: the node is not admitted again, and a second removal changes nothing.
        await #expect(throws: StateError.self) { try await state.admit(Self.member("node-a"), allowingBinary: true) }
        #expect(try await state.removeNode("node-a", by: fixture.admin).removedAt == removed.removedAt)
        await #expect(throws: StateError.self) { _ = try await state.removeNode("node-z", by: fixture.admin) }

        let digest = String(repeating: "01", count: 32)
        #expect(try await state.setBinaryAllowed(digest, allowed: true, by: fixture.admin).contains(digest))
        #expect(try await state.setBinaryAllowed(digest, allowed: false, by: fixture.admin) == [String(repeating: "ab", count: 32)])
        await #expect(throws: StateError.self) { _ = try await state.setBinaryAllowed("ABC", allowed: true, by: fixture.admin) }
        // Another node of the cluster sees the same membership.
        let peer = try await fixture.peer()
        #expect(try peer.member("node-a")?.removedAt != nil && peer.isCertificateRevoked(Array(repeating: 0xcd, count: 32)))
    }
}

@Suite struct JoinCredentialTests {
    static func member(_ id: String, name: String) -> ClusterMember {
        var member = DomainKeyTransferTests.member(id)
        member.name = name
        member.admittedBy = "join"
        return member
    }

    static func credential(_ name: String, fingerprint: String = String(repeating: "11", count: 32), replaceable: Bool = false, expiresIn: TimeInterval = 3600) -> JoinCredential {
        JoinCredential(
            name: name, certificateSHA256: fingerprint, expiresAt: Date().addingTimeInterval(expiresIn), replaceable: replaceable,
            createdAt: Date())
    }

    @Test func aCredentialJoinsOneNodeOnceAndARepeatOfThatJoinIsAnswered() async throws {
        let fixture = try await StateFixture.make(.memory)
        let state = fixture.machine
        let fingerprint = String(repeating: "11", count: 32)
        try await state.putJoinCredential(Self.credential("edge-1"), by: fixture.admin)
        #expect(try await state.join(Self.member("node-e1", name: "edge-1"), credentialSHA256: fingerprint) == nil)
        #expect(try state.member("node-e1")?.displayName == "edge-1")
        // The same node again (its answer was lost): a new certificate, nothing else.
        var repeated = Self.member("node-e1", name: "edge-1")
        repeated.certificateSHA256 = String(repeating: "22", count: 32)
        #expect(try await state.join(repeated, credentialSHA256: fingerprint) == nil)
        #expect(try state.member("node-e1")?.certificateSHA256 == String(repeating: "22", count: 32))
        // Another node with the used credential, a superseded certificate, an unknown name, an expired one.
        await #expect(throws: StateError.membership("the join credential for edge-1 was used already (by node-e1); make a new one with coffer cluster add-node")) {
            _ = try await state.join(Self.member("node-e2", name: "edge-1"), credentialSHA256: fingerprint)
        }
        await #expect(throws: StateError.self) {
            _ = try await state.join(Self.member("node-e2", name: "edge-1"), credentialSHA256: String(repeating: "33", count: 32))
        }
        await #expect(throws: StateError.self) {
            _ = try await state.join(Self.member("node-e2", name: "nobody"), credentialSHA256: fingerprint)
        }
        try await state.putJoinCredential(Self.credential("edge-2", expiresIn: -1), by: fixture.admin)
        await #expect(throws: StateError.self) {
            _ = try await state.join(Self.member("node-e2", name: "edge-2"), credentialSHA256: fingerprint)
        }
        #expect(try state.member("node-e2") == nil)
        // Only admins make credentials, and only for valid names.
        let user = try await fixture.cryptoUser("dave")
        await #expect(throws: StateError.self) { try await state.putJoinCredential(Self.credential("edge-3"), by: user) }
        await #expect(throws: StateError.self) { try await state.putJoinCredential(Self.credential("Edge 3"), by: fixture.admin) }
    }

    @Test func aReplaceableCredentialReplacesTheMemberOfItsNameInTheSameStep() async throws {
        let fixture = try await StateFixture.make(.sqlite)
        let state = fixture.machine
        let fingerprint = String(repeating: "11", count: 32)
        // A member admitted with the shares is named by its node id.
        try await state.admit(DomainKeyTransferTests.member("node-c1"), allowingBinary: true)
        try await state.putJoinCredential(Self.credential("node-c1", replaceable: true), by: fixture.admin)
        var first = Self.member("node-c2", name: "node-c1")
        first.certificateSHA256 = String(repeating: "44", count: 32)
        let replaced = try await state.join(first, credentialSHA256: fingerprint)
        #expect(replaced?.nodeID == "node-c1" && replaced?.removedAt != nil)
        #expect(try state.member("node-c1")?.removedAt != nil)
        #expect(state.isCertificateRevoked(Array(repeating: 0xcd, count: 32)))
        // Again: the second replacement replaces the first.
        var third = Self.member("node-c3", name: "node-c1")
        third.certificateSHA256 = String(repeating: "55", count: 32)
        let again = try await state.join(third, credentialSHA256: fingerprint)
        #expect(again?.nodeID == "node-c2")
        #expect(state.isCertificateRevoked(Array(repeating: 0x44, count: 32)))
        #expect(try state.members().filter { $0.removedAt == nil }.map(\.nodeID) == ["node-c3"])
        // A one-shot credential does not take a name a member has.
        try await state.putJoinCredential(Self.credential("node-c1"), by: fixture.admin)
        await #expect(throws: StateError.self) {
            _ = try await state.join(Self.member("node-c4", name: "node-c1"), credentialSHA256: fingerprint)
        }
    }
}
