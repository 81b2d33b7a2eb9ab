// Issue 14's M-of-N quorum through real processes (a dev cofferd and the coffer CLI): a guarded
// operation runs with M valid approvals, and is refused, changing nothing, without a token, with
// M-1 approvals, with a duplicate or wrong-role approver, with an expired token, with approvals for
// a different operation, and with a used token; for user-management, quorum, cluster and
// key-management. Requests, approvals and refusals are audit entries.

import CofferAudit
import CofferTestSupport
import Foundation
import Testing

@Suite struct CLIQuorumTests {
    /// A CLI logged in as `name` with its approval key made and registered; returns it and the key file.
    static func approver(_ name: String, on node: DevNode, password: String) throws -> (CofferCLI, String) {
        let cli = node.cli(config: name)
        try cli.ok(["login", "--user", name, "--password-file", password])
        let key = node.folder + "/\(name)-approval.pem"
        try cli.ok(["user", "register-approval-key", "--generate", "--out", key])
        return (cli, key)
    }

    static func token(_ cli: CofferCLI, _ service: String, _ operation: String, validFor: String? = nil) throws -> String {
        let made = try cli.ok(
            ["--json", "quorum", "request", "--service", service, "--operation", operation] + (validFor.map { ["--valid-for", $0] } ?? []))
        return try #require(made.json?["id"] as? String)
    }

    static func users(_ admin: CofferCLI) throws -> [String] {
        let listed = try admin.ok(["--json", "user", "list"]).json?["users"] as? [[String: Any]] ?? []
        return listed.compactMap { $0["name"] as? String }
    }

    @Test func guardedOperationsRunOnlyWithTheirApprovals() throws {
        let node = try DevNode()
        defer { node.remove() }
        let (admin, alice, password) = try CLIWalkthroughTests.adminAndAlice(on: node)
        for (name, role) in [("ann", "admin"), ("abe", "admin"), ("alice", "crypto-user"), ("dave", "crypto-user"), ("aud", "auditor")] {
            try admin.ok(["user", "create", "--name", name, "--role", role, "--password-file", password])
        }
        let (ann, annKey) = try Self.approver("ann", on: node, password: password)
        let (abe, abeKey) = try Self.approver("abe", on: node, password: password)
        try alice.ok(["login", "--user", "alice", "--password-file", password])
        try alice.ok(["user", "register-approval-key", "--generate", "--out", node.folder + "/alice-approval.pem"])
        let (dave, daveKey) = try Self.approver("dave", on: node, password: password)
        // A quorum nobody could meet is refused: only two admins have keys.
        let unreachable = try admin.fails(["quorum", "set", "--service", "user-management", "--m", "3"])
        #expect(unreachable.stderr.contains("could never be met"), "\(unreachable.stderr)")
        try admin.ok(["quorum", "set", "--service", "user-management", "--m", "2"])

        // user-management, M = 2.
        let bare = try admin.fails(["user", "create", "--name", "bob", "--role", "crypto-user", "--password-file", password])
        #expect(bare.stderr.contains("CKR_FUNCTION_REJECTED") && bare.stderr.contains("needs 2 approvals"), "\(bare.stderr)")
        let bob = try Self.token(admin, "user-management", "create-user name=bob role=crypto-user")
        try ann.ok(["quorum", "approve", bob, "--key", annKey])
        let twice = try ann.fails(["quorum", "approve", bob, "--key", annKey])
        #expect(twice.stderr.contains("approved token \(bob) already"), "\(twice.stderr)")
        let wrongRole = try alice.fails(["quorum", "approve", bob, "--key", node.folder + "/alice-approval.pem"])
        #expect(wrongRole.stderr.contains("approved by admins"), "\(wrongRole.stderr)")
        // Someone else's key over the token is not ann's approval either (abe signs with ann's key).
        let foreignKey = try abe.fails(["quorum", "approve", bob, "--key", annKey])
        #expect(foreignKey.stderr.contains("not abe's registered approval key"), "\(foreignKey.stderr)")
        let short = try admin.fails(
            ["user", "create", "--name", "bob", "--role", "crypto-user", "--password-file", password, "--quorum-token", bob])
        #expect(short.stderr.contains("1 valid approval of the 2"), "\(short.stderr)")
        // abe approves offline: the token's text is written where there is a connection, signed by a
        // CLI with no profile at all (so it cannot reach the cluster), and the signature handed in.
        let text = node.folder + "/bob-token.txt", signed = node.folder + "/bob-token.sig"
        try admin.ok(["quorum", "status", bob, "--text-out", text])
        let offline = CofferCLI(configDirectory: node.folder + "/offline-config", profile: node.folder + "/no-such-profile.json")
        let madeOffline = try offline.ok(["quorum", "approve", "--text", text, "--signature-out", signed, "--key", abeKey])
        #expect(madeOffline.stdout.contains("create-user name=bob role=crypto-user"), "\(madeOffline.stdout)")
        let notAText = try offline.fails(["quorum", "approve", "--text", abeKey, "--signature-out", signed + "2", "--key", abeKey])
        #expect(notAText.stderr.contains("not a quorum token's text"), "\(notAText.stderr)")
        try abe.ok(["quorum", "approve", bob, "--signature", signed])
        let status = try admin.ok(["--json", "quorum", "status", bob]).json
        #expect((status?["valid_approvers"] as? [String])?.sorted() == ["abe", "ann"] && status?["needed"] as? Int == 2)
        let other = try admin.fails(
            ["user", "create", "--name", "carol", "--role", "crypto-user", "--password-file", password, "--quorum-token", bob])
        #expect(other.stderr.contains("approves another operation"), "\(other.stderr)")
        #expect(try !Self.users(admin).contains("bob") && !Self.users(admin).contains("carol"))
        try admin.ok(["user", "create", "--name", "bob", "--role", "crypto-user", "--password-file", password, "--quorum-token", bob])
        #expect(try Self.users(admin).contains("bob"))
        #expect(try admin.ok(["--json", "quorum", "status", bob]).json?["used_at"] as? String != "")

        // A used token, and an expired one.
        let reset = try Self.token(admin, "user-management", "change-password name=bob")
        for (cli, key) in [(ann, annKey), (abe, abeKey)] { try cli.ok(["quorum", "approve", reset, "--key", key]) }
        let change = ["user", "change-password", "--name", "bob", "--password-file", password, "--quorum-token", reset]
        try admin.ok(change)
        let reused = try admin.fails(change)
        #expect(reused.stderr.contains("was used already"), "\(reused.stderr)")
        let brief = try Self.token(admin, "user-management", "change-password name=bob", validFor: "4s")
        for (cli, key) in [(ann, annKey), (abe, abeKey)] { _ = try cli.run(["quorum", "approve", brief, "--key", key]) }
        Thread.sleep(forTimeInterval: 5)
        let expired = try admin.fails(["user", "change-password", "--name", "bob", "--password-file", password, "--quorum-token", brief])
        #expect(expired.stderr.contains("expired"), "\(expired.stderr)")

        // backup, M = 1: a destroyed key comes back from a backup only with its approval.
        let backup = node.folder + "/quorum.coffer"
        let pair = try alice.ok(["--json", "key", "generate-asymmetric", "--label", "restorable", "--type", "ec-p256"]).json
        let privateHandle = try #require(pair?["private_handle"] as? Int)
        try admin.ok(["backup", "create", "--out", backup])
        try alice.ok(["key", "delete", "restorable"])
        try admin.ok(["quorum", "set", "--service", "backup", "--m", "1"])
        let unapprovedRestore = try admin.fails(["backup", "restore-key", backup, "--handle", String(privateHandle)])
        #expect(unapprovedRestore.stderr.contains("needs 1 approval"), "\(unapprovedRestore.stderr)")
        let restore = try Self.token(admin, "backup", "restore-object handle=\(privateHandle)")
        try abe.ok(["quorum", "approve", restore, "--key", abeKey])
        // The token names one object; a label naming the pair is refused whole, nothing restored.
        let both = try admin.fails(["backup", "restore-key", backup, "--label", "restorable", "--quorum-token", restore])
        #expect(both.stderr.contains("restore them one by one"), "\(both.stderr)")
        #expect(try !alice.ok(["key", "list"]).stdout.contains("restorable"))
        try admin.ok(["backup", "restore-key", backup, "--handle", String(privateHandle), "--quorum-token", restore])
        #expect(try alice.ok(["key", "list"]).stdout.contains("restorable"))

        // quorum, M = 2: changing any quorum now needs two admins.
        try admin.ok(["quorum", "set", "--service", "quorum", "--m", "2"])
        let unapproved = try admin.fails(["quorum", "set", "--service", "cluster", "--m", "1"])
        #expect(unapproved.stderr.contains("needs 2 approvals"), "\(unapproved.stderr)")
        for (service, m) in [("cluster", "1"), ("key-management", "1")] {
            let set = try Self.token(admin, "quorum", "set-quorum service=\(service) approvals=\(m)")
            for (cli, key) in [(ann, annKey), (abe, abeKey)] { try cli.ok(["quorum", "approve", set, "--key", key]) }
            try admin.ok(["quorum", "set", "--service", service, "--m", m, "--quorum-token", set])
        }
        let settings = try admin.ok(["--json", "quorum", "show"]).json?["settings"] as? [[String: Any]] ?? []
        #expect(settings.first { $0["service"] as? String == "cluster" }?["approvals"] as? Int == 1, "\(settings)")

        // cluster, M = 1.
        let digest = String(repeating: "ab", count: 32)
        let allow = try admin.fails(["cluster", "allow-binary", "--sha256", digest])
        #expect(allow.stderr.contains("needs 1 approval"), "\(allow.stderr)")
        let allowed = try Self.token(admin, "cluster", "set-binary-allowed sha256=\(digest) allowed=true")
        try ann.ok(["quorum", "approve", allowed, "--key", annKey])
        try admin.ok(["cluster", "allow-binary", "--sha256", digest, "--quorum-token", allowed])
        #expect(try admin.ok(["cluster", "nodes"]).stdout.contains(digest))

        // key-management, M = 1, approved by crypto-users.
        let made = try alice.ok(["--json", "key", "generate-symmetric", "--label", "guarded"]).json
        let handle = try #require(made?["handle"] as? Int)
        let destroy = try alice.fails(["key", "delete", "guarded"])
        #expect(destroy.stderr.contains("needs 1 approval"), "\(destroy.stderr)")
        let destroying = try Self.token(alice, "key-management", "destroy-object handle=\(handle)")
        let adminApproval = try ann.fails(["quorum", "approve", destroying, "--key", annKey])
        #expect(adminApproval.stderr.contains("approved by crypto-users"), "\(adminApproval.stderr)")
        try dave.ok(["quorum", "approve", destroying, "--key", daveKey])
        try alice.ok(["key", "delete", "guarded", "--quorum-token", destroying])
        #expect(try !alice.ok(["key", "list"]).stdout.contains("guarded"))

        // Operations that commit nothing: a key's export (key-management) and a backup (backup).
        let kek = try #require(try alice.ok(["--json", "key", "generate-symmetric", "--label", "kek"]).json?["handle"] as? Int)
        let out = try #require(
            try alice.ok(["--json", "key", "generate-symmetric", "--label", "out", "--extractable"]).json?["handle"] as? Int)
        let wrap = ["key", "wrap", "--wrapping-key", "kek", "--key", "out", "--out", node.folder + "/out.wrapped"]
        let unapprovedWrap = try alice.fails(wrap)
        #expect(unapprovedWrap.stderr.contains("export-key needs 1 approval"), "\(unapprovedWrap.stderr)")
        #expect(!FileManager.default.fileExists(atPath: node.folder + "/out.wrapped"))
        let exporting = try Self.token(alice, "key-management", "export-key handle=\(out) wrapping=\(kek)")
        try dave.ok(["quorum", "approve", exporting, "--key", daveKey])
        try alice.ok(wrap + ["--quorum-token", exporting])
        #expect(FileManager.default.fileExists(atPath: node.folder + "/out.wrapped"))
        let second = node.folder + "/second.coffer"
        let unapprovedBackup = try admin.fails(["backup", "create", "--out", second])
        #expect(unapprovedBackup.stderr.contains("create-backup needs 1 approval"), "\(unapprovedBackup.stderr)")
        let backingUp = try Self.token(admin, "backup", "create-backup")
        try ann.ok(["quorum", "approve", backingUp, "--key", annKey])
        try admin.ok(["backup", "create", "--out", second, "--quorum-token", backingUp])
        try admin.ok(["backup", "verify", second])

        // Requests, approvals, uses and refusals are in the audit log.
        let auditor = node.cli(config: "aud")
        try auditor.ok(["login", "--user", "aud", "--password-file", password])
        let entries = try CLIAuditTests.entries(auditor) { entries in
            entries.contains { $0.operation == "destroy-object" && $0.ckr == 0 }
        }
        #expect(entries.contains { $0.operation == "request-quorum" && $0.target == "quorum token " + bob })
        let approvals = entries.filter { $0.operation == "approve-quorum" && $0.target == "quorum token " + bob }
        // Two approvals landed (ann, abe); three were refused (ann twice, alice's role, abe with ann's key).
        #expect(approvals.filter { $0.ckr == 0 }.map(\.user).sorted() == ["abe", "ann"])
        #expect(approvals.filter { $0.ckr == 0x200 }.count == 3, "\(approvals)")
        #expect(entries.contains { $0.operation == "create-user" && $0.ckr == 0x200 && $0.user == "admin" })
        #expect(entries.contains { $0.operation == "create-user" && $0.ckr == 0 && $0.target == "bob" })
    }
}
