// Decoding a caller's CK_MECHANISM into the wire's Mechanism. Decoded so far: CK_RSA_PKCS_PSS_PARAMS,
// CK_GCM_PARAMS and the 16-byte IV of AES-CBC(-PAD); mechanisms whose parameters are not decoded
// yet (OAEP, CTR, ECDH, HKDF, contexts) get CKR_MECHANISM_PARAM_INVALID.
import CPKCS11
import CofferProtocol
import Foundation

/// CK_MECHANISM decoding.
enum MechanismParameters {
    static let pss: Set<UInt64> = [0x000D, 0x0043, 0x0044, 0x0045]
    static let gcm: UInt64 = 0x1087
    static let cbc: Set<UInt64> = [0x1082, 0x1085]
    /// Mechanisms that need a parameter this library does not decode yet.
    static let undecoded: Set<UInt64> = [0x0009, 0x1086, 0x1050, 0x402A, 0x402B]

    static func decode(_ mechanism: UnsafeMutablePointer<CK_MECHANISM>?) throws(CKRError) -> Coffer_V1_Mechanism {
        let mechanism = try required(mechanism).pointee
        let invalid = CKRError(CK_RV(CKR_MECHANISM_PARAM_INVALID))
        var result = Coffer_V1_Mechanism()
        result.type = UInt64(mechanism.mechanism)
        let parameter = mechanism.pParameter
        let length = mechanism.ulParameterLen
        if length > 0 && parameter == nil { throw CKRError(CK_RV(CKR_ARGUMENTS_BAD)) }
        switch result.type {
        case let type where pss.contains(type):
            guard let parameter, length == MemoryLayout<CK_RSA_PKCS_PSS_PARAMS>.size else { throw invalid }
            let value = parameter.loadUnaligned(as: CK_RSA_PKCS_PSS_PARAMS.self)
            guard value.sLen <= CK_ULONG(UInt32.max) else { throw invalid }
            var pss = Coffer_V1_PssParameters()
            pss.hash = UInt64(value.hashAlg)
            pss.mgf = UInt64(value.mgf)
            pss.saltLength = UInt32(value.sLen)
            result.pss = pss
        case gcm:
            guard let parameter, length == MemoryLayout<CK_GCM_PARAMS>.size else { throw invalid }
            let value = parameter.loadUnaligned(as: CK_GCM_PARAMS.self)
            guard value.ulTagBits <= 128 else { throw invalid }
            var gcm = Coffer_V1_GcmParameters()
            gcm.iv = Data(try inputBytes(value.pIv, value.ulIvLen, limit: 256, tooLong: invalid.code))
            gcm.additionalData = Data(try inputBytes(value.pAAD, value.ulAADLen, tooLong: invalid.code))
            gcm.tagBits = UInt32(value.ulTagBits)
            result.gcm = gcm
        case let type where cbc.contains(type):
            guard let parameter, length == 16 else { throw invalid }
            result.iv = Data(UnsafeRawBufferPointer(start: parameter, count: 16))
        case let type where undecoded.contains(type):
            throw invalid
        default:
            guard length == 0 else { throw invalid }
        }
        return result
    }
}
