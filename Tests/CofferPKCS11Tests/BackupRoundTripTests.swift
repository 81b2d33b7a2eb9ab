// Issue 12's round trip through the library: keys of every type (AES, HMAC, EC, Ed25519, ML-DSA,
// RSA) of two users; a backup made while a third process signs; restored into a brand-new node that
// the original shares unseal. There each user logs in with the password, sees exactly the handles
// recorded before, and every key proves itself (C/roundtrip.c): AES keys decrypt what the original
// keys encrypted, HMAC keys verify the original tags, public keys have the original values and verify
// the original signatures, private keys sign anew under those public keys. On a dev node (SQLite)
// here, and on the etcd cluster in ClusterStormTests. 1,000 keys in CI (a debug build checks about 25
// keys a second); COFFER_ROUNDTRIP_KEYS=10000 is the measured full size (docs/benchmarks.md).
import CofferTestSupport
import Foundation
import Testing

@Suite struct BackupRoundTripTests {
    /// How many keys on a dev node.
    static let keys = Int(ProcessInfo.processInfo.environment["COFFER_ROUNDTRIP_KEYS"] ?? "") ?? 1_000

    @Test func keysOfEveryTypeComeBackFromABackupMadeUnderLoad() throws {
        let fixture = try PKCS11Fixture()
        let node = fixture.node
        let admin = node.cli(config: "admin")
        try BackupRoundTrip(
            folder: node.folder, configuration: fixture.configuration, admin: admin, user: { node.cli(config: $0) }
        ).run(keys: Self.keys) { backup in
            // A new SQLite node restores the file; the dev node's one share unseals it.
            let port = try DevNode.freePort()
            let target = node.folder + "/restored"
            let restored = Process()
            restored.executableURL = URL(fileURLWithPath: DevNode.binaries + "/cofferd")
            restored.arguments = ["--data-dir", target, "--listen", "127.0.0.1:\(port)", "--restore", backup]
            let logPath = node.folder + "/restored.log"
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            restored.standardOutput = log
            restored.standardError = log
            try restored.run()
            let output = { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
            for _ in 0..<300 where !output().contains("join endpoint") && restored.isRunning { Thread.sleep(forTimeInterval: 0.2) }
            try #require(output().contains("backup restored"), "\(output())")
            let share = try String(contentsOfFile: node.dataDirectory + "/dev-unseal-share", encoding: .utf8)
            try admin.ok(
                ["cluster", "unseal", "--bootstrap", "127.0.0.1:\(port)", "--bootstrap-ca", target + "/bootstrap/ca.pem"], stdin: share)
            for _ in 0..<300 where !output().contains("(unsealed)") { Thread.sleep(forTimeInterval: 0.2) }
            try #require(output().contains("(unsealed)"), "\(output())")
            // The library's configuration pointed at it (same CA and client certificate).
            let restoredConfiguration = node.dataDirectory + "/client/coffer-pkcs11-restored.conf"
            try BackupRoundTrip.configuration(fixture.configuration, endpoints: ["127.0.0.1:\(port)"], writtenTo: restoredConfiguration)
            return (restoredConfiguration, {
                kill(restored.processIdentifier, SIGKILL)
                restored.waitUntilExit()
            })
        }
    }
}

/// One round trip: users, keys, proofs, a backup under load, a restore, the check.
struct BackupRoundTrip {
    let folder: String
    /// The library's configuration for the source.
    let configuration: String
    /// An admin CLI, logged in, on the source.
    let admin: CofferCLI
    /// A CLI on the source with a config dir of its own per name.
    let user: (String) -> CofferCLI

    /// Writes a copy of the library configuration at `path` that lists `endpoints`.
    static func configuration(_ source: String, endpoints: [String], writtenTo path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: source))
        var configuration = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        configuration["endpoints"] = endpoints
        try JSONSerialization.data(withJSONObject: configuration).write(to: URL(fileURLWithPath: path))
    }

    /// `n` keys: 90% AES (alice), the rest HMAC, EC, Ed25519, ML-DSA-65 and RSA-2048 (alice) and HMAC
    /// and EC (bob). `restore` brings the backup at the path it gets into a new node and returns the
    /// library configuration that reaches it, and how to stop it.
    func run(keys n: Int, restore: (String) throws -> (configuration: String, stop: () -> Void)) throws {
        let (hmac, ec, ed, mldsa, rsa) = (n * 3 / 100, max(1, n * 15 / 1000), max(1, n / 100), max(1, n * 4 / 1000), max(1, n / 1000))
        let (bobHMAC, bobEC) = (n * 3 / 100, max(1, n / 100))
        let pairs = ec + ed + mldsa + rsa
        let aes = n - hmac - pairs - bobHMAC - bobEC
        let tag = UUID().uuidString.prefix(6).lowercased()
        var pins: [String: String] = [:]
        for name in ["alice", "bob"] {
            let password = "\(name)'s round-trip password \(tag)"
            let file = folder + "/rt-\(name)-\(tag)-password"
            try (password + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            try admin.ok(["user", "create", "--name", "rt-\(name)-\(tag)", "--role", "crypto-user", "--password-file", file])
            pins[name] = "rt-\(name)-\(tag):\(password)"
            if name == "alice" {
                let alice = user("rt-alice-\(tag)")
                try alice.ok(["login", "--user", "rt-alice-\(tag)", "--password-file", file])
                try alice.ok(["key", "generate-symmetric", "--label", "bulk", "--count", "\(aes)"])
            }
        }
        let (alicePIN, bobPIN) = (pins["alice"]!, pins["bob"]!)

        let program = try #require(try CProgram.compile("roundtrip", in: folder))
        func run(_ pin: String, _ arguments: [String], configuration: String? = nil) throws -> Tool {
            let result = try program.run(
                configuration: configuration ?? self.configuration, [PKCS11Fixture.library, pin] + arguments, folder: folder)
            #expect(result.status == 0 && result.stdout.contains(" 0 failed"), "\(arguments): \(result.stdout)\(result.stderr)")
            return result
        }
        let started = Date()
        _ = try run(alicePIN, ["make", "\(hmac)", "\(ec)", "\(ed)", "\(mldsa)", "\(rsa)"])
        _ = try run(bobPIN, ["make", "\(bobHMAC)", "\(bobEC)", "0", "0", "0"])
        let proofs = (alice: folder + "/alice-\(tag).proofs", bob: folder + "/bob-\(tag).proofs")
        let recordedAlice = try run(alicePIN, ["record", proofs.alice])
        let recordedBob = try run(bobPIN, ["record", proofs.bob])
        #expect(recordedAlice.stdout.contains("recorded \(aes + hmac + 2 * pairs) objects"), "\(recordedAlice.stdout)")
        #expect(recordedBob.stdout.contains("recorded \(bobHMAC + 2 * bobEC) objects"), "\(recordedBob.stdout)")
        print("\(n) keys made and recorded in \(Int(Date().timeIntervalSince(started))) s")

        // The backup, made while alice signs in another process.
        let stop = folder + "/stop-load-\(tag)"
        let load = try program.start(
            configuration: configuration, [PKCS11Fixture.library, alicePIN, "load", stop], folder: folder, name: "load-\(tag)")
        let loadOutput = { (try? String(contentsOfFile: folder + "/load-\(tag).out", encoding: .utf8)) ?? "" }
        for _ in 0..<600 where !loadOutput().contains("signing") && load.isRunning { Thread.sleep(forTimeInterval: 0.1) }
        try #require(loadOutput().contains("signing"), "\(loadOutput())")
        let backup = folder + "/round-trip-\(tag).coffer"
        let made = try admin.ok(["--json", "backup", "create", "--out", backup]).json
        Thread.sleep(forTimeInterval: 0.5)
        _ = FileManager.default.createFile(atPath: stop, contents: nil)
        load.waitUntilExit()
        #expect(load.terminationStatus == 0 && loadOutput().contains("errors 0"), "\(loadOutput())")
        let figures = loadOutput().split(separator: "\n").first { $0.hasPrefix("signatures") } ?? ""
        print("backup of \(made?["records"] ?? "?") records made while signing: \(figures)")

        let (restoredConfiguration, stopRestored) = try restore(backup)
        defer { stopRestored() }
        let checking = Date()
        let checkedAlice = try run(alicePIN, ["check", proofs.alice], configuration: restoredConfiguration)
        let checkedBob = try run(bobPIN, ["check", proofs.bob], configuration: restoredConfiguration)
        #expect(
            checkedAlice.stdout.contains(
                "checked \(aes + hmac + 2 * pairs) objects: \(aes) AES, \(hmac) HMAC, \(pairs) public, \(pairs) private keys"),
            "\(checkedAlice.stdout)")
        #expect(
            checkedBob.stdout.contains(
                "checked \(bobHMAC + 2 * bobEC) objects: 0 AES, \(bobHMAC) HMAC, \(bobEC) public, \(bobEC) private keys"),
            "\(checkedBob.stdout)")
        print("\(n) keys checked on the restored node in \(Int(Date().timeIntervalSince(checking))) s")
    }
}
