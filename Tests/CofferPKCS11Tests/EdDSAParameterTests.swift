// CKM_EDDSA against a real cofferd: a pure Ed25519 signature verifies with no parameter, and any
// CK_EDDSA_PARAMS (Ed25519ctx or Ed25519ph's domain) is refused (C/eddsa.c); Ed448 keys are made,
// imported and used, matching RFC 8032 (C/ed448.c).
import CofferTestSupport
import Foundation
import Testing

/// CKM_EDDSA's parameter against a real cofferd (C/eddsa.c): pure Ed25519 only without one.
@Suite struct EdDSAParameterTests {
    @Test func eddsaParametersAreNotPureEd25519() throws {
        let fixture = try PKCS11Fixture()
        try CProgram.runChecks("eddsa", on: fixture)
    }

    @Test func ed448KeysSignAndVerify() throws {
        let fixture = try PKCS11Fixture()
        try CProgram.runChecks("ed448", on: fixture)
    }
}
