// Decoding and encoding of raw PKCS#11 attribute values, and template parsing into an AttributeSet.

import CofferCrypto
import Testing

@testable import CofferModel

@Suite struct AttributeValueTests {
    @Test func boolIsOneByte() throws {
        #expect(try AttributeValue(decoding: [1], as: .sign) == .bool(true))
        #expect(try AttributeValue(decoding: [0], as: .sign) == .bool(false))
        expectCode(.attributeValueInvalid) { _ = try AttributeValue(decoding: [], as: .sign) }
        expectCode(.attributeValueInvalid) { _ = try AttributeValue(decoding: [1, 0], as: .sign) }
    }

    @Test func ulongIsEightBytesLittleEndian() throws {
        #expect(try AttributeValue(decoding: [0x20, 0, 0, 0, 0, 0, 0, 0], as: .valueLen) == .ulong(32))
        #expect(try AttributeValue(decoding: [0, 1, 0, 0, 0, 0, 0, 0], as: .modulusBits) == .ulong(256))
        expectCode(.attributeValueInvalid) { _ = try AttributeValue(decoding: [0x20, 0, 0, 0], as: .valueLen) }
        #expect(AttributeValue.ulong(0x0102).rawBytes == [0x02, 0x01, 0, 0, 0, 0, 0, 0])
    }

    @Test func unknownTypeIsInvalid() {
        expectCode(.attributeTypeInvalid) { _ = try AttributeValue(decoding: [1], as: AttributeType(rawValue: 0x8000_1234)) }
    }

    @Test func stringMustBeUTF8() throws {
        #expect(try AttributeValue(decoding: Array("clé".utf8), as: .label) == .string("clé"))
        expectCode(.attributeValueInvalid) { _ = try AttributeValue(decoding: [0xFF, 0xFE], as: .label) }
    }

    @Test func datesAreEightDigitsOrEmpty() throws {
        #expect(try AttributeValue(decoding: Array("20250131".utf8), as: .startDate) == .date(CKDate(year: 2025, month: 1, day: 31)))
        #expect(try AttributeValue(decoding: [], as: .endDate) == .date(nil))
        expectCode(.attributeValueInvalid) { _ = try AttributeValue(decoding: Array("2025013".utf8), as: .startDate) }
        expectCode(.attributeValueInvalid) { _ = try AttributeValue(decoding: Array("20251301".utf8), as: .startDate) }
        expectCode(.attributeValueInvalid) { _ = try AttributeValue(decoding: Array("2025-1-1".utf8), as: .startDate) }
    }

    @Test func mechanismListIsArrayOfULong() throws {
        let raw = AttributeValue.mechanisms([.aesGCM, .sha256HMAC]).rawBytes
        #expect(raw.count == 16)
        #expect(try AttributeValue(decoding: raw, as: .allowedMechanisms) == .mechanisms([.aesGCM, .sha256HMAC]))
        expectCode(.attributeValueInvalid) { _ = try AttributeValue(decoding: Array(raw.prefix(12)), as: .allowedMechanisms) }
    }

    @Test(arguments: [
        AttributeValue.bool(true), .ulong(UInt64.max), .bytes([9, 8, 7]), .string("label"),
        .date(CKDate(year: 1999, month: 12, day: 9)), .date(nil), .mechanisms([.ecdsa]),
    ])
    func rawRoundTrip(_ value: AttributeValue) throws {
        let type: AttributeType = switch value.kind {
        case .bool: .token
        case .ulong: .valueLen
        case .bytes: .id
        case .string: .label
        case .date: .startDate
        case .mechanisms: .allowedMechanisms
        }
        #expect(try AttributeValue(decoding: value.rawBytes, as: type) == value)
    }

    @Test func templateDuplicates() throws {
        let same = try AttributeSet(template: [RawAttribute(.sign, .bool(true)), RawAttribute(.sign, .bool(true))])
        #expect(same.bool(.sign) == true)
        expectCode(.templateInconsistent) {
            _ = try AttributeSet(template: [RawAttribute(.sign, .bool(true)), RawAttribute(.sign, .bool(false))])
        }
        expectCode(.attributeTypeInvalid) { _ = try AttributeSet(template: [RawAttribute(type: AttributeType(rawValue: 0x7777), value: [])]) }
        expectCode(.attributeValueInvalid) { _ = try AttributeSet(template: [RawAttribute(type: .objectClass, value: [4])]) }
    }

    @Test func attributeTypeValuesMatchTheSpecification() {
        #expect(AttributeType.objectClass.rawValue == 0x000)
        #expect(AttributeType.sensitive.rawValue == 0x103)
        #expect(AttributeType.extractable.rawValue == 0x162)
        #expect(AttributeType.wrapWithTrusted.rawValue == 0x210)
        #expect(AttributeType.allowedMechanisms.rawValue == 0x4000_0600)
        #expect(AttributeType.parameterSet.rawValue == 0x61D)
        #expect(AttributeType.encapsulate.rawValue == 0x633)
        #expect(AttributeType.decapsulate.rawValue == 0x634)
        #expect(KeyType.mlKEM.rawValue == 0x49)
        #expect(KeyType.mlDSA.rawValue == 0x4A)
        #expect(AttributeType.sign.description == "CKA_SIGN")
    }
}
