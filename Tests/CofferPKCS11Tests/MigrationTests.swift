// Issue 15 item 5: private keys move from another HSM into Coffer as real migrations do it, wrapped
// as PKCS#8 under AES key wrap with padding (C/migrate.c, SoftHSM2 on one side, Coffer on the other).
import CofferTestSupport
import Foundation
import Testing

@Suite struct MigrationTests {
    @Test func privateKeysWrappedInSoftHSM2SignInCoffer() throws {
        let token = try SoftHSMToken(label: "migrate")
        defer { token.cleanUp() }
        let fixture = try PKCS11Fixture()
        try CProgram.runChecks(
            "migrate", on: fixture, [SoftHSMToken.module, SoftHSMToken.pin], environment: token.environment)
    }
}
