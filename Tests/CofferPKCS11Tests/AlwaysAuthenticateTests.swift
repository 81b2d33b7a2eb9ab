// CKA_ALWAYS_AUTHENTICATE against a real cofferd: C/alwaysauth.c checks the rules of the
// context-specific login, and pkcs11-tool, which does that login itself, signs with such a key.
import CofferTestSupport
import Foundation
import Testing

@Suite struct AlwaysAuthenticateTests {
    @Test func eachUseNeedsAContextSpecificLogin() throws {
        let fixture = try PKCS11Fixture()
        guard try CProgram.runChecks("alwaysauth", on: fixture) != nil else { return }

        try fixture.pkcs11ToolOK([
            "--login", "--pin", fixture.pin, "--keypairgen", "--key-type", "EC:prime256v1", "--label", "always", "--id", "a1",
            "--always-auth",
        ])
        try "signed with a context-specific login\n".write(toFile: fixture.node.folder + "/always.txt", atomically: true, encoding: .utf8)
        try fixture.pkcs11ToolOK([
            "--login", "--pin", fixture.pin, "--sign", "-m", "ECDSA-SHA256", "--id", "a1", "-i", "always.txt", "-o", "always.sig",
        ])
        try fixture.pkcs11ToolOK([
            "--login", "--pin", fixture.pin, "--verify", "-m", "ECDSA-SHA256", "--id", "a1", "-i", "always.txt",
            "--signature-file", "always.sig",
        ])
        let listing = try fixture.pkcs11ToolOK(["--login", "--pin", fixture.pin, "-O", "--id", "a1"])
        #expect(listing.stdout.contains("always authenticate"), "\(listing.stdout)")
    }
}
