// C_DigestKey against a real cofferd (C/digestkey.c): a key's value digested in order with the data
// around it (SHA-256 "abc"), and the keys policy keeps inside refused with CKR_KEY_INDIGESTIBLE.
import CofferTestSupport
import Foundation
import Testing

@Suite struct DigestKeyTests {
    @Test func digestsExtractableSecretKeysOnly() throws {
        let fixture = try PKCS11Fixture()
        let folder = fixture.node.folder
        guard let program = try CProgram.compile("digestkey", in: folder) else { return }
        let result = try program.run(configuration: fixture.configuration, [PKCS11Fixture.library, fixture.pin], folder: folder)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains(" 0 failed"), "\(result.stdout)")
    }
}
