// The mechanism protocols. Every CKM_* that Coffer implements is one type conforming to
// `Mechanism` plus the capability protocols for the functions it supports, and one line in
// `MechanismRegistry.standard`.

import Crypto

/// A PKCS#11 mechanism implementation.
public protocol Mechanism: Sendable {
    /// The `CKM_*` value this implements.
    var type: MechanismType { get }
    /// What `C_GetMechanismInfo` reports for it.
    var info: MechanismInfo { get }
}

/// Encrypt and decrypt (and so also wrap and unwrap, which PKCS#11 defines as encryption of key bytes).
public protocol CipherMechanism: Mechanism {
    func encrypt(_ plaintext: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8]
    func decrypt(_ ciphertext: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8]
}

/// Sign and verify, including MACs (PKCS#11 computes MACs with C_Sign).
public protocol SignatureMechanism: Mechanism {
    func sign(_ data: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8]
    /// Throws `CryptoError.signatureInvalid` or `.signatureLenRange` when the signature does not verify.
    func verify(_ signature: [UInt8], for data: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError)
}

/// A signature that hashes the whole message with one SHA-2 hash and signs the digest, so that a
/// multi-part sign or verify can hash its parts as they arrive. `sign` and `verify` of a message are
/// `sign(digest:)` and `verify(_:digest:)` of its `messageHash`, or of the input itself for the
/// variants that take the caller's hash (`messageHash` nil).
public protocol HashThenSignMechanism: SignatureMechanism {
    /// The hash the mechanism applies to the message; nil when the input is already a hash.
    var messageHash: MessageHash? { get }
    func sign(digest: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8]
    func verify(_ signature: [UInt8], digest: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError)
}

extension HashThenSignMechanism {
    public func sign(_ data: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        try sign(digest: messageHash?.hash(data) ?? data, key: key, parameters: parameters)
    }

    public func verify(_ signature: [UInt8], for data: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) {
        try verify(signature, digest: messageHash?.hash(data) ?? data, key: key, parameters: parameters)
    }
}

/// Message digests.
public protocol DigestMechanism: Mechanism {
    func digest(_ data: [UInt8]) throws(CryptoError) -> [UInt8]
    /// The hash this digest is, for digests a multi-part operation can compute part by part.
    var messageHash: MessageHash? { get }
}

/// Secret key generation (AES, generic secret).
public protocol KeyGenerationMechanism: Mechanism {
    func generateKey(byteCount: Int) throws(CryptoError) -> SymmetricKey
}

/// Key pair generation. The private key carries its public half.
public protocol KeyPairGenerationMechanism: Mechanism {
    func generateKeyPair(_ parameters: KeyPairParameters) throws(CryptoError) -> any PrivateKeyMaterial
}

/// Key derivation (ECDH, HKDF).
public protocol DeriveMechanism: Mechanism {
    /// `outputByteCount` nil asks for the mechanism's own output length (the ECDH shared secret's,
    /// HKDF's hash length), which PKCS#11 gives a derived generic secret without CKA_VALUE_LEN.
    func derive(baseKey: KeyMaterial, parameters: MechanismParameters, outputByteCount: Int?) throws(CryptoError) -> SymmetricKey
}

/// Key encapsulation (ML-KEM).
public protocol EncapsulationMechanism: Mechanism {
    func encapsulate(publicKey: KeyMaterial) throws(CryptoError) -> (ciphertext: [UInt8], sharedSecret: SymmetricKey)
    func decapsulate(_ ciphertext: [UInt8], privateKey: KeyMaterial) throws(CryptoError) -> SymmetricKey
}

/// Key transport: a mechanism that wraps and unwraps secret keys but encrypts no data (CKM_RSA_PKCS).
public protocol KeyTransportMechanism: Mechanism {
    /// `value` (a secret key's CKA_VALUE) wrapped under the public half of `key`.
    func wrap(_ value: SecretBytes, key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8]
    /// Always `length` bytes (implicit rejection): the wrapped value when `blob` opens to exactly
    /// that many, else a substitute derived from the private key and `blob`, so that no answer
    /// says whether the padding held.
    func unwrap(_ blob: [UInt8], length: Int, key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> SecretBytes
}

/// `CK_MECHANISM_INFO`.
public struct MechanismInfo: Sendable, Hashable {
    /// Minimum key size: bits for RSA and EC, bytes for AES and generic secrets, as PKCS#11 says per mechanism.
    public var minKeySize: UInt
    public var maxKeySize: UInt
    public var flags: MechanismFlags

    public init(minKeySize: UInt, maxKeySize: UInt, flags: MechanismFlags) {
        self.minKeySize = minKeySize
        self.maxKeySize = maxKeySize
        self.flags = flags
    }
}

/// `CK_MECHANISM_INFO.flags` (CKF_*).
public struct MechanismFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt
    public init(rawValue: UInt) { self.rawValue = rawValue }

    public static let hardware = MechanismFlags(rawValue: 0x0000_0001)
    public static let encrypt = MechanismFlags(rawValue: 0x0000_0100)
    public static let decrypt = MechanismFlags(rawValue: 0x0000_0200)
    public static let digest = MechanismFlags(rawValue: 0x0000_0400)
    public static let sign = MechanismFlags(rawValue: 0x0000_0800)
    public static let verify = MechanismFlags(rawValue: 0x0000_2000)
    public static let generate = MechanismFlags(rawValue: 0x0000_8000)
    public static let generateKeyPair = MechanismFlags(rawValue: 0x0001_0000)
    public static let wrap = MechanismFlags(rawValue: 0x0002_0000)
    public static let unwrap = MechanismFlags(rawValue: 0x0004_0000)
    public static let derive = MechanismFlags(rawValue: 0x0008_0000)
    public static let ecFp = MechanismFlags(rawValue: 0x0010_0000)
    public static let ecNamedCurve = MechanismFlags(rawValue: 0x0080_0000)
    public static let ecUncompress = MechanismFlags(rawValue: 0x0100_0000)
    public static let ecCompress = MechanismFlags(rawValue: 0x0200_0000)
    public static let ecCurveName = MechanismFlags(rawValue: 0x0400_0000)
    /// PKCS#11 3.2 CKF_ENCAPSULATE / CKF_DECAPSULATE.
    public static let encapsulate = MechanismFlags(rawValue: 0x1000_0000)
    public static let decapsulate = MechanismFlags(rawValue: 0x2000_0000)
}
