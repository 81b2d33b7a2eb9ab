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
        // Every cipher mechanism `coffer crypto --help` names is one the CLI takes.
        let help = try alice.ok(["crypto", "--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let listed = try #require(help.range(of: "For encrypting and decrypting: ").map { help[$0.upperBound...] })
        let ciphers = listed.prefix { $0 != "." }.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(ciphers.count == 5, "\(help)")
        let block = node.folder + "/block.bin"
        try Data(repeating: 7, count: 32).write(to: URL(fileURLWithPath: block))
        for name in ciphers {
            let result = try alice.run(["crypto", "encrypt", "--key", "bulk-1209", "--in", block, "--out", block + ".\(name)", "--mechanism", name])
            #expect(!result.stderr.contains("unknown mechanism"), "\(name): \(result.stderr)")
            // An AES key works with the AES modes; RSA-OAEP needs an RSA key.
            #expect((result.status == 0) == name.hasPrefix("aes-"), "\(name): \(result.stderr)")
        }

        let refused = try alice.fails(["key", "generate-symmetric", "--label", "x", "--count", "0"])
        #expect(refused.stderr.contains("--count must be at least 1"))
        #expect(try alice.ok(["key", "generate-symmetric", "--help"]).stdout.contains("--count"))
        // An admin makes no keys, in bulk either.
        let denied = try admin.fails(["key", "generate-symmetric", "--label", "a-", "--count", "3"])
        #expect(denied.stderr.contains("CKR_"))
    }
}
