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
        guard let result = try CProgram.runChecks("logins", on: fixture, ["25"], libraries: ["-lpthread"]) else { return }
        print(result.stdout.split(separator: "\n").suffix(1).joined())
    }
}
