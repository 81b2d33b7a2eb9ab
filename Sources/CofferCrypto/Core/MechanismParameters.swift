// Mechanism parameters, decoded from the caller's CK_MECHANISM.pParameter into values.
// Each mechanism validates the case it expects and throws mechanismParamInvalid otherwise.

/// The parameter of a `CK_MECHANISM`.
public enum MechanismParameters: Sendable, Equatable {
    case none
    /// CBC and CBC-PAD: a 16-byte IV.
    case iv([UInt8])
    /// `CK_GCM_PARAMS`.
    case gcm(iv: [UInt8], additionalData: [UInt8], tagBits: Int)
    /// `CK_AES_CTR_PARAMS`.
    case ctr(counterBits: Int, counterBlock: [UInt8])
    /// `CK_RSA_PKCS_PSS_PARAMS`.
    case pss(hash: MechanismType, mgf: MGF, saltLength: Int)
    /// `CK_RSA_PKCS_OAEP_PARAMS` (source is always CKZ_DATA_SPECIFIED).
    case oaep(hash: MechanismType, mgf: MGF, label: [UInt8])
    /// `CK_ECDH1_DERIVE_PARAMS`: the peer's public point or key, and the KDF.
    case ecdh(kdf: ECDHKDF, sharedData: [UInt8], publicData: [UInt8])
    /// `CK_HKDF_PARAMS`.
    case hkdf(HKDFParameters)
    /// `CK_EDDSA_PARAMS` (only pure Ed25519 without context is supported).
    case eddsa(prehash: Bool, context: [UInt8])
    /// `CK_SIGN_ADDITIONAL_CONTEXT` for ML-DSA (PKCS#11 3.2).
    case signatureContext([UInt8])
}

/// `CK_RSA_PKCS_MGF_TYPE`.
public enum MGF: UInt, Sendable {
    case sha1 = 1
    case sha256 = 2
    case sha384 = 3
    case sha512 = 4
    case sha224 = 5
}

/// `CK_EC_KDF_TYPE` values Coffer accepts for ECDH.
public enum ECDHKDF: UInt, Sendable {
    case null = 1
    case sha256 = 6
    case sha384 = 7
    case sha512 = 8
}

/// `CK_HKDF_PARAMS`.
public struct HKDFParameters: Sendable, Equatable {
    public var extract: Bool
    public var expand: Bool
    /// CKM_SHA256, CKM_SHA384 or CKM_SHA512.
    public var hash: MechanismType
    /// Salt bytes; empty means CKF_HKDF_SALT_NULL.
    public var salt: [UInt8]
    public var info: [UInt8]

    public init(extract: Bool, expand: Bool, hash: MechanismType, salt: [UInt8], info: [UInt8]) {
        self.extract = extract
        self.expand = expand
        self.hash = hash
        self.salt = salt
        self.info = info
    }
}

/// What a key pair generation makes.
public enum KeyPairParameters: Sendable, Equatable {
    case rsa(bits: Int, publicExponent: [UInt8])
    case ec(ECCurve)
    case ed25519
    case ed448
    case x25519
    case mlDSA(MLDSAParameterSet)
    case mlKEM(MLKEMParameterSet)
}

/// Named curves for CKK_EC.
public enum ECCurve: String, Sendable, CaseIterable {
    case p256 = "P-256"
    case p384 = "P-384"
    case p521 = "P-521"
}

/// `CK_ML_DSA_PARAMETER_SET_TYPE` (PKCS#11 3.2): CKP_ML_DSA_65 = 2, CKP_ML_DSA_87 = 3.
public enum MLDSAParameterSet: UInt, Sendable, CaseIterable {
    case mlDSA65 = 2
    case mlDSA87 = 3
}

/// `CK_ML_KEM_PARAMETER_SET_TYPE` (PKCS#11 3.2): CKP_ML_KEM_768 = 2, CKP_ML_KEM_1024 = 3.
public enum MLKEMParameterSet: UInt, Sendable, CaseIterable {
    case mlKEM768 = 2
    case mlKEM1024 = 3
}
