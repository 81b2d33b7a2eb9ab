// The seam between the RSA mechanisms and the library that does the arithmetic. OpenSSL 3
// implements it today (see docs/crypto-backends.md for why); another library can replace it.

/// A hash that RSA padding names (PKCS#1 DigestInfo, PSS, OAEP and MGF1).
enum RSAHash: Sendable, Equatable {
    case sha1, sha224, sha256, sha384, sha512

    /// The digest length in bytes.
    var byteCount: Int {
        switch self {
        case .sha1: 20
        case .sha224: 28
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    /// The hash a `CK_RSA_PKCS_PSS_PARAMS` or `CK_RSA_PKCS_OAEP_PARAMS` names, if Coffer supports it.
    init?(mechanism: MechanismType) {
        switch mechanism {
        case .sha1: self = .sha1
        case .sha256: self = .sha256
        case .sha384: self = .sha384
        case .sha512: self = .sha512
        default: return nil
        }
    }

    /// The same hash as a message hash.
    init(_ hash: MessageHash) {
        switch hash {
        case .sha256: self = .sha256
        case .sha384: self = .sha384
        case .sha512: self = .sha512
        }
    }

    /// The hash a `CK_RSA_PKCS_MGF_TYPE` names.
    init(mgf: MGF) {
        switch mgf {
        case .sha1: self = .sha1
        case .sha224: self = .sha224
        case .sha256: self = .sha256
        case .sha384: self = .sha384
        case .sha512: self = .sha512
        }
    }
}

/// How an RSA signature is padded. The input to sign or verify is always a hash or a
/// caller-built DigestInfo, never the message: the mechanisms hash messages themselves.
enum RSASignaturePadding: Sendable, Equatable {
    /// EMSA-PKCS1-v1_5. With a hash the backend builds the DigestInfo around the input;
    /// without one the input is padded as it is (CKM_RSA_PKCS, PKCS#11 3.0 section 2.1.6).
    case pkcs1(hash: RSAHash?)
    /// EMSA-PSS over an already-computed hash.
    case pss(hash: RSAHash, mgf: RSAHash, saltLength: Int)
}

/// RSAES-OAEP parameters.
struct RSAOAEPParameters: Sendable, Equatable {
    var hash: RSAHash
    var mgf: RSAHash
    var label: [UInt8]
}

/// RSA encryption padding: RSAES-OAEP, or RSAES-PKCS1-v1_5 (key transport only, RSAPKCS1Signature).
enum RSAEncryptionPadding: Sendable, Equatable {
    case oaep(RSAOAEPParameters)
    case pkcs1
}

/// An RSA key as a backend holds it. Implementations must allow concurrent use from many threads.
protocol RSABackendKey: Sendable {
    var modulusBits: Int { get }
    var hasPrivateKey: Bool { get }
    /// The public half (a key without private parts).
    func publicOnly() throws(CryptoError) -> any RSABackendKey
    /// PKCS#8 PrivateKeyInfo DER.
    func privateKeyDER() throws(CryptoError) -> SecretBytes
    /// SubjectPublicKeyInfo DER.
    func publicKeyDER() throws(CryptoError) -> [UInt8]
    /// The modulus and public exponent, big-endian without leading zeros.
    func publicNumbers() throws(CryptoError) -> (modulus: [UInt8], publicExponent: [UInt8])
    func sign(_ input: [UInt8], padding: RSASignaturePadding) throws(CryptoError) -> [UInt8]
    /// Returns false when the signature does not verify; throws only for backend failures.
    func verify(_ signature: [UInt8], for input: [UInt8], padding: RSASignaturePadding) throws(CryptoError) -> Bool
    func encrypt(_ plaintext: [UInt8], padding: RSAEncryptionPadding) throws(CryptoError) -> [UInt8]
    /// `.encryptedDataInvalid` when the padding does not hold.
    func decrypt(_ ciphertext: [UInt8], padding: RSAEncryptionPadding) throws(CryptoError) -> [UInt8]
}

/// Makes and parses RSA keys.
protocol RSABackend: Sendable {
    func generateKey(bits: Int, publicExponent: [UInt8]) throws(CryptoError) -> any RSABackendKey
    /// Parses PKCS#8 PrivateKeyInfo DER.
    func privateKey(der: [UInt8]) throws(CryptoError) -> any RSABackendKey
    /// Parses SubjectPublicKeyInfo DER.
    func publicKey(der: [UInt8]) throws(CryptoError) -> any RSABackendKey
    /// Builds a public key from n and e.
    func publicKey(modulus: [UInt8], publicExponent: [UInt8]) throws(CryptoError) -> any RSABackendKey
    /// Builds a private key from n, e and d alone (the CAVP SigGen vectors give no primes).
    func privateKey(modulus: [UInt8], publicExponent: [UInt8], privateExponent: [UInt8]) throws(CryptoError)
        -> any RSABackendKey
}

/// The backend in use.
enum RSABackends {
    static let current: any RSABackend = OpenSSLRSABackend()
}
