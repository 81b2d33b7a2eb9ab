// The mechanism for a crypto command: the default per key type and operation, and its parameters.
// For ciphers that need an IV, `coffer crypto encrypt` writes IV || ciphertext (GCM: the 16-byte tag
// is at the end of the ciphertext, as PKCS#11 returns it) and `decrypt` reads the same layout.

import CofferClient
import CofferProtocol
import Foundation

/// Picks and parameterizes mechanisms for crypto commands.
enum OperationMechanism {
    enum Operation { case sign, verify, encrypt, decrypt }

    /// The default mechanism name for a key type and operation.
    static func defaultName(keyType: UInt64, operation: Operation) throws -> String {
        let type = AttributeNames.keyTypeName(keyType)
        let signing = operation == .sign || operation == .verify
        switch (type, signing) {
        case ("rsa", true): return "sha256-rsa-pkcs"
        case ("rsa", false): return "rsa-pkcs-oaep"
        case ("ec", true): return "ecdsa-sha256"
        case ("ec-edwards", true): return "eddsa"
        case ("ml-dsa", true): return "ml-dsa"
        case ("aes", false): return "aes-gcm"
        case ("aes", true): return "aes-cmac"
        case ("generic-secret", true), ("sha256-hmac", true): return "sha256-hmac"
        case ("sha384-hmac", true): return "sha384-hmac"
        case ("sha512-hmac", true): return "sha512-hmac"
        default:
            throw CLIError(
                "a \(type) key cannot \(signing ? "sign or verify" : "encrypt or decrypt"); give --mechanism")
        }
    }

    /// The CKM value of a mechanism name, or an error naming the bad input.
    static func value(_ name: String) throws -> UInt64 {
        guard let value = MechanismNames.value(named: name) else {
            throw CLIError("unknown mechanism \"\(name)\" (e.g. sha256-rsa-pkcs, ecdsa-sha256, eddsa, ml-dsa, aes-gcm)")
        }
        return value
    }

    /// The IV length a cipher mechanism needs in front of its ciphertext (0 for none).
    static func ivLength(_ name: String) -> Int {
        switch MechanismNames.name(of: (try? value(name)) ?? 0) {
        case "aes-gcm": 12
        case "aes-cbc", "aes-cbc-pad", "aes-ctr": 16
        default: 0
        }
    }

    /// The mechanism with parameters; `iv` for ciphers that take one.
    static func mechanism(_ name: String, iv: Data = Data()) throws -> Coffer_V1_Mechanism {
        var mechanism = Coffer_V1_Mechanism()
        mechanism.type = try value(name)
        let sha256 = MechanismNames.value(named: "sha256")!
        let mgf1SHA256: UInt64 = 0x2  // CKG_MGF1_SHA256
        switch MechanismNames.name(of: mechanism.type) {
        case "aes-gcm":
            var gcm = Coffer_V1_GcmParameters()
            gcm.iv = iv
            gcm.tagBits = 128
            mechanism.gcm = gcm
        case "aes-cbc", "aes-cbc-pad":
            mechanism.iv = iv
        case "aes-ctr":
            var ctr = Coffer_V1_CtrParameters()
            ctr.counterBits = 128
            ctr.counterBlock = iv
            mechanism.ctr = ctr
        case "rsa-pkcs-oaep":
            var oaep = Coffer_V1_OaepParameters()
            oaep.hash = sha256
            oaep.mgf = mgf1SHA256
            mechanism.oaep = oaep
        case "rsa-pkcs-pss", "sha256-rsa-pkcs-pss":
            mechanism.pss = pss(hash: sha256, mgf: mgf1SHA256, salt: 32)
        case "sha384-rsa-pkcs-pss":
            mechanism.pss = pss(hash: MechanismNames.value(named: "sha384")!, mgf: 0x3, salt: 48)
        case "sha512-rsa-pkcs-pss":
            mechanism.pss = pss(hash: MechanismNames.value(named: "sha512")!, mgf: 0x4, salt: 64)
        default:
            break
        }
        return mechanism
    }

    private static func pss(hash: UInt64, mgf: UInt64, salt: UInt32) -> Coffer_V1_PssParameters {
        var pss = Coffer_V1_PssParameters()
        pss.hash = hash
        pss.mgf = mgf
        pss.saltLength = salt
        return pss
    }

    /// Random bytes for an IV.
    static func randomIV(_ count: Int) -> Data {
        var generator = SystemRandomNumberGenerator()
        return Data((0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}
