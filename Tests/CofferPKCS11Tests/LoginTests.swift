// The application's login under threads against a real cofferd (C/logins.c): 16 threads race
// C_Login (one CKR_OK, the rest CKR_USER_ALREADY_LOGGED_IN), then open, log in again, use and close
// sessions of their own for many rounds next to a session each keeps; C_Logout and closing the last
// session end the login for every session.
import CofferTestSupport
import Foundation
import Testing

@Suite struct LoginTests {
    @Test func racingLoginsAndSessionChurnLoseNoSession() throws {
        let fixture = try PKCS11Fixture()
        let folder = fixture.node.folder
        guard let program = try CProgram.compile("logins", in: folder, libraries: ["-lpthread"]) else { return }
        let result = try program.run(configuration: fixture.configuration, [PKCS11Fixture.library, fixture.pin, "25"], folder: folder)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains(" 0 failed"), "\(result.stdout)")
        print(result.stdout.split(separator: "\n").suffix(1).joined())
    }
}
