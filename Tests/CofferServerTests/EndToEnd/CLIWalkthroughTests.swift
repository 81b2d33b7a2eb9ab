// Issue 3's "Done when" through the real CLI against a real `cofferd --dev`: create a crypto-user,
// generate RSA-3072, EC P-256, ML-DSA-65 and AES-256 keys, sign/verify and encrypt/decrypt files,
// restart the node over the same folder, and do it all again with the same keys.

import CofferTestSupport
import Foundation
import Testing

@Suite(.serialized) struct CLIWalkthroughTests {
    static let signers = ["rsa": "rsa-3072", "ec": "ec-p256", "mldsa": "ml-dsa-65"]

    /// Signs and verifies `file` with each signing key, checks a tampered file fails, and
    /// round-trips the file through AES-GCM.
    func exercise(_ cli: CofferCLI, folder: String, round: Int) throws {
        let file = folder + "/message-\(round).txt"
        let message = "message for round \(round): " + UUID().uuidString
        try message.write(toFile: file, atomically: true, encoding: .utf8)
        let tampered = folder + "/tampered-\(round).txt"
        try (message + "!").write(toFile: tampered, atomically: true, encoding: .utf8)

        for label in Self.signers.keys.sorted() {
            let signature = folder + "/\(label)-\(round).sig"
            try cli.ok(["crypto", "sign", "--key", label, "--in", file, "--out", signature])
            #expect((try? Data(contentsOf: URL(fileURLWithPath: signature)))?.isEmpty == false)
            let verified = try cli.ok([
                "crypto", "verify", "--key", label, "--in", file, "--signature", signature, "--json",
            ])
            #expect(verified.json?["valid"] as? Bool == true)
            let rejected = try cli.fails([
                "crypto", "verify", "--key", label, "--in", tampered, "--signature", signature,
            ])
            #expect(rejected.stderr.contains("CKR_SIGNATURE_INVALID"), "\(label): \(rejected.stderr)")
        }

        // An ECDSA signature in DER, as OpenSSL takes it: verified by Coffer and by openssl with the
        // key's public PEM; the raw form is refused under --format der.
        let der = folder + "/ec-\(round).der"
        try cli.ok(["crypto", "sign", "--key", "ec", "--in", file, "--out", der, "--format", "der"])
        let derBytes = try Data(contentsOf: URL(fileURLWithPath: der))
        #expect(derBytes.first == 0x30 && derBytes.count >= 8 && derBytes.count <= 72)
        try cli.ok(["crypto", "verify", "--key", "ec", "--in", file, "--signature", der, "--format", "der"])
        try cli.fails(["crypto", "verify", "--key", "ec", "--in", file, "--signature", folder + "/ec-\(round).sig", "--format", "der"])
        let shown = try cli.ok(["key", "show", "ec", "--json"])
        let pem = try #require(Self.firstString("public_key_pem", in: shown.json), "\(shown.stdout)")
        let pemFile = folder + "/ec-\(round).pub.pem"
        try pem.write(toFile: pemFile, atomically: true, encoding: .utf8)
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["dgst", "-sha256", "-verify", pemFile, "-signature", der, file]
        openssl.standardOutput = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        #expect(openssl.terminationStatus == 0, "openssl did not verify the DER signature")
        try cli.fails(["crypto", "sign", "--key", "rsa", "--in", file, "--out", der + ".rsa", "--format", "der"])

        let encrypted = folder + "/message-\(round).enc"
        let decrypted = folder + "/message-\(round).dec"
        try cli.ok(["crypto", "encrypt", "--key", "aes", "--in", file, "--out", encrypted])
        let ciphertext = try Data(contentsOf: URL(fileURLWithPath: encrypted))
        #expect(ciphertext.count == message.utf8.count + 12 + 16)
        #expect(ciphertext.range(of: Data(message.utf8)) == nil)
        try cli.ok(["crypto", "decrypt", "--key", "aes", "--in", encrypted, "--out", decrypted])
        #expect(try String(contentsOfFile: decrypted, encoding: .utf8) == message)
    }

    /// The first string under `key` anywhere in `json`.
    static func firstString(_ key: String, in json: Any?) -> String? {
        if let object = json as? [String: Any] {
            if let found = object[key] as? String { return found }
            for value in object.values { if let found = firstString(key, in: value) { return found } }
        }
        if let array = json as? [Any] {
            for value in array { if let found = firstString(key, in: value) { return found } }
        }
        return nil
    }

    func keyLabels(_ cli: CofferCLI) throws -> [String: [String]] {
        let listed = try cli.ok(["key", "list", "--json"])
        let keys = listed.json?["keys"] as? [[String: Any]] ?? []
        var labels: [String: [String]] = [:]
        for key in keys {
            labels[key["label"] as? String ?? "", default: []].append("\(key["handle"] ?? "")/\(key["class"] ?? "")")
        }
        return labels.mapValues { $0.sorted() }
    }

    /// Running a bulk generation again (as after an interrupted run) makes no second set: each batch's
    /// request id comes from the command's arguments, so the node finds the keys the first run made.
    @Test func aRerunOfABulkGenerationMakesNoDuplicates() throws {
        let node = try DevNode()
        defer { node.remove() }
        let (admin, alice, password) = try Self.adminAndAlice(on: node)
        try admin.ok(["user", "create", "--name", "alice", "--role", "crypto-user", "--password-file", password])
        try alice.ok(["login", "--user", "alice", "--password-file", password])

        let command = ["key", "generate-symmetric", "--label", "dup-", "--count", "3"]
        try alice.ok(command)
        let first = try keyLabels(alice)
        try alice.ok(command)
        let again = try keyLabels(alice)
        #expect(again == first)
        #expect(again.keys.sorted() == ["dup-0", "dup-1", "dup-2"])
        #expect(again.values.allSatisfy { $0.count == 1 })
        // Other numbers are other keys.
        try alice.ok(["key", "generate-symmetric", "--label", "dup-", "--count", "2", "--first", "3"])
        #expect(try keyLabels(alice).keys.sorted() == ["dup-0", "dup-1", "dup-2", "dup-3", "dup-4"])
    }

    /// Issue 15 item 5: private keys wrapped out (PKCS#8 under AES-KWP) and unwrapped again through
    /// the CLI sign for the original public keys; a wrong key type or an ML-DSA type is refused.
    @Test func privateKeysWrapAndUnwrapThroughTheCLI() throws {
        let node = try DevNode()
        defer { node.remove() }
        let (admin, alice, password) = try Self.adminAndAlice(on: node)
        try admin.ok(["user", "create", "--name", "alice", "--role", "crypto-user", "--password-file", password])
        try alice.ok(["login", "--user", "alice", "--password-file", password])
        try alice.ok(["key", "generate-symmetric", "--label", "kek"])
        let message = node.folder + "/message.txt"
        try "a key that moved between HSMs\n".write(toFile: message, atomically: true, encoding: .utf8)

        for (label, type, keyType) in [("rsa", "rsa-2048", "rsa"), ("ec", "ec-p384", "ec"), ("ed", "ed25519", "ec-edwards")] {
            try alice.ok(["key", "generate-asymmetric", "--label", label, "--type", type, "--extractable"])
            let blob = node.folder + "/\(label).wrapped"
            try alice.ok(["key", "wrap", "--wrapping-key", "kek", "--key", label, "--out", blob])
            let unwrap = ["key", "unwrap", "--unwrapping-key", "kek", "--in", blob, "--class", "private-key"]
            let wrongType = try alice.fails(unwrap + ["--label", label + "-wrong", "--key-type", keyType == "rsa" ? "ec" : "rsa"])
            #expect(wrongType.stderr.contains("CKR_WRAPPED_KEY_INVALID"), "\(label): \(wrongType.stderr)")
            try alice.ok(unwrap + ["--label", label + "-moved", "--key-type", keyType])

            let signature = node.folder + "/\(label).sig"
            try alice.ok(["crypto", "sign", "--key", label + "-moved", "--in", message, "--out", signature])
            let verified = try alice.ok(["crypto", "verify", "--key", label, "--in", message, "--signature", signature, "--json"])
            #expect(verified.json?["valid"] as? Bool == true, "\(label)")
        }
        let mldsa = try alice.fails([
            "key", "unwrap", "--unwrapping-key", "kek", "--in", node.folder + "/ec.wrapped", "--class", "private-key",
            "--key-type", "ml-dsa", "--label", "pq",
        ])
        #expect(mldsa.stderr.contains("CKR_TEMPLATE_INCONSISTENT"), "\(mldsa.stderr)")
        #expect(try keyLabels(alice)["pq"] == nil)
        #expect(try keyLabels(alice)["ec-wrong"] == nil)
    }

    /// The admin logged in on `node`, a CLI for alice (not made yet), and the file of her password.
    static func adminAndAlice(on node: DevNode) throws -> (admin: CofferCLI, alice: CofferCLI, password: String) {
        let admin = node.cli(config: "admin")
        let password = node.folder + "/alice-password"
        try "correct horse battery staple\n".write(toFile: password, atomically: true, encoding: .utf8)
        try admin.ok(["login", "--user", "admin"], environment: ["COFFER_PASSWORD": try node.adminPassword])
        return (admin, node.cli(config: "alice"), password)
    }

    /// Files over 4 MiB go through multi-part operations in 1 MiB chunks: AES-CTR, CBC-PAD and ECDSA
    /// stream through the node whatever the size (17 MiB here, past the node's 16 MiB multi-part
    /// buffer), GCM goes in segments of single-part calls, Ed25519 up to that buffer (past it
    /// CKR_DATA_LEN_RANGE); a GCM file that fails a tag leaves no output. Kept small: these synchronous CLI runs hold a thread of the test process's
    /// small task pool while they last.
    @Test func largeFilesGoThroughMultiPartOperations() throws {
        let node = try DevNode()
        defer { node.remove() }
        let (admin, alice, password) = try Self.adminAndAlice(on: node)
        try admin.ok(["user", "create", "--name", "alice", "--role", "crypto-user", "--password-file", password])
        try alice.ok(["login", "--user", "alice", "--password-file", password])
        try alice.ok(["key", "generate-symmetric", "--label", "aes", "--bits", "256"])
        try alice.ok(["key", "generate-asymmetric", "--label", "ec", "--type", "ec-p256"])
        try alice.ok(["key", "generate-asymmetric", "--label", "ed", "--type", "ed25519"])

        func file(_ name: String, mebibytes: Int) throws -> String {
            let path = node.folder + "/" + name
            var bytes = Data(count: mebibytes << 20)
            bytes.withUnsafeMutableBytes { buffer in
                for i in stride(from: 0, to: buffer.count, by: 4096) { buffer[i] = UInt8(truncatingIfNeeded: i >> 12) }
            }
            try bytes.write(to: URL(fileURLWithPath: path))
            return path
        }
        func same(_ a: String, _ b: String) throws -> Bool {
            try Data(contentsOf: URL(fileURLWithPath: a)) == Data(contentsOf: URL(fileURLWithPath: b))
        }
        let huge = try file("huge.bin", mebibytes: 17)
        let large = try file("large.bin", mebibytes: 6)
        for (mechanism, input) in [("aes-ctr", huge), ("aes-cbc-pad", large)] {
            try alice.ok(["crypto", "encrypt", "--key", "aes", "--mechanism", mechanism, "--in", input, "--out", input + ".\(mechanism)"])
            try alice.ok([
                "crypto", "decrypt", "--key", "aes", "--mechanism", mechanism, "--in", input + ".\(mechanism)", "--out",
                input + ".\(mechanism).out",
            ])
            #expect(try same(input, input + ".\(mechanism).out"), "\(mechanism)")
        }
        // GCM goes in 1 MiB segments, each its own call: past the node's multi-part buffer too.
        try alice.ok(["crypto", "encrypt", "--key", "aes", "--in", huge, "--out", huge + ".gcm"])
        let sealed = try Data(contentsOf: URL(fileURLWithPath: huge + ".gcm"))
        #expect(sealed.prefix(16) == Data("coffer-gcm-seg1\n".utf8))
        #expect(sealed.count == 20 + 17 * (12 + (1 << 20) + 16))
        try alice.ok(["crypto", "decrypt", "--key", "aes", "--in", huge + ".gcm", "--out", huge + ".out"])
        #expect(try same(huge, huge + ".out"))
        // Cut at a segment boundary: the new last segment was not sealed as the last one.
        try sealed.prefix(20 + 3 * (12 + (1 << 20) + 16)).write(to: URL(fileURLWithPath: huge + ".cut"))
        let cut = try alice.fails(["crypto", "decrypt", "--key", "aes", "--in", huge + ".cut", "--out", huge + ".cut.out"])
        #expect(cut.stderr.contains("CKR_ENCRYPTED_DATA_INVALID"), "\(cut.stderr)")
        try alice.ok(["crypto", "encrypt", "--key", "aes", "--in", large, "--out", large + ".gcm"])
        try alice.ok(["crypto", "sign", "--key", "ec", "--in", large, "--out", large + ".sig"])
        try alice.ok(["crypto", "verify", "--key", "ec", "--in", large, "--signature", large + ".sig"])

        // A flipped byte: the tag fails, and no output file is left behind.
        var tampered = try Data(contentsOf: URL(fileURLWithPath: large + ".gcm"))
        tampered[3_000_000] ^= 1
        try tampered.write(to: URL(fileURLWithPath: large + ".bad"))
        let refused = try alice.fails(["crypto", "decrypt", "--key", "aes", "--in", large + ".bad", "--out", large + ".bad.out"])
        #expect(refused.stderr.contains("CKR_ENCRYPTED_DATA_INVALID"), "\(refused.stderr)")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: node.folder).filter { $0.hasPrefix("large.bin.bad.out") }
        #expect(leftovers.isEmpty, "\(leftovers)")
        // ECDSA hashes each chunk on the node: past the multi-part buffer it signs, and the signature
        // is the one-shot signature's equal (verified, and refused for a changed file).
        try alice.ok(["crypto", "sign", "--key", "ec", "--in", huge, "--out", huge + ".sig"])
        try alice.ok(["crypto", "verify", "--key", "ec", "--in", huge, "--signature", huge + ".sig"])
        try alice.fails(["crypto", "verify", "--key", "ec", "--in", large, "--signature", huge + ".sig"])
        // Ed25519 needs the whole message: past the buffer it is refused with its CKR, not a broken stream.
        let tooLong = try alice.fails(["crypto", "sign", "--key", "ed", "--in", huge, "--out", huge + ".sig"])
        #expect(tooLong.stderr.contains("CKR_DATA_LEN_RANGE"), "\(tooLong.stderr)")
    }

    @Test func walkthroughSurvivesARestart() throws {
        let node = try DevNode()
        defer { node.remove() }
        let (admin, alice, password) = try Self.adminAndAlice(on: node)
        let created = try admin.ok([
            "user", "create", "--name", "alice", "--role", "crypto-user", "--password-file", password, "--json",
        ])
        #expect(created.json?["role"] as? String == "crypto-user")

        try alice.ok(["login", "--user", "alice", "--password-file", password])
        let session = try FileManager.default.attributesOfItem(atPath: alice.configDirectory + "/session.json")
        #expect((session[.posixPermissions] as? Int) == 0o600)
        for (label, type) in Self.signers {
            let generated = try alice.ok(["key", "generate-asymmetric", "--label", label, "--type", type, "--json"])
            #expect(generated.json?["private_handle"] != nil)
        }
        try alice.ok(["key", "generate-symmetric", "--label", "aes", "--bits", "256"])
        let before = try keyLabels(alice)
        // The common options may come before the command too.
        let first = try alice.ok(["--profile", alice.profile, "--json", "key", "list"])
        #expect(first.json != nil, "\(first.stdout)")
        #expect(Set(before.keys) == ["rsa", "ec", "mldsa", "aes"])
        #expect(before["rsa"]?.count == 2 && before["aes"]?.count == 1)

        try exercise(alice, folder: node.folder, round: 1)

        try node.restart()
        // Logins do not outlive the node process: the CLI says so, and how to log in again.
        let forgotten = try alice.fails(["key", "list"])
        #expect(forgotten.stderr.contains("CKR_USER_NOT_LOGGED_IN"), "\(forgotten.stderr)")
        #expect(forgotten.stderr.contains("coffer login --user"), "\(forgotten.stderr)")
        try alice.ok(["login", "--user", "alice", "--password-file", password])
        #expect(try keyLabels(alice) == before)
        try exercise(alice, folder: node.folder, round: 2)

        try alice.ok(["logout"])
        #expect(!FileManager.default.fileExists(atPath: alice.configDirectory + "/session.json"))
        try alice.fails(["key", "list"])
    }
}
