// CKM_AES_CMAC (NIST SP 800-38B) on _CryptoExtras' AES.CMAC, with a full 16-byte MAC
// (the truncating variant is CKM_AES_CMAC_GENERAL, which Coffer does not offer).

import Crypto
import _CryptoExtras

/// AES-CMAC, computed with C_Sign and checked with C_Verify.
public struct AESCMAC: SignatureMechanism {
    static let macByteCount = 16

    public init() {}

    public var type: MechanismType { .aesCMAC }

    public var info: MechanismInfo { AESKey.info([.sign, .verify]) }

    public func sign(_ data: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> [UInt8] {
        Array(try Self.mac(data, key: key, parameters: parameters))
    }

    public func verify(_ signature: [UInt8], for data: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) {
        let mac = try Self.mac(data, key: key, parameters: parameters)
        guard signature.count == Self.macByteCount else {
            throw .signatureLenRange("AES-CMAC is 16 bytes, not \(signature.count)")
        }
        // MessageAuthenticationCode's == against bytes is swift-crypto's constant-time comparison.
        guard mac == signature else { throw .signatureInvalid }
    }

    private static func mac(_ data: [UInt8], key: KeyMaterial, parameters: MechanismParameters) throws(CryptoError) -> AES.CMAC.MAC {
        let key = try AESKey.symmetricKey(key)
        guard parameters == .none else { throw .mechanismParamInvalid("CKM_AES_CMAC takes no parameter") }
        do {
            var cmac = try AES.CMAC(key: key)
            cmac.update(data: data)
            return cmac.finalize()
        } catch {
            throw .backendFailure("AES-CMAC: \(error)")
        }
    }
}
