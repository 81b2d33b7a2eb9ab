// Issue 12, first part, with real processes: `coffer backup create` through a dev node, `coffer
// backup verify` offline (and its refusals of changed, cut and lengthened files), `coffer backup
// restore-key` bringing a deleted key pair back into the live node, and
// `cofferd --restore` into a brand-new node that the original cluster's share unseals: same handles,
// the user logs in with her password, signatures made before verify, a file encrypted before
// decrypts. A changed backup (a flipped byte, or a record swapped in from a later backup) restores
// nothing, and restoring over a cluster is refused.

import CofferTestSupport
import Foundation
import Testing

@Suite(.serialized) struct CLIBackupTests {
    /// A cofferd started with `arguments` (output in `log`), and a wait for a line in its output.
    final class Node {
        let process = Process()
        let log: String

        init(_ arguments: [String], log: String) throws {
            self.log = log
            process.executableURL = URL(fileURLWithPath: DevNode.binaries + "/cofferd")
            process.arguments = arguments
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
        }

        var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

        /// Waits up to 60 s for `text` in the output (or for the process to exit).
        func wait(for text: String) -> Bool {
            for _ in 0..<300 {
                if output.contains(text) { return true }
                if !process.isRunning { return output.contains(text) }
                Thread.sleep(forTimeInterval: 0.2)
            }
            return false
        }

        deinit { if process.isRunning { process.terminate(); process.waitUntilExit() } }
    }

    /// The records of a backup file (docs/backup.md's layout): each store key and the byte range of
    /// the whole record (both lengths included).
    static func records(in file: Data) throws -> [(key: Data, range: Range<Int>)] {
        let bytes = [UInt8](file)
        func length(at offset: Int) throws -> Int {
            guard offset + 4 <= bytes.count else { throw DevNodeError(message: "cut short at \(offset)") }
            return bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
        }
        let headerLength = try length(at: 10)
        let header = try JSONSerialization.jsonObject(with: Data(bytes[14..<14 + headerLength])) as? [String: Any]
        let count = try #require(header?["records"] as? Int)
        var offset = 14 + headerLength
        var found: [(key: Data, range: Range<Int>)] = []
        for _ in 0..<count {
            let start = offset
            let keyLength = try length(at: offset)
            let key = Data(bytes[offset + 4..<offset + 4 + keyLength])
            offset += 4 + keyLength
            offset += 4 + (try length(at: offset))
            found.append((key, start..<offset))
        }
        return found
    }

    /// A dev node whose config file (in a new folder, returned) schedules a backup every second into
    /// `<folder>/backups`, keeping `retention`.
    static func scheduledNode(_ name: String, retention: Int) throws -> (DevNode, String) {
        let folder = NSTemporaryDirectory() + "coffer-\(name)-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let config = folder + "/cofferd.json"
        try #"{"backup": {"intervalSeconds": 1, "folder": "backups", "retention": \#(retention)}}"#
            .write(toFile: config, atomically: true, encoding: .utf8)
        return (try DevNode(extraArguments: ["--config", config]), folder)
    }

    static func flipped(_ data: Data, at index: Int) -> Data {
        var copy = data
        copy[index] ^= 1
        return copy
    }

    @Test func aBackupVerifiesAndRestoresIntoANewNode() throws {
        let source = try DevNode()
        defer { source.remove() }
        let (admin, alice, password) = try CLIWalkthroughTests.adminAndAlice(on: source)
        try admin.ok(["user", "create", "--name", "alice", "--role", "crypto-user", "--password-file", password])
        try alice.ok(["login", "--user", "alice", "--password-file", password])
        for (label, type) in [("ec", "ec-p256"), ("rsa", "rsa-2048"), ("ed", "ed25519"), ("pq", "ml-dsa-65")] {
            try alice.ok(["key", "generate-asymmetric", "--label", label, "--type", type])
        }
        try alice.ok(["key", "generate-symmetric", "--label", "aes"])
        let folder = source.folder
        let message = folder + "/message.txt"
        try "kept across a restore\n".write(toFile: message, atomically: true, encoding: .utf8)
        for label in ["ec", "rsa", "ed", "pq"] {
            try alice.ok(["crypto", "sign", "--key", label, "--in", message, "--out", folder + "/\(label).sig"])
        }
        try alice.ok(["crypto", "encrypt", "--key", "aes", "--in", message, "--out", folder + "/message.enc"])
        let handles = try alice.ok(["key", "list", "--json"]).json?["keys"] as? [[String: Any]] ?? []
        #expect(handles.count == 9)

        // Made by the admin (a crypto-user may not), checked offline.
        let refused = try alice.fails(["backup", "create", "--out", folder + "/alice.coffer"])
        #expect(refused.stderr.contains("CKR_"), "\(refused.stderr)")
        let backup = folder + "/cluster.coffer"
        let made = try admin.ok(["--json", "backup", "create", "--out", backup]).json
        let records = try #require(made?["records"] as? Int)
        // seal, CA and cluster name, the node's member record and the allowed binaries, two users and
        // their names, nine objects
        #expect(records == 1 + 2 + 2 + 2 + 2 + 9)
        let attributes = try FileManager.default.attributesOfItem(atPath: backup)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let verified = try admin.ok(["--json", "backup", "verify", backup]).json
        #expect(verified?["valid"] as? Bool == true && verified?["records"] as? Int == records)
        #expect(verified?["ca_checked"] as? Bool == true)
        #expect((verified?["kinds"] as? [String: Int])?["objects"] == 9)
        // Against the live cluster: every sealed record opens under its domain key; a crypto-user may not ask.
        let opened = try admin.ok(["--json", "backup", "verify", backup, "--open-records"]).json?["opened"] as? [String: Any]
        #expect(opened?["objects"] as? Int == 9 && opened?["users"] as? Int == 2, "\(String(describing: opened))")
        #expect((opened?["system"] as? Int ?? 0) >= 2 && (opened?["plain"] as? Int ?? 0) >= 2, "\(String(describing: opened))")
        let notAlice = try alice.fails(["backup", "verify", backup, "--open-records"])
        #expect(notAlice.stderr.contains("CKR_"), "\(notAlice.stderr)")
        // No secret in the clear: the password and the message are nowhere in the file.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: backup))
        #expect(bytes.range(of: Data("correct horse".utf8)) == nil)

        // Changed anywhere, cut short, or lengthened: refused, naming why.
        let bad = folder + "/bad.coffer"
        for (name, data) in [
            ("a flipped byte in the records", Self.flipped(bytes, at: bytes.count / 2)),
            ("a flipped byte in the signature", Self.flipped(bytes, at: bytes.count - 3)),
            ("cut short", bytes.prefix(bytes.count - 40)), ("lengthened", bytes + Data([0])),
        ] {
            try data.write(to: URL(fileURLWithPath: bad))
            let rejected = try admin.fails(["backup", "verify", bad])
            #expect(rejected.stderr.contains("not a valid backup"), "\(name): \(rejected.stderr)")
        }

        // A destroyed key pair comes back from the backup into the live node, with its handles.
        try alice.ok(["key", "delete", "ec"])
        try alice.fails(["crypto", "sign", "--key", "ec", "--in", message, "--out", folder + "/gone.sig"])
        try alice.fails(["backup", "restore-key", backup, "--label", "ec"])
        let back = try admin.ok(["--json", "backup", "restore-key", backup, "--label", "ec"]).json?["restored"] as? [[String: Any]] ?? []
        let ecHandles = handles.filter { $0["label"] as? String == "ec" }.map { "\($0["handle"] ?? "")" }
        #expect(Set(back.map { "\($0["handle"] ?? "")" }) == Set(ecHandles) && back.count == 2)
        let stillValid = try alice.ok(["crypto", "verify", "--key", "ec", "--in", message, "--signature", folder + "/ec.sig", "--json"])
        #expect(stillValid.json?["valid"] as? Bool == true)
        try alice.ok(["crypto", "sign", "--key", "ec", "--in", message, "--out", folder + "/again.sig"])
        let existing = try admin.fails(["backup", "restore-key", backup, "--label", "ec"])
        #expect(existing.stderr.contains("still exists"), "\(existing.stderr)")
        try Self.flipped(bytes, at: bytes.count / 2).write(to: URL(fileURLWithPath: bad))
        let changed = try admin.fails(["backup", "restore-key", bad, "--label", "ec"])
        #expect(changed.stderr.contains("not a valid backup"), "\(changed.stderr)")

        // A changed backup restores nothing.
        try Self.flipped(bytes, at: bytes.count / 2).write(to: URL(fileURLWithPath: bad))
        let refusedRestore = try Node(
            ["--data-dir", folder + "/refused", "--listen", "127.0.0.1:\(try DevNode.freePort())", "--restore", bad],
            log: folder + "/refused.log")
        refusedRestore.process.waitUntilExit()
        #expect(refusedRestore.process.terminationStatus != 0)
        #expect(refusedRestore.output.contains("nothing was written"), "\(refusedRestore.output)")

        // A record swapped in from a later backup of the same cluster (same structure, same count):
        // refused by verify and by restore.
        try alice.ok(["key", "generate-symmetric", "--label", "after"])
        let second = folder + "/second.coffer"
        try admin.ok(["backup", "create", "--out", second])
        let later = try Data(contentsOf: URL(fileURLWithPath: second))
        let ours = try Self.records(in: bytes), theirs = try Self.records(in: later)
        let foreign = try #require(theirs.first { record in !ours.contains { $0.key == record.key } })
        let victim = try #require(ours.last { $0.key.starts(with: Data("coffer/v1/d/o/".utf8)) })
        var swapped = bytes
        swapped.replaceSubrange(victim.range, with: later[foreign.range])
        try swapped.write(to: URL(fileURLWithPath: bad))
        let swapRejected = try admin.fails(["backup", "verify", bad])
        #expect(swapRejected.stderr.contains("not a valid backup"), "\(swapRejected.stderr)")
        let swapRestore = try Node(
            ["--data-dir", folder + "/swapped", "--listen", "127.0.0.1:\(try DevNode.freePort())", "--restore", bad],
            log: folder + "/swapped.log")
        swapRestore.process.waitUntilExit()
        #expect(swapRestore.process.terminationStatus != 0)
        #expect(swapRestore.output.contains("nothing was written"), "\(swapRestore.output)")

        // Restored into a new node, which the original share unseals.
        let port = try DevNode.freePort()
        let target = folder + "/restored"
        let restored = try Node(["--data-dir", target, "--listen", "127.0.0.1:\(port)", "--restore", backup], log: folder + "/restored.log")
        try #require(restored.wait(for: "join endpoint"), "\(restored.output)")
        #expect(restored.output.contains("backup restored"))
        let share = try String(contentsOfFile: source.dataDirectory + "/dev-unseal-share", encoding: .utf8)
        try admin.ok(
            ["cluster", "unseal", "--bootstrap", "127.0.0.1:\(port)", "--bootstrap-ca", target + "/bootstrap/ca.pem"], stdin: share)
        try #require(restored.wait(for: "(unsealed)"), "\(restored.output)")

        // The original client bundle (same CA) reaches it; alice logs in with her password.
        var profile = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: source.profilePath))) as? [String: Any])
        profile["endpoints"] = ["127.0.0.1:\(port)"]
        for key in ["ca", "certificate", "key"] {
            if let path = profile[key] as? String, !path.hasPrefix("/") { profile[key] = source.dataDirectory + "/client/" + path }
        }
        let profilePath = folder + "/restored-profile.json"
        try JSONSerialization.data(withJSONObject: profile).write(to: URL(fileURLWithPath: profilePath))
        let aliceThere = CofferCLI(configDirectory: folder + "/alice-restored", profile: profilePath)
        try aliceThere.ok(["login", "--user", "alice", "--password-file", password])
        let handlesThere = try aliceThere.ok(["key", "list", "--json"]).json?["keys"] as? [[String: Any]] ?? []
        #expect(Set(handlesThere.map { "\($0["handle"] ?? "")" }) == Set(handles.map { "\($0["handle"] ?? "")" }))
        for label in ["ec", "rsa", "ed", "pq"] {
            let valid = try aliceThere.ok(["crypto", "verify", "--key", label, "--in", message, "--signature", folder + "/\(label).sig", "--json"])
            #expect(valid.json?["valid"] as? Bool == true, "\(label)")
        }
        try aliceThere.ok(["crypto", "decrypt", "--key", "aes", "--in", folder + "/message.enc", "--out", folder + "/message.dec"])
        #expect(try String(contentsOfFile: folder + "/message.dec", encoding: .utf8) == "kept across a restore\n")
        try aliceThere.ok(["crypto", "sign", "--key", "rsa", "--in", message, "--out", folder + "/after.sig"])

        // Restoring over a cluster is refused.
        restored.process.terminate()
        restored.process.waitUntilExit()
        try FileManager.default.moveItem(atPath: target + "/tls", toPath: target + "/tls.kept")
        let over = try Node(["--data-dir", target, "--listen", "127.0.0.1:\(port)", "--restore", backup], log: folder + "/over.log")
        over.process.waitUntilExit()
        #expect(over.process.terminationStatus != 0)
        #expect(over.output.contains("already holds a cluster"), "\(over.output)")
        // Unless told to replace it: then it says what it replaces, and the shares unseal the result.
        let replaced = try Node(
            ["--data-dir", target, "--listen", "127.0.0.1:\(port)", "--restore", backup, "--replace-existing"], log: folder + "/replaced.log")
        try #require(replaced.wait(for: "join endpoint"), "\(replaced.output)")
        #expect(replaced.output.contains("replacing the cluster in the store"), "\(replaced.output)")
        #expect(replaced.output.contains("records and its seal configuration"))
        try admin.ok(
            ["cluster", "unseal", "--bootstrap", "127.0.0.1:\(port)", "--bootstrap-ca", target + "/bootstrap/ca.pem"], stdin: share)
        try #require(replaced.wait(for: "(unsealed)"), "\(replaced.output)")
        try aliceThere.ok(["login", "--user", "alice", "--password-file", password])
        let valid = try aliceThere.ok(["crypto", "verify", "--key", "ec", "--in", message, "--signature", folder + "/ec.sig", "--json"])
        #expect(valid.json?["valid"] as? Bool == true)
    }

    /// Scheduled backups on a node with `backup` in its config: one per interval, written whole under
    /// their final name (each verifies against the cluster CA), the oldest pruned past the retention,
    /// the last one in `cluster status`; a folder that cannot be written shows as a failure there.
    @Test func scheduledBackupsAreWrittenPrunedAndReported() throws {
        let (node, folder) = try Self.scheduledNode("scheduled", retention: 2)
        defer {
            node.remove()
            try? FileManager.default.removeItem(atPath: folder)
        }
        let log = { (try? String(contentsOfFile: node.logPath, encoding: .utf8)) ?? "" }
        for _ in 0..<100 where log().components(separatedBy: "scheduled backup written").count - 1 < 4 {
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(log().components(separatedBy: "scheduled backup written").count - 1 >= 4, "\(log())")
        #expect(log().contains("old scheduled backup removed"))
        let files = try FileManager.default.contentsOfDirectory(atPath: folder + "/backups").filter { $0.hasSuffix(".coffer") }
        #expect(files.count == 2 || files.count == 3, "\(files)")  // a run may land between the listing and the prune
        let admin = node.cli(config: "admin")
        for file in files {
            let checked = try admin.ok(["--json", "backup", "verify", folder + "/backups/" + file])
            #expect(checked.json?["valid"] as? Bool == true && checked.json?["ca_checked"] as? Bool == true)
        }
        let status = try admin.ok(["--json", "cluster", "status"]).json
        let nodes = status?["nodes"] as? [[String: Any]] ?? []
        let last = nodes.first?["last_backup"] as? [String: Any]
        #expect((last?["file"] as? String)?.hasSuffix(".coffer") == true, "\(String(describing: status))")

        // The folder replaced by a file: the next runs fail, and status says so.
        try FileManager.default.removeItem(atPath: folder + "/backups")
        try "not a folder".write(toFile: folder + "/backups", atomically: true, encoding: .utf8)
        for _ in 0..<50 where !log().contains("scheduled backup failed") { Thread.sleep(forTimeInterval: 0.2) }
        #expect(log().contains("scheduled backup failed"))
        Thread.sleep(forTimeInterval: 1.2)
        let failed = try admin.ok(["--json", "cluster", "status"]).json
        let failure = ((failed?["nodes"] as? [[String: Any]])?.first?["last_backup"] as? [String: Any])?["error"] as? String
        #expect(failure?.isEmpty == false, "\(String(describing: failed))")
    }

    /// A node killed with -9 while it writes a scheduled backup (10,000 keys, so a run takes a while)
    /// leaves no file under that run's final name, only its temporary `.part`; every file under a
    /// final name verifies; and after a restart the next run writes a whole backup.
    @Test func aNodeKilledMidBackupLeavesNoFileUnderTheFinalName() throws {
        let (node, folder) = try Self.scheduledNode("killed-backup", retention: 50)
        defer {
            node.remove()
            try? FileManager.default.removeItem(atPath: folder)
        }
        let (admin, alice, password) = try CLIWalkthroughTests.adminAndAlice(on: node)
        try admin.ok(["user", "create", "--name", "alice", "--role", "crypto-user", "--password-file", password])
        try alice.ok(["login", "--user", "alice", "--password-file", password])
        try alice.ok(["key", "generate-symmetric", "--label", "bulk", "--count", "10000"])
        let backups = folder + "/backups"
        let names = { (try? FileManager.default.contentsOfDirectory(atPath: backups)) ?? [] }
        let log = { (try? String(contentsOfFile: node.logPath, encoding: .utf8)) ?? "" }
        let written = { log().components(separatedBy: "scheduled backup written").count - 1 }

        // Watch for a run's temporary file and kill the node while it is there. A kill that lands
        // after the rename proves nothing: then the node is started again and the next run is tried.
        var killedRun: String?
        for _ in 0..<5 where killedRun == nil {
            let before = Set(names().filter { $0.hasSuffix(".part") })
            var part: String?
            for _ in 0..<15_000 where part == nil {
                part = names().first { $0.hasSuffix(".part") && !before.contains($0) }
                if part == nil { usleep(2_000) }
            }
            let seen = try #require(part, "no scheduled backup started: \(log())")
            node.kill()
            let stem = String(seen.dropFirst().dropLast(".part".count))
            if names().contains(where: { $0.hasPrefix(stem + "-r") && $0.hasSuffix(".coffer") }) {
                try node.start()
                continue
            }
            killedRun = stem
            #expect(names().contains(seen), "the killed run's temporary file is gone")
        }
        let stem = try #require(killedRun, "five kills all landed after a run's rename")
        #expect(!names().contains { $0.hasPrefix(stem) && $0.hasSuffix(".coffer") })
        for name in names() where name.hasSuffix(".coffer") {
            let checked = try admin.ok(["--json", "backup", "verify", backups + "/" + name])
            #expect(checked.json?["valid"] as? Bool == true, "\(name)")
        }

        // Started again over the same folder: the next run is whole and holds every key.
        // (start() begins a fresh log, so the count is taken after it: any later run counts.)
        try node.start()
        let runsBefore = written()
        for _ in 0..<150 where written() <= runsBefore { Thread.sleep(forTimeInterval: 0.2) }
        #expect(written() > runsBefore, "\(log())")
        let newest = try #require(names().filter { $0.hasSuffix(".coffer") }.sorted().last)
        let checked = try admin.ok(["--json", "backup", "verify", backups + "/" + newest]).json
        #expect(checked?["valid"] as? Bool == true)
        #expect(((checked?["kinds"] as? [String: Int])?["objects"] ?? 0) >= 10_000, "\(String(describing: checked))")
    }
}
