// Record encodings: round trips, determinism, and rejection of truncated or garbage bytes.

import CofferCrypto
import Testing

@testable import CofferModel

@Suite struct EncodingTests {
    let sample = attrs(
        (.objectClass, .ulong(4)), (.keyType, .ulong(KeyType.aes.rawValue)), (.label, .string("clé")), (.sign, .bool(true)),
        (.startDate, .date(CKDate(year: 2024, month: 2, day: 29))), (.endDate, .date(nil)), (.id, .bytes([1, 2, 3])),
        (.allowedMechanisms, .mechanisms([.aesGCM, .aesKeyWrap])))

    @Test func attributeSetRoundTrip() throws {
        #expect(try AttributeSet(encoded: sample.encoded) == sample)
        #expect(try AttributeSet(encoded: AttributeSet().encoded) == AttributeSet())
    }

    @Test func attributeSetEncodingIsDeterministic() {
        let reversed = AttributeSet(sample.map { ($0.type, $0.value) }.reversed())
        #expect(reversed.encoded == sample.encoded)
    }

    @Test func objectRoundTrip() throws {
        let object = StoredObject(handle: 0xDEAD_BEEF, objectClass: .secretKey, attributes: sample, owner: UserID(9), sharedWith: [UserID(3), UserID(1)])
        #expect(try StoredObject(encoded: object.encoded) == object)
    }

    @Test func userRoundTrip() throws {
        let u = try User(id: UserID(42), name: "alice@example", role: .auditor, passwordVerifier: [0, 255, 7], failedLoginCount: 3, locked: true)
        #expect(try User(encoded: u.encoded) == u)
    }

    @Test func everyTruncationIsRejected() throws {
        let object = StoredObject(handle: 1, objectClass: .secretKey, attributes: sample, owner: UserID(9), sharedWith: [UserID(3)])
        let encodings: [(String, [UInt8], ([UInt8]) throws -> Void)] = [
            ("attributes", sample.encoded, { _ = try AttributeSet(encoded: $0) }),
            ("object", object.encoded, { _ = try StoredObject(encoded: $0) }),
            ("user", user(5, .admin).encoded, { _ = try User(encoded: $0) }),
        ]
        for (_, bytes, decode) in encodings {
            for n in 0..<bytes.count {
                expectCode(.generalError) { try decode(Array(bytes.prefix(n))) }
            }
            expectCode(.generalError) { try decode(bytes + [0]) }
        }
    }

    @Test func hostileBytesAreRejected() {
        // Wrong version; a huge count; out-of-order types; a bool of two bytes; an unknown type.
        let cases: [[UInt8]] = [
            [2, 0, 0, 0, 0],
            [1, 0xFF, 0xFF, 0xFF, 0xFF] + [UInt8](repeating: 0, count: 24),
            [1, 0, 0, 0, 2] + [0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 1, 1] + [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1],
            [1, 0, 0, 0, 1] + [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 1, 1],
            [1, 0, 0, 0, 1] + [0, 0, 0, 0, 0, 0, 0x77, 0x77, 0, 0, 0, 0],
            [1, 0, 0, 0, 1] + [0, 0, 0, 0, 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF],
        ]
        for bytes in cases {
            expectCode(.generalError) { _ = try AttributeSet(encoded: bytes) }
        }
        // A user with an unknown role or a bad locked flag.
        var roleBytes = user(5, .admin).encoded
        roleBytes[9] = 9
        expectCode(.generalError) { _ = try User(encoded: roleBytes) }
        var lockedBytes = user(5, .admin).encoded
        lockedBytes[10] = 2
        expectCode(.generalError) { _ = try User(encoded: lockedBytes) }
        // An object without a class.
        let classless = StoredObject(handle: 1, objectClass: .data, attributes: AttributeSet(), owner: UserID(1)).encoded
        #expect((try? StoredObject(encoded: classless)) != nil)
        var noClass = [UInt8(1)] + [UInt8](repeating: 0, count: 16) + [0, 0, 0, 0]
        noClass += AttributeSet().encoded
        expectCode(.generalError) { _ = try StoredObject(encoded: noClass) }
    }

    @Test func pseudoRandomGarbageNeverCrashes() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<2000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let count = Int(state >> 58)
            var bytes: [UInt8] = []
            for i in 0..<count { bytes.append(UInt8(truncatingIfNeeded: state >> UInt64(i % 56))) }
            bytes.insert(1, at: 0)
            #expect((try? AttributeSet(encoded: bytes)) == nil || bytes.count >= 5)
            _ = try? User(encoded: bytes)
            _ = try? StoredObject(encoded: bytes)
        }
    }
}
