// Decoding a caller's CK_MECHANISM into the wire's Mechanism, parameter by parameter: the structure's
// length must be exact (else CKR_MECHANISM_PARAM_INVALID) and its pointers readable for their lengths
// (NULL with a length is CKR_ARGUMENTS_BAD). The node checks the decoded values against the mechanism.
import CPKCS11
import CofferProtocol
import Foundation

/// CK_MECHANISM decoding.
enum MechanismParameters {
    static let pss: Set<UInt64> = [0x000D, 0x0043, 0x0044, 0x0045]
    static let oaep: UInt64 = 0x0009
    static let cbc: Set<UInt64> = [0x1082, 0x1085]
    static let ctr: UInt64 = 0x1086
    static let gcm: UInt64 = 0x1087
    static let ecdh: UInt64 = 0x1050
    static let eddsa: UInt64 = 0x1057
    static let mlDSA: UInt64 = 0x001D
    static let keyWrap: UInt64 = 0x2109
    static let keyWrapPadded: UInt64 = 0x210B
    static let hkdf: Set<UInt64> = [UInt64(CKM_HKDF_DERIVE), UInt64(CKM_HKDF_DATA)]

    /// The most bytes one parameter field (IV, AAD, label, public data, salt, info) may hold, as on the node.
    static let fieldLimit = 64 << 10

    private static var invalid: CKRError { CKRError(CK_RV(CKR_MECHANISM_PARAM_INVALID)) }

    /// `signing` is whether the mechanism is for C_SignInit: ML-DSA's hedging choice matters only there.
    static func decode(_ mechanism: UnsafeMutablePointer<CK_MECHANISM>?, signing: Bool = false) throws(CKRError)
        -> Coffer_V1_Mechanism
    {
        let mechanism = try required(mechanism).pointee
        var result = Coffer_V1_Mechanism()
        result.type = UInt64(mechanism.mechanism)
        let length = Int(clamping: mechanism.ulParameterLen)
        if length > 0 && mechanism.pParameter == nil { throw CKRError(CK_RV(CKR_ARGUMENTS_BAD)) }
        let parameter = length > 0 ? mechanism.pParameter : nil
        switch result.type {
        case let type where pss.contains(type):
            let value = try structure(CK_RSA_PKCS_PSS_PARAMS.self, parameter, length)
            guard value.sLen <= CK_ULONG(UInt32.max) else { throw invalid }
            var pss = Coffer_V1_PssParameters()
            pss.hash = UInt64(value.hashAlg)
            pss.mgf = UInt64(value.mgf)
            pss.saltLength = UInt32(value.sLen)
            result.pss = pss
        case oaep:
            let value = try structure(CK_RSA_PKCS_OAEP_PARAMS.self, parameter, length)
            // CKZ_DATA_SPECIFIED is the only source; an empty label may come as source 0 with no data.
            guard value.source == CK_ULONG(CKZ_DATA_SPECIFIED) || (value.source == 0 && value.ulSourceDataLen == 0) else {
                throw invalid
            }
            var oaep = Coffer_V1_OaepParameters()
            oaep.hash = UInt64(value.hashAlg)
            oaep.mgf = UInt64(value.mgf)
            oaep.label = try field(value.pSourceData?.assumingMemoryBound(to: CK_BYTE.self), value.ulSourceDataLen)
            result.oaep = oaep
        case let type where cbc.contains(type):
            result.iv = try bytes(parameter, length, exactly: [16])
        case ctr:
            let value = try structure(CK_AES_CTR_PARAMS.self, parameter, length)
            guard value.ulCounterBits >= 1 && value.ulCounterBits <= 128 else { throw invalid }
            var ctr = Coffer_V1_CtrParameters()
            ctr.counterBits = UInt32(value.ulCounterBits)
            ctr.counterBlock = withUnsafeBytes(of: value.cb) { Data($0) }
            result.ctr = ctr
        case gcm:
            let value = try gcmParameters(parameter, length)
            guard value.ulTagBits <= 128 else { throw invalid }
            var gcm = Coffer_V1_GcmParameters()
            gcm.iv = try field(value.pIv, value.ulIvLen, limit: 256)
            gcm.additionalData = try field(value.pAAD, value.ulAADLen)
            gcm.tagBits = UInt32(value.ulTagBits)
            result.gcm = gcm
        case ecdh:
            let value = try structure(CK_ECDH1_DERIVE_PARAMS.self, parameter, length)
            var ecdh = Coffer_V1_EcdhParameters()
            ecdh.kdf = UInt64(value.kdf)
            ecdh.sharedData = try field(value.pSharedData, value.ulSharedDataLen)
            ecdh.publicData = try field(value.pPublicData, value.ulPublicDataLen)
            guard !ecdh.publicData.isEmpty else { throw invalid }
            result.ecdh = ecdh
        case eddsa where length > 0:
            let value = try structure(CK_EDDSA_PARAMS.self, parameter, length)
            var eddsa = Coffer_V1_EddsaParameters()
            eddsa.prehash = value.phFlag != 0
            eddsa.context = try field(value.pContextData, value.ulContextDataLen, limit: 255)
            result.eddsa = eddsa
        case mlDSA where length > 0:
            // CK_SIGN_ADDITIONAL_CONTEXT: Coffer signs hedged (FIPS 204's default), which both hedged
            // variants accept; swift-crypto has no deterministic ML-DSA, so a signer that requires it
            // is refused rather than given a hedged signature. Verification ignores the variant.
            let value = try structure(CK_SIGN_ADDITIONAL_CONTEXT.self, parameter, length)
            let hedged = value.hedgeVariant == CK_ULONG(CKH_HEDGE_PREFERRED) || value.hedgeVariant == CK_ULONG(CKH_HEDGE_REQUIRED)
            let known = hedged || value.hedgeVariant == CK_ULONG(CKH_DETERMINISTIC_REQUIRED)
            guard known, hedged || !signing else { throw invalid }
            result.signatureContext = try field(value.pContext, value.ulContextLen, limit: 255)
        case keyWrap where length > 0:
            result.iv = try bytes(parameter, length, exactly: [8])
        case keyWrapPadded where length > 0:
            result.iv = try bytes(parameter, length, exactly: [4])
        case let type where hkdf.contains(type):
            result.hkdf = try hkdfParameters(try structure(CK_HKDF_PARAMS.self, parameter, length))
        default:
            guard length == 0 else { throw invalid }
        }
        return result
    }

    /// CK_HKDF_PARAMS: salt as data or none (a salt key, CKF_HKDF_SALT_KEY, is not supported).
    private static func hkdfParameters(_ value: CK_HKDF_PARAMS) throws(CKRError) -> Coffer_V1_HkdfParameters {
        guard value.bExtract != 0 || value.bExpand != 0 else { throw invalid }
        var hkdf = Coffer_V1_HkdfParameters()
        hkdf.extract = value.bExtract != 0
        hkdf.expand = value.bExpand != 0
        hkdf.hash = UInt64(value.prfHashMechanism)
        if hkdf.extract {
            switch value.ulSaltType {
            case CK_ULONG(CKF_HKDF_SALT_NULL): break
            case CK_ULONG(CKF_HKDF_SALT_DATA):
                guard value.ulSaltLen > 0 else { throw invalid }
                hkdf.salt = try field(value.pSalt, value.ulSaltLen)
            default: throw invalid
            }
        }
        if hkdf.expand { hkdf.info = try field(value.pInfo, value.ulInfoLen) }
        return hkdf
    }

    /// The parameter as `T`, which it must be exactly the size of.
    /// CK_GCM_PARAMS in either layout: the header's, with ulIvBits (48 bytes on LP64), or the one
    /// PKCS#11 2.40's text gives, without it (40 bytes), which Java's SunPKCS11 sends first.
    private static func gcmParameters(_ parameter: UnsafeMutableRawPointer?, _ length: Int) throws(CKRError) -> CK_GCM_PARAMS {
        let word = MemoryLayout<CK_ULONG>.stride
        guard let parameter, length == 5 * word else { return try structure(CK_GCM_PARAMS.self, parameter, length) }
        return CK_GCM_PARAMS(
            pIv: parameter.loadUnaligned(fromByteOffset: 0, as: UnsafeMutablePointer<CK_BYTE>?.self),
            ulIvLen: parameter.loadUnaligned(fromByteOffset: word, as: CK_ULONG.self),
            ulIvBits: 0,
            pAAD: parameter.loadUnaligned(fromByteOffset: 2 * word, as: UnsafeMutablePointer<CK_BYTE>?.self),
            ulAADLen: parameter.loadUnaligned(fromByteOffset: 3 * word, as: CK_ULONG.self),
            ulTagBits: parameter.loadUnaligned(fromByteOffset: 4 * word, as: CK_ULONG.self))
    }

    private static func structure<T>(_: T.Type, _ parameter: UnsafeMutableRawPointer?, _ length: Int) throws(CKRError) -> T {
        guard let parameter, length == MemoryLayout<T>.size else { throw invalid }
        return parameter.loadUnaligned(as: T.self)
    }

    /// The parameter as plain bytes of one of the `allowed` lengths.
    private static func bytes(_ parameter: UnsafeMutableRawPointer?, _ length: Int, exactly allowed: Set<Int>) throws(CKRError) -> Data {
        guard let parameter, allowed.contains(length) else { throw invalid }
        return Data(UnsafeRawBufferPointer(start: parameter, count: length))
    }

    /// A (pointer, length) field inside a parameter structure.
    private static func field(_ pointer: UnsafeMutablePointer<CK_BYTE>?, _ length: CK_ULONG, limit: Int = fieldLimit) throws(CKRError) -> Data {
        Data(try inputBytes(pointer, length, limit: limit, tooLong: CK_RV(CKR_MECHANISM_PARAM_INVALID)))
    }
}
