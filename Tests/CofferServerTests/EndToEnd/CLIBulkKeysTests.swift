// `coffer key generate-symmetric --count` against a real dev node: the keys arrive in batches, carry
// numbered labels, are listed and usable like any other key; bad counts are refused before any call.

import CofferTestSupport
import Foundation
import Testing

@Suite struct CLIBulkKeysTests {
    @Test func countGeneratesNumberedKeysInBatches() throws {
        let node = try DevNode()
        defer { node.remove() }
        let admin = node.cli(config: "admin")
        let passwordFile = node.folder + "/password"
        try "s3cret-password\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        try admin.ok(["login", "--user", "admin"], environment: ["COFFER_PASSWORD": try node.adminPassword])
        try admin.ok(["user", "create", "--name", "alice", "--role", "crypto-user", "--password-file", passwordFile])
        let alice = node.cli(config: "alice")
        try alice.ok(["login", "--user", "alice", "--password-file", passwordFile])

        // 1,200 keys: two transactions (1,000 and 200).
        let made = try alice.ok(["key", "generate-symmetric", "--label", "bulk-", "--count", "1200", "--first", "10", "--json"])
        #expect(made.json?["count"] as? Int == 1200)
        #expect(made.json?["first_label"] as? String == "bulk-10")
        #expect(made.json?["last_label"] as? String == "bulk-1209")
        func listed(_ label: String) throws -> Int {
            (try alice.ok(["key", "list", "--label", label, "--json"]).json?["keys"] as? [[String: Any]] ?? []).count
        }
        for label in ["bulk-10", "bulk-1009", "bulk-1010", "bulk-1209"] { #expect(try listed(label) == 1, "\(label)") }
        for label in ["bulk-9", "bulk-1210", "bulk-"] { #expect(try listed(label) == 0, "\(label)") }

        let file = node.folder + "/data.txt"
        try "data".write(toFile: file, atomically: true, encoding: .utf8)
        try alice.ok(["crypto", "encrypt", "--key", "bulk-1209", "--in", file, "--out", file + ".enc"])

        let refused = try alice.fails(["key", "generate-symmetric", "--label", "x", "--count", "0"])
        #expect(refused.stderr.contains("--count must be at least 1"))
        #expect(try alice.ok(["key", "generate-symmetric", "--help"]).stdout.contains("--count"))
        // An admin makes no keys, in bulk either.
        let denied = try admin.fails(["key", "generate-symmetric", "--label", "a-", "--count", "3"])
        #expect(denied.stderr.contains("CKR_"))
    }
}
