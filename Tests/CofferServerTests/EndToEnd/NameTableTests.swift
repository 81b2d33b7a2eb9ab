// The CLI's name tables (mechanisms, attributes, classes, key types, return codes) agree with the
// values the core uses, have no duplicates, and parse and print as documented.

import CofferClient
import CofferCrypto
import CofferModel
import CofferProtocol
import Foundation
import CofferProtocol
import Testing

@Suite struct NameTableTests {
    @Test func mechanismValuesMatchTheCore() {
        let core: [String: MechanismType] = [
            "rsa-pkcs-key-pair-gen": .rsaPKCSKeyPairGen, "sha256-rsa-pkcs": .sha256RSAPKCS,
            "sha256-rsa-pkcs-pss": .sha256RSAPKCSPSS, "rsa-pkcs-oaep": .rsaPKCSOAEP, "ecdsa-sha256": .ecdsaSHA256,
            "ec-key-pair-gen": .ecKeyPairGen, "ec-edwards-key-pair-gen": .ecEdwardsKeyPairGen, "eddsa": .eddsa,
            "ml-dsa-key-pair-gen": .mlDSAKeyPairGen, "ml-dsa": .mlDSA, "ml-kem-key-pair-gen": .mlKEMKeyPairGen,
            "ml-kem": .mlKEM, "aes-key-gen": .aesKeyGen, "aes-gcm": .aesGCM, "aes-cbc-pad": .aesCBCPad,
            "aes-kw": .aesKeyWrap, "aes-kwp": .aesKeyWrapKWP, "aes-cmac": .aesCMAC, "sha256-hmac": .sha256HMAC,
            "sha256": .sha256, "hkdf-derive": .hkdfDerive, "ecdh1-derive": .ecdh1Derive,
        ]
        for (name, type) in core {
            #expect(MechanismNames.value(named: name) == UInt64(type.rawValue), "\(name)")
        }
    }

    @Test func mechanismNamesAreUniqueAndRoundTrip() {
        #expect(Set(MechanismNames.table.map(\.name)).count == MechanismNames.table.count)
        #expect(Set(MechanismNames.table.map(\.value)).count == MechanismNames.table.count)
        for entry in MechanismNames.table {
            #expect(MechanismNames.name(of: entry.value) == entry.name)
        }
        #expect(MechanismNames.value(named: "CKM_AES_GCM") == 0x1087)
        #expect(MechanismNames.value(named: "0x1087") == 0x1087)
        #expect(MechanismNames.value(named: "no-such-mechanism") == nil)
        #expect(MechanismNames.name(of: 0xDEAD) == "0xDEAD")
    }

    @Test func attributeValuesMatchTheCore() {
        let core: [String: AttributeType] = [
            "class": .objectClass, "token": .token, "private": .private, "label": .label, "value": .value,
            "key-type": .keyType, "id": .id, "sensitive": .sensitive, "encrypt": .encrypt, "decrypt": .decrypt,
            "wrap": .wrap, "unwrap": .unwrap, "sign": .sign, "verify": .verify, "derive": .derive,
            "modulus-bits": .modulusBits, "public-key-info": .publicKeyInfo, "value-len": .valueLen,
            "extractable": .extractable, "never-extractable": .neverExtractable, "always-sensitive": .alwaysSensitive,
            "ec-params": .ecParams, "ec-point": .ecPoint, "parameter-set": .parameterSet,
            "wrap-with-trusted": .wrapWithTrusted, "trusted": .trusted, "key-gen-mechanism": .keyGenMechanism,
        ]
        for (name, type) in core {
            #expect(AttributeNames.entry(named: name)?.type == UInt64(type.rawValue), "\(name)")
        }
        #expect(Set(AttributeNames.table.map(\.name)).count == AttributeNames.table.count)
        #expect(Set(AttributeNames.table.map(\.type)).count == AttributeNames.table.count)
    }

    @Test func classAndKeyTypeNamesMatchTheCore() {
        for keyType in KeyType.allCases {
            let name = AttributeNames.keyTypeName(keyType.rawValue)
            #expect("CKK_" + name.uppercased().replacingOccurrences(of: "-", with: "_") == keyType.description)
        }
        for objectClass in ObjectClass.allCases {
            let name = AttributeNames.className(objectClass.rawValue)
            #expect("CKO_" + name.uppercased().replacingOccurrences(of: "-", with: "_") == objectClass.description)
        }
    }

    @Test func assignmentsParseByKind() throws {
        #expect(try AttributeNames.parse(assignment: "sign=false") == .bool(0x108, false))
        #expect(try AttributeNames.parse(assignment: "CKA_DECRYPT=yes") == .bool(0x105, true))
        #expect(try AttributeNames.parse(assignment: "label=a=b") == .string(0x3, "a=b"))
        #expect(try AttributeNames.parse(assignment: "id=0xA1b2") == .bytes(0x102, Data([0xA1, 0xB2])))
        #expect(try AttributeNames.parse(assignment: "value-len=0x20") == .ulong(0x161, 32))
        #expect(try AttributeNames.parse(assignment: "key-type=aes") == .ulong(0x100, 0x1F))
        #expect(throws: AttributeNames.ParseError.notAnAssignment("sign")) {
            try AttributeNames.parse(assignment: "sign")
        }
        #expect(throws: AttributeNames.ParseError.unknownAttribute("colour")) {
            try AttributeNames.parse(assignment: "colour=red")
        }
        #expect(throws: AttributeNames.ParseError.badValue(name: "sign", value: "maybe", expected: "true or false")) {
            try AttributeNames.parse(assignment: "sign=maybe")
        }
        #expect(throws: AttributeNames.ParseError.badValue(name: "id", value: "xyz", expected: "hex bytes")) {
            try AttributeNames.parse(assignment: "id=xyz")
        }
    }

    @Test func rawEncodingsAreLittleEndianAndOneByteBools() {
        #expect(Coffer_V1_Attribute.ulong(0x161, 0x0102).value == Data([2, 1, 0, 0, 0, 0, 0, 0]))
        #expect(Coffer_V1_Attribute.bool(0x1, true).value == Data([1]))
        #expect(AttributeEncoding.ulong(Data([0x1F, 0, 0, 0, 0, 0, 0, 0])) == 0x1F)
        #expect(AttributeEncoding.ulong(Data([1, 2, 3])) == nil)
        #expect(AttributeNames.display(type: 0x100, value: AttributeEncoding.ulong(0x4A)) == "ml-dsa")
        #expect(AttributeNames.display(type: 0x103, value: Data([1])) == "true")
        #expect(AttributeNames.display(type: 0x166, value: AttributeEncoding.ulong(0x1080)) == "aes-key-gen")
    }

    @Test func returnCodeNamesMatchTheCore() {
        let core: [(ReturnCode, String)] = [
            (.pinIncorrect, "CKR_PIN_INCORRECT"), (.pinLocked, "CKR_PIN_LOCKED"), (.deviceError, "CKR_DEVICE_ERROR"),
            (.deviceRemoved, "CKR_DEVICE_REMOVED"), (.userNotLoggedIn, "CKR_USER_NOT_LOGGED_IN"),
            (.keyHandleInvalid, "CKR_KEY_HANDLE_INVALID"), (.signatureInvalid, "CKR_SIGNATURE_INVALID"),
            (.objectHandleInvalid, "CKR_OBJECT_HANDLE_INVALID"),
            (.keyFunctionNotPermitted, "CKR_KEY_FUNCTION_NOT_PERMITTED"),
        ]
        for (code, name) in core {
            #expect(ReturnCodeNames.name(of: code.rawValue) == name)
        }
        #expect(ReturnCodeNames.name(of: 0x9999) == "CKR_0x9999")
    }
}
