// C_DigestKey against a real cofferd (C/digestkey.c): a key's value digested in order with the data
// around it (SHA-256 "abc"), and the keys policy keeps inside refused with CKR_KEY_INDIGESTIBLE.
import CofferTestSupport
import Foundation
import Testing

@Suite struct DigestKeyTests {
    @Test func digestsExtractableSecretKeysOnly() throws {
        let fixture = try PKCS11Fixture()
        try CProgram.runChecks("digestkey", on: fixture)
    }
}
