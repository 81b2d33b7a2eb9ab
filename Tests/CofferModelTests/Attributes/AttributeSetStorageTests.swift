// AttributeSet's compact storage (boolean bits plus one packed buffer) behaves as the dictionary it
// replaced: any order of writes gives an equal set, lookups, removal, replacement, kinds mismatched
// with their type, ascending iteration that merges the two stores, and the record encoding.

import CofferCrypto
import Testing
@testable import CofferModel

@Suite struct AttributeSetStorageTests {
    /// One attribute of every kind, plus a known boolean type holding a non-boolean value and an unknown type.
    static let pairs: [(AttributeType, AttributeValue)] = [
        (.objectClass, .ulong(ObjectClass.secretKey.rawValue)), (.token, .bool(true)), (.private, .bool(false)),
        (.label, .string("clé-λ-\u{1F511}")), (.keyType, .ulong(KeyType.aes.rawValue)), (.id, .bytes([0, 1, 0xFF])),
        (.sensitive, .bool(true)), (.encrypt, .bool(false)), (.startDate, .date(nil)),
        (.endDate, .date(CKDate(year: 2031, month: 12, day: 31))), (.valueLen, .ulong(32)),
        (.decapsulate, .bool(true)), (.allowedMechanisms, .mechanisms([.aesGCM, .aesKeyGen, MechanismType(rawValue: 0x8000_0001)])),
        (.derive, .ulong(7)), (AttributeType(rawValue: 0x8000_1234), .bytes([])), (.application, .string("")),
        (.modulusBits, .ulong(UInt64.max)),
    ]

    @Test func writeOrderDoesNotMatter() {
        let forward = AttributeSet(Self.pairs)
        let backward = AttributeSet(Self.pairs.reversed())
        var shuffled = AttributeSet()
        for (t, v) in Self.pairs.shuffled() { shuffled[t] = v }
        #expect(forward == backward)
        #expect(forward == shuffled)
        #expect(forward.hashValue == shuffled.hashValue)
        #expect(forward.count == Self.pairs.count)
        #expect(forward.encoded == shuffled.encoded)
    }

    @Test func lookupsReturnWhatWasWritten() {
        let set = AttributeSet(Self.pairs)
        for (t, v) in Self.pairs {
            #expect(set[t] == v, "\(t)")
            #expect(set.contains(t))
        }
        #expect(set.bool(.token) == true)
        #expect(set.bool(.private) == false)
        #expect(set.bool(.derive) == nil)  // a known boolean type holding a ulong
        #expect(set.ulong(.derive) == 7)
        #expect(set.bool(.sign) == nil)
        #expect(set.string(.label) == "clé-λ-\u{1F511}")
        #expect(set.bytes(.label) == nil)
        #expect(set.allowedMechanisms == [.aesGCM, .aesKeyGen, MechanismType(rawValue: 0x8000_0001)])
        #expect(set.objectClass == .secretKey)
        #expect(set.keyType == .aes)
        #expect(set.ulong(.modulusBits) == UInt64.max)
        #expect(!set.contains(.value))
    }

    @Test func iterationIsAscendingAndComplete() {
        let set = AttributeSet(Self.pairs)
        let types = set.map(\.type)
        #expect(types == Self.pairs.map(\.0).sorted())
        #expect(set.types == types)
        #expect(Dictionary(uniqueKeysWithValues: set.map { ($0.type, $0.value) }) == Dictionary(uniqueKeysWithValues: Self.pairs))
    }

    @Test func replaceAndRemoveKeepTheSetCanonical() {
        var set = AttributeSet(Self.pairs)
        set[.derive] = .bool(true)  // a ulong becomes a bit
        set[.token] = .ulong(1)  // a bit becomes an entry
        set[.label] = .string("x")
        set[.id] = nil
        set[.sensitive] = nil
        set[.value] = .bytes(Array(repeating: 9, count: 300))
        var expected = Dictionary(uniqueKeysWithValues: Self.pairs)
        expected[.derive] = .bool(true)
        expected[.token] = .ulong(1)
        expected[.label] = .string("x")
        expected[.id] = nil
        expected[.sensitive] = nil
        expected[.value] = .bytes(Array(repeating: 9, count: 300))
        #expect(set == AttributeSet(expected.map { ($0.key, $0.value) }))
        #expect(set.count == expected.count)
        for (t, v) in expected { #expect(set[t] == v, "\(t)") }
        #expect(set.bool(.derive) == true)
        #expect(set.bool(.token) == nil)
        var emptied = set
        for t in set.types { emptied[t] = nil }
        #expect(emptied.isEmpty)
        #expect(emptied == AttributeSet())
        #expect(set.removing([.value, .label]).count == expected.count - 2)
        #expect(set.filtered { $0 == .objectClass } == AttributeSet([(.objectClass, .ulong(ObjectClass.secretKey.rawValue))]))
    }

    @Test func encodingRoundTrips() throws {
        // The record format holds values of their type's kind (not CKA_DERIVE as a ulong, nor unknown types).
        let set = AttributeSet(Self.pairs.filter { $0.0 != .derive && $0.0.kind != nil })
        let decoded = try AttributeSet(encoded: set.encoded)
        #expect(decoded == set)
        #expect(decoded.rawAttributes == set.rawAttributes)
        #expect(try AttributeSet(encoded: AttributeSet().encoded).isEmpty)
    }
}
