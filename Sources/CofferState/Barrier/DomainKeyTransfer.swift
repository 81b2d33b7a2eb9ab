// The domain key handed from an unsealed node to a sealed member of the same cluster (issue 11,
// docs/cluster.md "Restart without shares"). It travels sealed with HPKE (RFC 9180: base mode,
// DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305) to the member's attested X25519
// identity key, never in the clear. The HPKE info binds the transfer to the cluster's initialization
// (the shares' set id), both nodes and the nonce of the exchange, so a sealed key made for one
// exchange opens in no other, and the receiver checks the key against the seal configuration's
// sentinel before it opens anything with it.

import CofferCrypto
import Crypto
import Foundation

/// The domain key sealed to one node's identity for one exchange.
public struct SealedDomainKey: Sendable, Equatable {
    /// HPKE's encapsulated key (32 bytes for X25519).
    public var encapsulatedKey: [UInt8]
    /// The domain key, sealed (32 bytes and a 16-byte tag).
    public var ciphertext: [UInt8]

    public init(encapsulatedKey: [UInt8], ciphertext: [UInt8]) {
        self.encapsulatedKey = encapsulatedKey
        self.ciphertext = ciphertext
    }
}

/// What one transfer is bound to.
public struct DomainKeyTransfer: Sendable, Equatable {
    /// The node that holds the key and seals it.
    public var sender: String
    /// The node that receives it.
    public var recipient: String
    /// The sender's nonce that the recipient's attestation answered.
    public var nonce: [UInt8]

    public init(sender: String, recipient: String, nonce: [UInt8]) {
        self.sender = sender
        self.recipient = recipient
        self.nonce = nonce
    }

    static let ciphersuite = HPKE.Ciphersuite.Curve25519_SHA256_ChachaPoly
    static let label = Array("coffer domain key transfer v1".utf8)

    /// HPKE's info: the label, the set id of the cluster's shares, the two node ids and the nonce,
    /// each length-prefixed (2 bytes, big-endian).
    func info(setID: [UInt8]) -> Data {
        var bytes: [UInt8] = []
        for part in [Self.label, setID, Array(sender.utf8), Array(recipient.utf8), nonce] {
            bytes += [UInt8(truncatingIfNeeded: part.count >> 8), UInt8(truncatingIfNeeded: part.count)] + part
        }
        return Data(bytes)
    }
}

/// How the node's state was last unsealed.
public enum UnsealMethod: String, Sendable, Equatable {
    /// The cluster was initialized here.
    case initialization
    /// The cluster's shares.
    case shares
    /// The domain key from a peer (HPKE to this node's identity).
    case peer
}

extension StateMachine {
    /// The domain key sealed to `recipient` for `transfer`. The state must be unsealed.
    public func sealDomainKey(
        to recipient: Curve25519.KeyAgreement.PublicKey, for transfer: DomainKeyTransfer
    ) throws(StateError) -> SealedDomainKey {
        let barrier = try requireBarrier()
        guard let configuration = state.withLock({ $0.configuration }) else { throw .notInitialized }
        do {
            var sender = try HPKE.Sender(
                recipientKey: recipient, ciphersuite: DomainKeyTransfer.ciphersuite,
                info: transfer.info(setID: configuration.setID))
            let ciphertext = try barrier.domainKey.key.withUnsafeBytes { try sender.seal($0) }
            return SealedDomainKey(encapsulatedKey: Array(sender.encapsulatedKey), ciphertext: Array(ciphertext))
        } catch {
            throw .barrier(.cryptoFailure("HPKE seal: \(error)"))
        }
    }

    /// Unseals with a domain key a peer sealed to this node's identity: opens it, checks it against
    /// the seal configuration's sentinel, loads the index and serves. A key that does not open, or
    /// opens to anything but this cluster's domain key, leaves the state sealed.
    @discardableResult
    public func unseal(
        receiving sealed: SealedDomainKey, identity: Curve25519.KeyAgreement.PrivateKey, for transfer: DomainKeyTransfer
    ) async throws(StateError) -> Status {
        guard let configuration = state.withLock({ $0.configuration }) else { throw .notInitialized }
        if state.withLock({ $0.barrier != nil }) { return .unsealed }
        var opened: Data
        do {
            var recipient = try HPKE.Recipient(
                privateKey: identity, ciphersuite: DomainKeyTransfer.ciphersuite,
                info: transfer.info(setID: configuration.setID), encapsulatedKey: Data(sealed.encapsulatedKey))
            opened = try recipient.open(sealed.ciphertext)
        } catch {
            throw .barrier(.cryptoFailure("the sealed domain key does not open under this node's identity"))
        }
        let secret = SecretBytes(opened)
        opened.withUnsafeMutableBytes { SecretBytes.zeroise($0) }
        let barrier: Barrier
        do { barrier = Barrier(domainKey: try DomainKey(secret: secret)) } catch { throw .barrier(error) }
        guard barrier.verifySentinel(configuration.sealedSentinel) else { throw .barrier(.domainKeyMismatch) }
        if state.withLock({ $0.barrier != nil }) { return .unsealed }
        try await open(with: barrier, by: .peer)
        return .unsealed
    }
}
