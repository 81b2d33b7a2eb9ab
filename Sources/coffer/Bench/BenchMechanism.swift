// A CK_MECHANISM with its parameter in memory it owns, and the PKCS#11 3.2 values the 2.40 header
// (p11-kit) does not define.

import CPKCS11

/// An owned CK_MECHANISM (valid for as long as this object lives).
final class BenchMechanism: @unchecked Sendable {
    /// CKM_ML_DSA_KEY_PAIR_GEN (PKCS#11 3.2).
    static let mlDSAKeyPairGen: CK_MECHANISM_TYPE = 0x1C
    /// CKM_ML_DSA (PKCS#11 3.2): pure ML-DSA, no parameter = empty context.
    static let mlDSA: CK_MECHANISM_TYPE = 0x1D
    /// CKA_PARAMETER_SET (PKCS#11 3.2).
    static let parameterSetAttribute: CK_ATTRIBUTE_TYPE = 0x61D
    /// CKP_ML_DSA_65 (PKCS#11 3.2).
    static let mlDSA65ParameterSet: CK_ULONG = 2

    /// The mechanism, to pass as CK_MECHANISM_PTR.
    let pointer: UnsafeMutablePointer<CK_MECHANISM>
    private let parameter: UnsafeMutableRawPointer?

    /// A mechanism without a parameter.
    init(_ type: CK_MECHANISM_TYPE) {
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: CK_MECHANISM(mechanism: type, pParameter: nil, ulParameterLen: 0))
        parameter = nil
    }

    /// A mechanism with a copy of `value` as its parameter.
    init<Parameter>(_ type: CK_MECHANISM_TYPE, parameter value: Parameter) {
        let size = MemoryLayout<Parameter>.size
        let parameter = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: MemoryLayout<Parameter>.alignment)
        parameter.initializeMemory(as: Parameter.self, to: value)
        pointer = .allocate(capacity: 1)
        pointer.initialize(to: CK_MECHANISM(mechanism: type, pParameter: parameter, ulParameterLen: CK_ULONG(size)))
        self.parameter = parameter
    }

    /// CKM_SHA256_RSA_PKCS_PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt.
    static func pss() -> BenchMechanism {
        BenchMechanism(
            CK_MECHANISM_TYPE(CKM_SHA256_RSA_PKCS_PSS),
            parameter: CK_RSA_PKCS_PSS_PARAMS(hashAlg: CK_MECHANISM_TYPE(CKM_SHA256), mgf: CK_RSA_PKCS_MGF_TYPE(CKG_MGF1_SHA256), sLen: 32))
    }

    deinit {
        parameter?.deallocate()
        pointer.deallocate()
    }
}
