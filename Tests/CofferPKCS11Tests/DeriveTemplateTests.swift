// C_DeriveKey with generic templates against a real cofferd (C/derive.c): ECDH on three curves and
// HKDF into templates with and without class, key type and length.
import CofferTestSupport
import Foundation
import Testing

@Suite struct DeriveTemplateTests {
    @Test func ordinaryTemplatesGetTheSpecificationsDefaults() throws {
        let fixture = try PKCS11Fixture()
        try CProgram.runChecks("derive", on: fixture)
    }
}
