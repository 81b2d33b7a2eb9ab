// Issue 14, admin operations from the admin workstation only: dev mode makes an admin-workstation
// certificate (the CLI's profile) and an application certificate (the PKCS#11 config's). Over the
// application certificate the admin cannot log in, even with the right password, and the error
// says why; crypto-users work over either; an admin still cannot use keys over the workstation's.
// Admins issue more certificates of either profile, and those behave the same.

import CofferTestSupport
import Foundation
import Testing

@Suite struct CLIClientProfileTests {
    /// A CLI over the dev bundle's application certificate (its PKCS#11 config is a profile too).
    static func applicationCLI(_ node: DevNode, config: String) -> CofferCLI {
        CofferCLI(configDirectory: node.folder + "/config-" + config, profile: node.dataDirectory + "/client/coffer-pkcs11.conf")
    }

    static func subject(_ certificate: String) throws -> String {
        try Tool.run("openssl", ["x509", "-in", certificate, "-noout", "-subject"], folder: (certificate as NSString).deletingLastPathComponent).stdout
    }

    @Test func adminsLogInOnlyFromAnAdminWorkstation() throws {
        let node = try DevNode()
        defer { node.remove() }
        let client = node.dataDirectory + "/client"
        #expect(try Self.subject(client + "/client.pem").contains("OU = admin-workstation"))
        #expect(try Self.subject(client + "/application.pem").contains("OU = application"))
        let mode = try FileManager.default.attributesOfItem(atPath: client + "/application-key.pem")[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let adminPassword = try node.adminPassword
        let refused = try Self.applicationCLI(node, config: "admin-app").fails(
            ["login", "--user", "admin"], environment: ["COFFER_PASSWORD": adminPassword])
        #expect(refused.stderr.contains("CKR_USER_TYPE_INVALID") && refused.stderr.contains("admin workstation"), "\(refused.stderr)")
        // A wrong password over it still says only that the password is wrong.
        let wrong = try Self.applicationCLI(node, config: "admin-app").fails(
            ["login", "--user", "admin"], environment: ["COFFER_PASSWORD": "not the password"])
        #expect(wrong.stderr.contains("CKR_PIN_INCORRECT") && !wrong.stderr.contains("workstation"), "\(wrong.stderr)")

        let (admin, alice, password) = try CLIWalkthroughTests.adminAndAlice(on: node)
        try admin.ok(["user", "create", "--name", "alice", "--role", "crypto-user", "--password-file", password])
        // Crypto-users work over the application certificate and over the workstation's.
        let aliceApp = Self.applicationCLI(node, config: "alice-app")
        try aliceApp.ok(["login", "--user", "alice", "--password-file", password])
        try aliceApp.ok(["key", "generate-symmetric", "--label", "over-application"])
        try alice.ok(["login", "--user", "alice", "--password-file", password])
        try alice.ok(["key", "generate-symmetric", "--label", "over-workstation"])
        // The admin still uses no keys, whatever the certificate.
        let adminKey = try admin.fails(["key", "generate-symmetric", "--label", "admins-key"])
        #expect(adminKey.stderr.contains("CKR_"), "\(adminKey.stderr)")

        // More certificates: an application's lets alice in and keeps the admin out; a second
        // workstation's lets the admin in. Crypto-users may not issue them; bad input is refused.
        let issuedApp = node.folder + "/issued-app"
        try admin.ok(["cluster", "issue-certificate", "--certificate-profile", "application", "--name", "billing-service", "--out", issuedApp])
        #expect(try Self.subject(issuedApp + "/client.pem").contains("CN = billing-service"))
        let keyMode = try FileManager.default.attributesOfItem(atPath: issuedApp + "/client-key.pem")[.posixPermissions] as? Int
        #expect(keyMode == 0o600)
        let billing = CofferCLI(configDirectory: node.folder + "/config-billing", profile: issuedApp + "/profile.json")
        try billing.ok(["login", "--user", "alice", "--password-file", password])
        #expect(try billing.ok(["--json", "key", "list"]).json?["keys"] as? [[String: Any]] != nil)
        let adminOverIssued = CofferCLI(configDirectory: node.folder + "/config-admin-issued", profile: issuedApp + "/profile.json")
        let again = try adminOverIssued.fails(["login", "--user", "admin"], environment: ["COFFER_PASSWORD": adminPassword])
        #expect(again.stderr.contains("admin workstation"), "\(again.stderr)")

        let issuedWorkstation = node.folder + "/issued-workstation"
        try admin.ok(["cluster", "issue-certificate", "--certificate-profile", "admin-workstation", "--name", "second-desk", "--out", issuedWorkstation])
        let desk = CofferCLI(configDirectory: node.folder + "/config-desk", profile: issuedWorkstation + "/profile.json")
        try desk.ok(["login", "--user", "admin"], environment: ["COFFER_PASSWORD": adminPassword])
        try desk.ok(["user", "list"])

        #expect(try alice.fails(["cluster", "issue-certificate", "--certificate-profile", "application", "--name", "x", "--out", node.folder + "/x"])
            .stderr.contains("crypto-user"))
        #expect(try admin.fails(["cluster", "issue-certificate", "--certificate-profile", "root", "--name", "x", "--out", node.folder + "/x"])
            .stderr.contains("admin-workstation or application"))
        #expect(try admin.fails(["cluster", "issue-certificate", "--certificate-profile", "application", "--name", "a,b", "--out", node.folder + "/x"])
            .stderr.contains("certificate name"))
    }
}
