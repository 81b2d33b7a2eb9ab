// Issue 13's audit log through real processes (a dev cofferd on SQLite and the coffer CLI): a
// scripted session of management and crypto calls, failures included, yields exactly its entries
// with their results and CKR codes; an export verifies offline untouched and fails, naming the
// place, with an entry removed, edited or moved, its end cut off (against a checkpoint kept from
// before) or a checkpoint signed by a key that is not a node's; an entry edited in the SQLite file
// is caught; and a management call's entry survives kill -9 right after the call returned.

import CofferAudit
import CofferTestSupport
import Crypto
import Foundation
import Testing

@Suite struct CLIAuditTests {
    /// What the test compares of an entry: who, what, how it ended, and what it was about.
    struct Seen: Hashable, Comparable, CustomStringConvertible {
        var user: String
        var operation: String
        var ckr: UInt64
        var about: String

        init(_ user: String, _ operation: String, _ ckr: UInt64 = 0, _ about: String = "") {
            (self.user, self.operation, self.ckr, self.about) = (user, operation, ckr, about)
        }

        init(_ entry: AuditEntry) {
            self.init(entry.user, entry.operation, entry.ckr, entry.label ?? entry.target ?? "")
        }

        var description: String { "\(user) \(operation) \(ckr) \(about)" }
        static func < (a: Seen, b: Seen) -> Bool { a.description < b.description }
    }

    /// The log's entries, read with `coffer audit tail --json` once `done` holds of them (numbering
    /// follows a call within a few hundred milliseconds; the wait is bounded, not timed).
    static func entries(_ auditor: CofferCLI, until done: ([AuditEntry]) -> Bool) throws -> [AuditEntry] {
        var entries: [AuditEntry] = []
        for _ in 0..<100 {
            let output = try auditor.ok(["--json", "audit", "tail", "--from", "0"]).stdout
            entries = try output.split(separator: "\n").map { try AuditEntry(line: Array($0.utf8)) }
            if done(entries) { return entries }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return entries
    }

    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    static func write(_ lines: [String], to path: String) throws {
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func aSessionYieldsExactlyItsEntriesAndAnExportCatchesEveryTampering() throws {
        let node = try DevNode()
        defer { node.remove() }
        let (admin, alice, password) = try CLIWalkthroughTests.adminAndAlice(on: node)
        let (bob, auditor) = (node.cli(config: "bob"), node.cli(config: "auditor"))
        let folder = node.folder
        for name in ["alice", "bob"] {
            try admin.ok(["user", "create", "--name", name, "--role", "crypto-user", "--password-file", password])
        }
        try admin.ok(["user", "create", "--name", "auditor", "--role", "auditor", "--password-file", password])
        // Only auditors read the log.
        let notAuditor = try admin.fails(["audit", "tail"])
        #expect(notAuditor.stderr.contains("read the audit log"), "\(notAuditor.stderr)")

        // The session: a wrong password, a key pair and a key, a signature, a forbidden export, a key
        // of another user.
        _ = try alice.fails(["login", "--user", "alice"], environment: ["COFFER_PASSWORD": "not the password"])
        try alice.ok(["login", "--user", "alice", "--password-file", password])
        try alice.ok(["key", "generate-asymmetric", "--label", "s1", "--type", "ec-p256"])
        try alice.ok(["key", "generate-symmetric", "--label", "kek"])
        try "to be signed\n".write(toFile: folder + "/message", atomically: true, encoding: .utf8)
        try alice.ok(["crypto", "sign", "--key", "s1", "--in", folder + "/message", "--out", folder + "/signature"])
        let wrap = try alice.fails(["key", "wrap", "--wrapping-key", "kek", "--key", "s1", "--out", folder + "/wrapped"])
        #expect(wrap.stderr.contains("CKR_KEY_UNEXTRACTABLE"), "\(wrap.stderr)")
        let keys = try #require(alice.ok(["--json", "key", "list"]).json?["keys"] as? [[String: Any]])
        let privateHandle = try #require(keys.first { $0["class"] as? String == "private-key" }?["handle"] as? UInt64)
        try bob.ok(["login", "--user", "bob", "--password-file", password])
        _ = try bob.fails(["crypto", "sign", "--key", String(privateHandle), "--in", folder + "/message", "--out", folder + "/x"])
        try auditor.ok(["login", "--user", "auditor", "--password-file", password])

        let all = try Self.entries(auditor) { $0.contains { $0.user == "auditor" && $0.operation == "login" } }
        let start = try #require(all.firstIndex { $0.operation == "create-user" && $0.target == "alice" })
        let expected = [
            Seen("admin", "create-user", 0, "alice"), Seen("admin", "create-user", 0, "bob"),
            Seen("admin", "create-user", 0, "auditor"),
            Seen("alice", "count-failed-login", 0, "alice"), Seen("alice", "login", 0xA0),
            Seen("alice", "reset-failed-logins", 0, "alice"), Seen("alice", "login"),
            Seen("alice", "generate-key-pair", 0, "s1"), Seen("alice", "generate-key", 0, "kek"), Seen("alice", "sign", 0, "s1"),
            Seen("alice", "wrap-key", 0x6A, "s1"),
            Seen("bob", "login"), Seen("bob", "get-attributes", 0x82, "s1"),
            Seen("auditor", "login"),
        ]
        // The admin's refused read sits among them too.
        let session = all[start...].map(Seen.init).filter { !($0.user == "admin" && $0.operation == "read-audit") }
        #expect(session.sorted() == expected.sorted(), "\(session)")
        #expect(all[start...].contains { $0.user == "admin" && $0.operation == "read-audit" && $0.ckr != 0 })
        // Entries carry what the issue names, and never a password.
        let sign = try #require(all.first { $0.operation == "sign" })
        #expect(sign.handle == privateHandle && sign.mechanism == 0x1044 && sign.certificate?.count == 64 && sign.result == "ok")
        let logText = try String(contentsOfFile: node.logPath, encoding: .utf8)
        let exported = folder + "/audit.jsonl"

        // A checkpoint kept from before more entries come; then more, and one kept at the end.
        try auditor.ok(["audit", "checkpoint", "--out", folder + "/kept-early.txt"])
        for _ in 0..<12 { try alice.ok(["crypto", "sign", "--key", "s1", "--in", folder + "/message", "--out", folder + "/signature"]) }
        _ = try Self.entries(auditor) { $0.filter { $0.operation == "sign" && $0.ckr == 0 }.count == 13 }
        try auditor.ok(["audit", "checkpoint", "--out", folder + "/kept-late.txt"])
        let made = try auditor.ok(["--json", "audit", "export", "--out", exported]).json
        #expect((made?["from"] as? Int) == 0, "\(String(describing: made))")
        let ca = node.dataDirectory + "/client/ca.pem"
        let verify = { (file: String, kept: [String]) in
            try auditor.run(["--json", "audit", "verify", file, "--ca", ca] + kept.flatMap { ["--checkpoint", folder + "/" + $0] })
        }
        let untouched = try verify(exported, ["kept-early.txt", "kept-late.txt"])
        #expect(untouched.status == 0, "\(untouched.stderr)")
        #expect((untouched.json?["kept_matched"] as? [Int])?.count == 2, "\(untouched.stdout)")
        #expect(untouched.json?["entries"] == nil, "no filter, no entries shown")
        // Filters show a verified export's matching entries.
        let signs = try auditor.ok(["--json", "audit", "verify", exported, "--ca", ca, "--user", "alice", "--operation", "sign", "--result", "ok"])
        let signed = try #require(signs.json?["entries"] as? [[String: Any]], "\(signs.stdout)")
        #expect(signed.count == 13 && signed.allSatisfy { $0["user"] as? String == "alice" && $0["operation"] as? String == "sign" })
        let refusals = try auditor.ok(["audit", "verify", exported, "--ca", ca, "--object", "s1", "--result", "failed"]).stdout
        #expect(refusals.contains("2 matching entries") && refusals.contains("wrap-key") && refusals.contains("get-attributes"), "\(refusals)")
        for secret in ["not the password", try String(contentsOfFile: password, encoding: .utf8).trimmingCharacters(in: .newlines)] {
            #expect(!(try String(contentsOfFile: exported, encoding: .utf8)).contains(secret))
            #expect(!logText.contains(secret))
        }

        let lines = try Self.lines(exported)
        let entryLines = lines.indices.filter { lines[$0].contains("\"seq\":") }
        let middle = entryLines[entryLines.count / 2]
        func refused(_ name: String, _ edit: ([String]) -> [String], kept: [String] = [], saying: [String]) throws {
            let path = folder + "/" + name + ".jsonl"
            let changed = edit(lines)
            #expect(changed != lines)
            try Self.write(changed, to: path)
            let result = try verify(path, kept)
            #expect(result.status != 0, "\(name) verified")
            #expect(result.stderr.contains("line ") || saying == ["cut off"], "\(name): \(result.stderr)")
            #expect(saying.contains { result.stderr.contains($0) }, "\(name): \(result.stderr)")
        }
        // Removed: the next entry's number is off, or (the last of a block) the checkpoint's size.
        try refused("removed", { var l = $0; l.remove(at: middle); return l }, saying: ["was due", "entries removed"])
        try refused("edited", { l in
            l.map { $0 == lines[middle] ? $0.replacingOccurrences(of: "\"time\":\"20", with: "\"time\":\"19") : $0 }
        }, saying: ["does not match the entries before it"])
        try refused("swapped", { var l = $0; l.swapAt(middle, entryLines[entryLines.count / 2 + 1]); return l }, saying: ["was due"])
        // The end cut off at an earlier checkpoint: consistent in itself, caught by the kept one.
        let cutAt = try #require(lines.indices.last { index in
            lines[index].hasPrefix("{\"checkpoint\"") && entryLines.filter { $0 < index }.count <= entryLines.count - 10
        })
        let cut = folder + "/cut.jsonl"
        try Self.write(Array(lines[...cutAt]), to: cut)
        #expect(try verify(cut, []).status == 0)
        try refused("cut", { Array($0[...cutAt]) }, kept: ["kept-late.txt"], saying: ["cut off"])
        // A checkpoint signed by a key that is no node's, under a node's name.
        let lastCheckpoint = try #require(lines.indices.last { lines[$0].hasPrefix("{\"checkpoint\"") })
        let note = try #require(
            (try JSONSerialization.jsonObject(with: Data(lines[lastCheckpoint].utf8)) as? [String: String])?["checkpoint"])
        let text = String(note[..<note.range(of: "\n\n")!.lowerBound]) + "\n"
        let signer = String(note.split(separator: "\n").last!.split(separator: " ")[1])
        let forged = try SignedNote.sign(text, name: signer, key: Curve25519.Signing.PrivateKey())
        let forgedLine = String(decoding: AuditExport.checkpointLine(forged), as: UTF8.self)
        try refused("forged", { var l = $0; l[lastCheckpoint] = forgedLine; return l }, saying: ["not signed by a node"])

        // A proof of one entry, extending the early checkpoint, checks offline.
        try auditor.ok(["audit", "prove", "3", "--checkpoint", folder + "/kept-early.txt", "--out", folder + "/proof.json"])
        #expect(try auditor.run(["audit", "verify", folder + "/proof.json", "--ca", ca]).status == 0)
        let filteredProof = try auditor.fails(["audit", "verify", folder + "/proof.json", "--ca", ca, "--user", "alice"])
        #expect(filteredProof.stderr.contains("is a proof"), "\(filteredProof.stderr)")

        // Archived: the oldest blocks leave the store for a file that verifies alone; the log then
        // starts where they ended, and an export of it verifies as before.
        let archived = try auditor.ok(["--json", "audit", "archive", "--before", "12", "--out", folder + "/archive.jsonl"]).json
        let end = try #require(archived?["to"] as? Int)
        #expect((1...12).contains(end) && archived?["removed"] as? Int == end, "\(String(describing: archived))")
        #expect(try verify(folder + "/archive.jsonl", []).status == 0)
        let after = try auditor.ok(["--json", "audit", "export", "--out", folder + "/after.jsonl"]).json
        #expect(after?["from"] as? Int == end, "\(String(describing: after))")
        let laterCheck = try verify(folder + "/after.jsonl", ["kept-late.txt"])
        #expect(laterCheck.status == 0, "\(laterCheck.stderr)")
        let gone = try auditor.fails(["audit", "prove", "3"])
        #expect(gone.stderr.contains("archived"), "\(gone.stderr)")
        let entriesNow = try Self.entries(auditor) { $0.contains { $0.operation == "archive-audit" } }
        #expect(entriesNow.first?.seq == UInt64(end))
        #expect(entriesNow.contains { $0.operation == "archive-audit" && $0.user == "auditor" && $0.ckr == 0 })
    }

    /// Admins and crypto-users read the log only once an admin grants it: the grant lets them tail,
    /// not archive, and ends when it is taken back. Grants are entries themselves.
    @Test func aGrantLetsACryptoUserReadTheLogUntilItIsTakenBack() throws {
        let node = try DevNode()
        defer { node.remove() }
        let (admin, alice, password) = try CLIWalkthroughTests.adminAndAlice(on: node)
        try admin.ok(["user", "create", "--name", "alice", "--role", "crypto-user", "--password-file", password])
        try admin.ok(["user", "create", "--name", "aud", "--role", "auditor", "--password-file", password])
        try alice.ok(["login", "--user", "alice", "--password-file", password])
        let refused = try alice.fails(["audit", "tail"])
        #expect(refused.stderr.contains("unless an admin grants it"), "\(refused.stderr)")
        let byAlice = try alice.fails(["audit", "grant", "--user", "alice"])
        #expect(byAlice.stderr.contains("CKR_USER_TYPE_INVALID") || byAlice.stderr.contains("grant reading"), "\(byAlice.stderr)")
        let auditorGrant = try admin.fails(["audit", "grant", "--user", "aud"])
        #expect(auditorGrant.stderr.contains("reads the log by role"), "\(auditorGrant.stderr)")

        let granted = try admin.ok(["--json", "audit", "grant", "--user", "alice"]).json?["readers"] as? [String]
        #expect(granted == ["alice"])
        let grant: (AuditEntry) -> Bool = { $0.operation == "set-audit-reader" && $0.target == "alice" && $0.user == "admin" && $0.ckr == 0 }
        let read = try CLIAuditTests.entries(alice) { entries in entries.contains(where: grant) }
        #expect(read.contains(where: grant), "\(read.filter { $0.operation == "set-audit-reader" })")
        let archive = try alice.fails(["audit", "archive", "--before", "1000000", "--out", node.folder + "/archive.jsonl"])
        #expect(archive.stderr.contains("archive the audit log"), "\(archive.stderr)")

        let auditor = node.cli(config: "aud")
        try auditor.ok(["login", "--user", "aud", "--password-file", password])
        #expect(try auditor.ok(["--json", "audit", "readers"]).json?["readers"] as? [String] == ["alice"])
        try admin.ok(["audit", "revoke", "--user", "alice"])
        #expect(try auditor.ok(["--json", "audit", "readers"]).json?["readers"] as? [String] == [])
        let revoked = try alice.fails(["audit", "tail"])
        #expect(revoked.stderr.contains("unless an admin grants it"), "\(revoked.stderr)")
    }

    @Test func anEntryEditedInTheStoreIsCaughtAndAKilledNodeKeepsItsLastCommandsEntry() throws {
        let node = try DevNode()
        defer { node.remove() }
        let (admin, _, password) = try CLIWalkthroughTests.adminAndAlice(on: node)
        let auditor = node.cli(config: "auditor")
        try admin.ok(["user", "create", "--name", "auditor", "--role", "auditor", "--password-file", password])
        // kill -9 right after the call returned: its entry was committed with the user.
        try admin.ok(["user", "create", "--name", "carol", "--role", "crypto-user", "--password-file", password])
        node.kill()
        try node.start()
        try auditor.ok(["login", "--user", "auditor", "--password-file", password])
        let entries = try Self.entries(auditor) { $0.contains { $0.user == "auditor" && $0.operation == "login" } }
        #expect(entries.contains { $0.operation == "create-user" && $0.target == "carol" && $0.user == "admin" && $0.ckr == 0 })
        #expect(entries.map(\.seq) == (0..<UInt64(entries.count)).map { Optional($0) })

        // Edited in the SQLite file: the user of carol's creation becomes someone else.
        node.kill()
        let database = node.dataDirectory + "/store.sqlite"
        let update = """
            UPDATE current SET value = CAST(replace(CAST(value AS TEXT), '"target":"carol"', '"target":"carl!"') AS BLOB) \
            WHERE CAST(key AS TEXT) LIKE 'coffer/v1/d/a/l/%' AND instr(CAST(value AS TEXT), '"target":"carol"') > 0;
            SELECT changes();
            """
        let edited = try Tool.run("sqlite3", [database, update], folder: node.folder)
        #expect(edited.status == 0 && edited.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "\(edited.stdout) \(edited.stderr)")
        try node.start()
        try auditor.ok(["login", "--user", "auditor", "--password-file", password])
        let exported = node.folder + "/edited.jsonl"
        let export = try auditor.fails(["audit", "export", "--out", exported])
        #expect(export.stderr.contains("does not verify"), "\(export.stderr)")
        let check = try auditor.fails(["audit", "verify", exported, "--ca", node.dataDirectory + "/client/ca.pem"])
        #expect(check.stderr.contains("line ") && check.stderr.contains("does not match"), "\(check.stderr)")
    }
}
