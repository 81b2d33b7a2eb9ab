// The library-maintained attributes across generate, import, derive and change.

import CofferCrypto
import Testing

@testable import CofferModel

@Suite struct LibraryAttributesTests {
    @Test func derivedKeyInheritsOnlyWhatTheBaseHad() throws {
        let base = try aesKey()
        let open = try aesKey((.sensitive, .bool(false)), (.extractable, .bool(true)))
        let newKey = ObjectSchema.defaults(for: .secretKey, keyType: .genericSecret)
        let fromBase = LibraryAttributes.derived(newKey, from: base)
        #expect(fromBase.bool(.alwaysSensitive) == true)
        #expect(fromBase.bool(.neverExtractable) == true)
        #expect(fromBase.bool(.local) == false)
        let fromOpen = LibraryAttributes.derived(newKey, from: open)
        #expect(fromOpen.bool(.alwaysSensitive) == false)
        #expect(fromOpen.bool(.neverExtractable) == false)
    }

    @Test func onceFalseStaysFalse() throws {
        let key = try aesKey((.sensitive, .bool(false)))
        #expect(key.bool(.alwaysSensitive) == false)
        let later = LibraryAttributes.changed(from: key, to: key.merging(attrs((.sensitive, .bool(true)))))
        #expect(later.bool(.alwaysSensitive) == false)
    }

    @Test func importedKeysAreNeverLocal() {
        let imported = LibraryAttributes.imported(ObjectSchema.defaults(for: .privateKey, keyType: .ec))
        #expect(imported.bool(.local) == false)
        #expect(imported.bool(.alwaysSensitive) == false)
        #expect(imported.ulong(.keyGenMechanism) == ObjectSchema.unavailableInformation)
    }
}
