// Defaults per class and key type, and which attributes are secret.

import CofferCrypto
import Testing

@testable import CofferModel

@Suite struct ObjectSchemaTests {
    @Test(arguments: ObjectClass.allCases)
    func everyClassHasStorageDefaults(_ objectClass: ObjectClass) {
        let d = ObjectSchema.defaults(for: objectClass, keyType: nil)
        #expect(d.objectClass == objectClass)
        #expect(d.bool(.token) == false)
        #expect(d.bool(.modifiable) == true)
        #expect(d.bool(.copyable) == true)
        #expect(d.bool(.destroyable) == true)
        #expect(d.string(.label) == "")
        #expect(d.bool(.private) == (objectClass == .privateKey || objectClass == .secretKey))
    }

    @Test func secretAndPrivateKeysDefaultSensitiveAndUnextractable() {
        for objectClass in [ObjectClass.secretKey, .privateKey] {
            let d = ObjectSchema.defaults(for: objectClass, keyType: objectClass == .secretKey ? .aes : .ec)
            #expect(d.bool(.sensitive) == true)
            #expect(d.bool(.extractable) == false)
            #expect(d.bool(.wrapWithTrusted) == false)
            #expect(d.bool(.derive) == false)
        }
    }

    @Test func usageDefaultsFollowKeyType() {
        let ecPrivate = ObjectSchema.defaults(for: .privateKey, keyType: .ec)
        #expect(ecPrivate.bool(.sign) == true)
        #expect(ecPrivate.bool(.decrypt) == false)
        let kemPublic = ObjectSchema.defaults(for: .publicKey, keyType: .mlKEM)
        #expect(kemPublic.bool(.encapsulate) == true)
        #expect(kemPublic.bool(.verify) == false)
        let aes = ObjectSchema.defaults(for: .secretKey, keyType: .aes)
        #expect(aes.bool(.encrypt) == true && aes.bool(.wrap) == true)
        let hmac = ObjectSchema.defaults(for: .secretKey, keyType: .genericSecret)
        #expect(hmac.bool(.sign) == true && hmac.bool(.encrypt) == false)
    }

    @Test func dataAndCertificateDefaults() {
        let data = ObjectSchema.defaults(for: .data, keyType: nil)
        #expect(data.bytes(.value) == [])
        #expect(data.string(.application) == "")
        let cert = ObjectSchema.defaults(for: .certificate, keyType: nil)
        #expect(cert.bool(.trusted) == false)
        #expect(!cert.contains(.sensitive))
    }

    @Test func secretComponents() {
        #expect(ObjectSchema.isSecret(.value, for: .secretKey, keyType: .aes))
        #expect(ObjectSchema.isSecret(.privateExponent, for: .privateKey, keyType: .rsa))
        #expect(ObjectSchema.isSecret(.prime1, for: .privateKey, keyType: .rsa))
        #expect(ObjectSchema.isSecret(.value, for: .privateKey, keyType: .mlDSA))
        #expect(!ObjectSchema.isSecret(.value, for: .publicKey, keyType: .mlDSA))
        #expect(!ObjectSchema.isSecret(.value, for: .data, keyType: nil))
        #expect(!ObjectSchema.isSecret(.modulus, for: .privateKey, keyType: .rsa))
    }
}
