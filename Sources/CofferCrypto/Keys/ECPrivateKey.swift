// An EC private key on a NIST curve (CKK_EC), stored as PKCS#8 DER. It holds both swift-crypto
// views of the scalar (signing and key agreement) because a CKK_EC key may do ECDSA and ECDH.

import Crypto

/// A P-256, P-384 or P-521 private key.
public struct ECPrivateKey: PrivateKeyMaterial {
    enum Storage: Sendable {
        case p256(P256.Signing.PrivateKey, P256.KeyAgreement.PrivateKey)
        case p384(P384.Signing.PrivateKey, P384.KeyAgreement.PrivateKey)
        case p521(P521.Signing.PrivateKey, P521.KeyAgreement.PrivateKey)
    }

    let storage: Storage
    private let ecPublicKey: ECPublicKey

    /// Generates a new key on `curve`.
    public init(generatingOn curve: ECCurve) throws(CryptoError) {
        do {
            switch curve {
            case .p256: try self.init(signing: .p256(P256.Signing.PrivateKey()))
            case .p384: try self.init(signing: .p384(P384.Signing.PrivateKey()))
            case .p521: try self.init(signing: .p521(P521.Signing.PrivateKey()))
            }
        } catch {
            throw .backendFailure("EC key generation: \(error)")
        }
    }

    /// Parses PKCS#8 (or SEC 1) DER for a key on `curve`.
    public init(curve: ECCurve, derRepresentation der: SecretBytes) throws(CryptoError) {
        let signing: SigningKey
        do {
            signing = try der.withUnsafeBytes { bytes in
                switch curve {
                case .p256: SigningKey.p256(try P256.Signing.PrivateKey(derRepresentation: bytes))
                case .p384: SigningKey.p384(try P384.Signing.PrivateKey(derRepresentation: bytes))
                case .p521: SigningKey.p521(try P521.Signing.PrivateKey(derRepresentation: bytes))
                }
            }
        } catch {
            throw .keyEncodingInvalid("not a \(curve.rawValue) private key")
        }
        try self.init(signing: signing)
    }

    /// Builds a key from its big-endian scalar (for vectors that give d).
    init(curve: ECCurve, scalar: [UInt8]) throws(CryptoError) {
        do {
            switch curve {
            case .p256: try self.init(signing: .p256(P256.Signing.PrivateKey(rawRepresentation: scalar)))
            case .p384: try self.init(signing: .p384(P384.Signing.PrivateKey(rawRepresentation: scalar)))
            case .p521: try self.init(signing: .p521(P521.Signing.PrivateKey(rawRepresentation: scalar)))
            }
        } catch {
            throw .keyEncodingInvalid("not a \(curve.rawValue) scalar")
        }
    }

    enum SigningKey {
        case p256(P256.Signing.PrivateKey)
        case p384(P384.Signing.PrivateKey)
        case p521(P521.Signing.PrivateKey)
    }

    private init(signing: SigningKey) throws(CryptoError) {
        do {
            switch signing {
            case .p256(let key):
                storage = .p256(key, try P256.KeyAgreement.PrivateKey(rawRepresentation: key.rawRepresentation))
                ecPublicKey = ECPublicKey(.p256(key.publicKey))
            case .p384(let key):
                storage = .p384(key, try P384.KeyAgreement.PrivateKey(rawRepresentation: key.rawRepresentation))
                ecPublicKey = ECPublicKey(.p384(key.publicKey))
            case .p521(let key):
                storage = .p521(key, try P521.KeyAgreement.PrivateKey(rawRepresentation: key.rawRepresentation))
                ecPublicKey = ECPublicKey(.p521(key.publicKey))
            }
        } catch {
            throw .backendFailure("EC key agreement view: \(error)")
        }
    }

    public var curve: ECCurve { ecPublicKey.curve }
    public var algorithm: AsymmetricAlgorithm { .ec(curve) }
    public var keySizeInBits: Int { curve.fieldBits }
    public var publicKey: any PublicKeyMaterial { ecPublicKey }
    /// The typed public half.
    public var ecPublic: ECPublicKey { ecPublicKey }

    public func serialized() -> SecretBytes {
        switch storage {
        case .p256(let key, _): SecretBytes(key.derRepresentation)
        case .p384(let key, _): SecretBytes(key.derRepresentation)
        case .p521(let key, _): SecretBytes(key.derRepresentation)
        }
    }

    /// A raw r || s ECDSA signature over `digest` (any length; ECDSA truncates it to the order).
    func signature(digest: [UInt8]) throws(CryptoError) -> [UInt8] {
        let prehashed = PrehashedDigest(digest)
        do {
            switch storage {
            case .p256(let key, _): return Array(try key.signature(for: prehashed).rawRepresentation)
            case .p384(let key, _): return Array(try key.signature(for: prehashed).rawRepresentation)
            case .p521(let key, _): return Array(try key.signature(for: prehashed).rawRepresentation)
            }
        } catch {
            throw .backendFailure("ECDSA signing: \(error)")
        }
    }

    /// The ECDH shared x-coordinate with `peer` (an uncompressed point or SubjectPublicKeyInfo DER).
    /// A peer value that is not a point on this key's curve is a bad mechanism parameter.
    func sharedSecret(with peer: [UInt8]) throws(CryptoError) -> SecretBytes {
        guard let peerKey = try? ECPublicKey(curve: curve, encoded: peer) else {
            throw .mechanismParamInvalid("ECDH public data is not a \(curve.rawValue) point")
        }
        do {
            switch (storage, peerKey.storage) {
            case (.p256(_, let key), .p256(let other)):
                let shared = try key.sharedSecretFromKeyAgreement(with: .init(x963Representation: other.x963Representation))
                return shared.withUnsafeBytes { SecretBytes($0) }
            case (.p384(_, let key), .p384(let other)):
                let shared = try key.sharedSecretFromKeyAgreement(with: .init(x963Representation: other.x963Representation))
                return shared.withUnsafeBytes { SecretBytes($0) }
            case (.p521(_, let key), .p521(let other)):
                let shared = try key.sharedSecretFromKeyAgreement(with: .init(x963Representation: other.x963Representation))
                return shared.withUnsafeBytes { SecretBytes($0) }
            default:
                throw CryptoError.mechanismParamInvalid("peer point is on another curve")
            }
        } catch let error as CryptoError {
            throw error
        } catch {
            throw .mechanismParamInvalid("ECDH with this peer point failed")
        }
    }
}
