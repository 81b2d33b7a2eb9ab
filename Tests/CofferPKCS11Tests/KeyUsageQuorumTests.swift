// Issue 14's key-usage quorum through real processes: a key whose owner set a quorum of 2 is refused
// to pkcs11-tool (which presents no token: CKR_FUNCTION_REJECTED, 0x200) and to the CLI without a token, and signs once
// through the CLI with a token its two users approved; a third crypto-user's approval does not
// count, a token for another operation or a used one is refused, and lowering the quorum needs the
// key's own quorum. Other keys are untouched throughout. A C program presents a token through
// PKCS#11 (C_Login with CKU_COFFER_APPROVAL) and signs once with it. One of the key's users (dave) keeps his
// approval key on a PKCS#11 token (SoftHSM2) and approves with it there.

import CofferTestSupport
import Foundation
import Testing

@Suite struct KeyUsageQuorumTests {
    @Test func eachUseOfAGuardedKeyNeedsItsOwnApprovals() throws {
        let fixture = try PKCS11Fixture()
        let node = fixture.node
        let folder = node.folder
        let password = folder + "/alice-password"
        let login = ["--login", "--pin", fixture.pin]
        let admin = node.cli(config: "admin")
        for name in ["dave", "erin"] {
            try admin.ok(["user", "create", "--name", name, "--role", "crypto-user", "--password-file", password])
        }
        // dave keeps his approval key on a PKCS#11 token (SoftHSM2): it signs there, never leaves it.
        let softHSM = try SoftHSMToken(label: "dave-approvals")
        defer { softHSM.cleanUp() }
        let madeOnToken = try Tool.run(
            "pkcs11-tool",
            ["--module", SoftHSMToken.module, "--login", "--pin", SoftHSMToken.pin, "--keypairgen", "--key-type", "EC:prime256v1",
             "--label", "approval", "--id", "0a"],
            folder: softHSM.folder, environment: softHSM.environment)
        #expect(madeOnToken.status == 0, "\(madeOnToken.stdout)\(madeOnToken.stderr)")
        let onToken = ["--pkcs11-module", SoftHSMToken.module, "--key-label", "approval", "--token-label", "dave-approvals"]
        let tokenEnvironment = softHSM.environment.merging(["COFFER_APPROVAL_PIN": SoftHSMToken.pin]) { $1 }
        var clis: [String: CofferCLI] = [:]
        for name in ["alice", "dave", "erin"] {
            let cli = node.cli(config: name)
            try cli.ok(["login", "--user", name, "--password-file", password])
            if name == "dave" {
                try cli.ok(["user", "register-approval-key"] + onToken, environment: tokenEnvironment)
            } else {
                try cli.ok(["user", "register-approval-key", "--generate", "--out", folder + "/\(name)-approval.pem"])
            }
            clis[name] = cli
        }
        let alice = try #require(clis["alice"])
        func approve(_ name: String, _ token: String) throws -> CofferCLI.Result {
            if name == "dave" { return try #require(clis[name]).run(["quorum", "approve", token] + onToken, environment: tokenEnvironment) }
            return try #require(clis[name]).run(["quorum", "approve", token, "--key", folder + "/\(name)-approval.pem"])
        }
        func token(_ operation: String) throws -> String {
            let made = try alice.ok(["--json", "quorum", "request", "--service", "key-usage", "--operation", operation])
            return try #require(made.json?["id"] as? String)
        }

        try fixture.pkcs11ToolOK(login + ["--keypairgen", "--key-type", "EC:prime256v1", "--label", "guarded", "--id", "07"])
        try fixture.pkcs11ToolOK(login + ["--keypairgen", "--key-type", "EC:prime256v1", "--label", "free", "--id", "08"])
        let message = folder + "/message.txt"
        try ("signed with approvals " + UUID().uuidString).write(toFile: message, atomically: true, encoding: .utf8)
        let digest = try Tool.run("openssl", ["dgst", "-sha256", "-binary", "-out", "message.sha256", message], folder: folder)
        #expect(digest.status == 0)
        let pkcs11Sign = login + ["--sign", "-m", "ECDSA", "-i", "message.sha256", "-o", "p11.sig", "--id"]

        // key-usage is per key; a quorum the key's users could never meet is refused.
        let global = try admin.fails(["quorum", "set", "--service", "key-usage", "--m", "1"])
        #expect(global.stderr.contains("per key"), "\(global.stderr)")
        let unmeetable = try alice.fails(["quorum", "set", "--service", "key-usage", "--key", "guarded", "--m", "2"])
        #expect(unmeetable.stderr.contains("could never be met"), "\(unmeetable.stderr)")
        try alice.ok(["key", "share", "guarded", "--with", "dave"])
        let set = try alice.ok(["--json", "quorum", "set", "--service", "key-usage", "--key", "guarded", "--m", "2"])
        let handle = try #require(set.json?["key"] as? Int)

        // Refused without approvals: to PKCS#11, and to the CLI without a token. The other key signs.
        let refused = try fixture.pkcs11Tool(pkcs11Sign + ["07"])
        #expect(refused.status != 0 && (refused.stdout + refused.stderr).contains("(0x200)"), "\(refused.stdout)\(refused.stderr)")
        try fixture.pkcs11ToolOK(pkcs11Sign + ["08"])
        let signature = folder + "/guarded.sig"
        let sign = ["crypto", "sign", "--key", "guarded", "--in", message, "--out", signature]
        let bare = try alice.fails(sign)
        #expect(bare.stderr.contains("needs 2 approvals for each use"), "\(bare.stderr)")

        // One use, approved by the key's two users; erin (not a user of the key) does not count.
        let use = try token("use-key handle=\(handle) operation=sign")
        let outsider = try approve("erin", use)
        #expect(outsider.status != 0 && outsider.stderr.contains("erin is neither"), "\(outsider.stderr)")
        #expect(try approve("alice", use).status == 0)
        let short = try alice.fails(sign + ["--quorum-token", use])
        #expect(short.stderr.contains("1 valid approval of the 2"), "\(short.stderr)")
        let decrypting = try token("use-key handle=\(handle) operation=decrypt")
        for name in ["alice", "dave"] { #expect(try approve(name, decrypting).status == 0) }
        // The token's PIN is checked by the token: a wrong one approves nothing.
        let wrongPIN = try #require(clis["dave"]).run(
            ["quorum", "approve", use] + onToken, environment: softHSM.environment.merging(["COFFER_APPROVAL_PIN": "0000"]) { $1 })
        #expect(wrongPIN.status != 0 && wrongPIN.stderr.contains("C_Login"), "\(wrongPIN.stderr)")
        let other = try alice.fails(sign + ["--quorum-token", decrypting])
        #expect(other.stderr.contains("approves another operation"), "\(other.stderr)")
        #expect(try approve("dave", use).status == 0)
        try alice.ok(sign + ["--quorum-token", use])
        let verified = try alice.ok(["--json", "crypto", "verify", "--key", "guarded", "--in", message, "--signature", signature])
        #expect(verified.json?["valid"] as? Bool == true)
        let reused = try alice.fails(sign + ["--quorum-token", use])
        #expect(reused.stderr.contains("was used already"), "\(reused.stderr)")
        let shown = try alice.ok(["--json", "quorum", "show"]).json?["key_quorums"] as? [[String: Any]] ?? []
        #expect(shown.count == 1 && shown.first?["handle"] as? Int == handle && shown.first?["uses"] as? Int == 1, "\(shown)")

        // A token naming the data (its SHA-256) approves signing that data only.
        let summed = try Tool.run("sha256sum", [message], folder: folder)
        let messageSHA256 = try #require(summed.stdout.split(separator: " ").first.map(String.init))
        let named = try token("use-key handle=\(handle) operation=sign sha256=\(messageSHA256)")
        for name in ["alice", "dave"] { #expect(try approve(name, named).status == 0) }
        let otherFile = folder + "/other.txt"
        try "not what was approved".write(toFile: otherFile, atomically: true, encoding: .utf8)
        let otherData = try alice.fails(["crypto", "sign", "--key", "guarded", "--in", otherFile, "--out", folder + "/other.sig", "--quorum-token", named])
        #expect(otherData.stderr.contains("on other data"), "\(otherData.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/other.sig"))
        try alice.ok(sign + ["--quorum-token", named])

        // Through PKCS#11: a token presented with C_Login (the vendor user type CKU_COFFER_APPROVAL)
        // approves the session's next C_SignInit, once (C/approveduse.c).
        let p11Use = try token("use-key handle=\(handle) operation=sign")
        for name in ["alice", "dave"] { #expect(try approve(name, p11Use).status == 0) }
        try CProgram.runChecks("approveduse", on: fixture, ["use", p11Use])
        #expect((try alice.ok(["--json", "quorum", "status", p11Use]).json?["used_at"] as? String ?? "") != "")
        let counted = try alice.ok(["--json", "quorum", "show"]).json?["key_quorums"] as? [[String: Any]] ?? []
        #expect(counted.first?["uses"] as? Int == 3, "\(counted)")

        // Lowering the quorum needs the key's own quorum; then PKCS#11 signs with the key again.
        let lower = ["quorum", "set", "--service", "key-usage", "--key", "guarded", "--m", "0"]
        let unapproved = try alice.fails(lower)
        #expect(unapproved.stderr.contains("needs 2 approvals"), "\(unapproved.stderr)")
        #expect(try fixture.pkcs11Tool(pkcs11Sign + ["07"]).status != 0)
        let lowering = try token("set-key-quorum handle=\(handle) approvals=0")
        for name in ["alice", "dave"] { #expect(try approve(name, lowering).status == 0) }
        try alice.ok(lower + ["--quorum-token", lowering])
        try fixture.pkcs11ToolOK(pkcs11Sign + ["07"])

        // key-management through PKCS#11: C_DestroyObject needs its approval, presented with C_Login.
        let doomed = try #require(try alice.ok(["--json", "key", "generate-symmetric", "--label", "doomed"]).json?["handle"] as? Int)
        try admin.ok(["quorum", "set", "--service", "key-management", "--m", "1"])
        let destroying = try #require(
            try alice.ok(["--json", "quorum", "request", "--service", "key-management", "--operation", "destroy-object handle=\(doomed)"])
                .json?["id"] as? String)
        #expect(try approve("dave", destroying).status == 0)
        try CProgram.runChecks("approveduse", on: fixture, ["destroy", destroying])
        #expect(try !alice.ok(["key", "list"]).stdout.contains("doomed"))
    }
}
