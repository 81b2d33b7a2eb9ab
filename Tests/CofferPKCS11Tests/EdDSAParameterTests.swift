// CKM_EDDSA's parameter against a real cofferd (C/eddsa.c): a pure Ed25519 signature verifies with
// no parameter, and any CK_EDDSA_PARAMS (Ed25519ctx or Ed25519ph's domain) is refused.
import CofferTestSupport
import Foundation
import Testing

/// CKM_EDDSA's parameter against a real cofferd (C/eddsa.c): pure Ed25519 only without one.
@Suite struct EdDSAParameterTests {
    @Test func eddsaParametersAreNotPureEd25519() throws {
        let fixture = try PKCS11Fixture()
        let folder = fixture.node.folder
        guard let program = try CProgram.compile("eddsa", in: folder) else { return }
        let result = try program.run(configuration: fixture.configuration, [PKCS11Fixture.library, fixture.pin], folder: folder)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains(" 0 failed"), "\(result.stdout)")
    }
}
