// Issue 14's key attestation through real processes: a key generated inside Coffer and never
// extractable is attested by the cluster CA; the certificate verifies offline with `coffer attest
// verify` and with openssl, answers the relying party's nonce, and certifies the key's own public
// key; a key unwrapped from outside says CKA_LOCAL false; an edited attestation, another nonce
// and another CA are refused.

import CofferTestSupport
import Foundation
import Testing

@Suite struct CLIKeyAttestationTests {
    static func openssl(_ arguments: [String], in folder: String) throws -> Int32 {
        try Tool.run("openssl", arguments, folder: folder).status
    }

    @Test func attestationsVerifyOfflineAndTellGeneratedFromImportedKeys() throws {
        let node = try DevNode()
        defer { node.remove() }
        let (admin, alice, password) = try CLIWalkthroughTests.adminAndAlice(on: node)
        try admin.ok(["user", "create", "--name", "alice", "--role", "crypto-user", "--password-file", password])
        try alice.ok(["login", "--user", "alice", "--password-file", password])
        let folder = node.folder
        let nonce = String(repeating: "5a", count: 32)

        // Generated inside, never extractable.
        try alice.ok(["key", "generate-asymmetric", "--label", "signer", "--type", "ec-p256"])
        let made = try alice.ok([
            "--json", "key", "attest", "signer", "--nonce", nonce, "--out", folder + "/signer.pem", "--ca-out", folder + "/ca.pem",
        ]).json
        #expect(made?["class"] as? String == "private-key" && made?["local"] as? Bool == true, "\(String(describing: made))")
        let checked = try alice.ok([
            "--json", "attest", "verify", folder + "/signer.pem", "--ca", folder + "/ca.pem", "--nonce", nonce,
        ]).json
        #expect(checked?["valid"] as? Bool == true && checked?["local"] as? Bool == true)
        #expect(checked?["never_extractable"] as? Bool == true && checked?["always_sensitive"] as? Bool == true)
        #expect(checked?["extractable"] as? Bool == false && checked?["owner"] as? String == "alice")
        #expect(checked?["certificate_key"] as? String == "subject" && checked?["key_type"] as? String == "CKK_EC")
        #expect(checked?["label"] as? String == "signer" && checked?["nonce"] as? String == nonce)
        // Ordinary tools check the chain, and read the claims.
        #expect(try Self.openssl(["verify", "-CAfile", folder + "/ca.pem", folder + "/signer.pem"], in: folder) == 0)

        // Unwrapped from outside: CKA_LOCAL false, and it was extractable once.
        try alice.ok(["key", "generate-symmetric", "--label", "kek"])
        try alice.ok(["key", "generate-asymmetric", "--label", "moving", "--type", "ec-p256", "--extractable"])
        try alice.ok(["key", "wrap", "--wrapping-key", "kek", "--key", "moving", "--out", folder + "/moving.wrapped"])
        try alice.ok([
            "key", "unwrap", "--unwrapping-key", "kek", "--in", folder + "/moving.wrapped", "--class", "private-key",
            "--key-type", "ec", "--label", "imported",
        ])
        try alice.ok(["key", "attest", "imported", "--out", folder + "/imported.pem"])
        let imported = try alice.ok(["--json", "attest", "verify", folder + "/imported.pem", "--ca", folder + "/ca.pem"]).json
        #expect(imported?["local"] as? Bool == false && imported?["never_extractable"] as? Bool == false, "\(String(describing: imported))")
        // A secret key has no public key: the certificate's key is a one-off one, and says so.
        try alice.ok(["key", "attest", "kek", "--out", folder + "/kek.pem"])
        let secret = try alice.ok(["--json", "attest", "verify", folder + "/kek.pem", "--ca", folder + "/ca.pem"]).json
        #expect(secret?["class"] as? String == "secret-key" && secret?["certificate_key"] as? String == "none")

        // An edited attestation (the claims' "local" changed), another nonce, another CA.
        let pem = try String(contentsOfFile: folder + "/signer.pem", encoding: .utf8)
        let der = try #require(Data(base64Encoded: pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()))
        let claim = Data("\"local\":true".utf8)
        let at = try #require(der.range(of: claim))
        var edited = der
        edited.replaceSubrange(at, with: Data("\"local\":fals".utf8))
        let editedPEM = "-----BEGIN CERTIFICATE-----\n" + edited.base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
            + "\n-----END CERTIFICATE-----\n"
        try editedPEM.write(toFile: folder + "/edited.pem", atomically: true, encoding: .utf8)
        let editedCheck = try alice.fails(["attest", "verify", folder + "/edited.pem", "--ca", folder + "/ca.pem"])
        #expect(editedCheck.stderr.contains("not valid"), "\(editedCheck.stderr)")
        #expect(try Self.openssl(["verify", "-CAfile", folder + "/ca.pem", folder + "/edited.pem"], in: folder) != 0)
        let replay = try alice.fails([
            "attest", "verify", folder + "/signer.pem", "--ca", folder + "/ca.pem", "--nonce", String(repeating: "6b", count: 32),
        ])
        #expect(replay.stderr.contains("another nonce"), "\(replay.stderr)")
        let other = try DevNode()
        defer { other.remove() }
        let otherCA = other.dataDirectory + "/client/ca.pem"
        let foreign = try alice.fails(["attest", "verify", folder + "/signer.pem", "--ca", otherCA])
        #expect(foreign.stderr.contains("does not chain"), "\(foreign.stderr)")
        // Bad input: a nonce that is not hex, an object that is not a key.
        let badNonce = try alice.fails(["key", "attest", "signer", "--nonce", "xyz", "--out", folder + "/x.pem"])
        #expect(badNonce.stderr.contains("--nonce"), "\(badNonce.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/x.pem"))
    }
}
