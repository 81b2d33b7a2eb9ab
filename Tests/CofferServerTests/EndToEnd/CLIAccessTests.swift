// Who may use what, through the CLI against a real dev node: a crypto-user sees and uses only its
// own keys and those shared with it; an admin uses none; five failed logins lock a user until an
// admin unlocks it.

import CofferTestSupport
import Foundation
import Testing

@Suite(.serialized) struct CLIAccessTests {
    struct People {
        let node: DevNode
        let admin: CofferCLI
        let passwordFile: String

        init() throws {
            node = try DevNode()
            admin = node.cli(config: "admin")
            passwordFile = node.folder + "/password"
            try "s3cret-password\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
            try admin.ok(["login", "--user", "admin"], environment: ["COFFER_PASSWORD": try node.adminPassword])
        }

        /// Creates a crypto-user and returns its CLI, logged in.
        func cryptoUser(_ name: String) throws -> CofferCLI {
            try admin.ok(["user", "create", "--name", name, "--role", "crypto-user", "--password-file", passwordFile])
            let cli = node.cli(config: name)
            try cli.ok(["login", "--user", name, "--password-file", passwordFile])
            return cli
        }
    }

    func handles(_ cli: CofferCLI) throws -> Set<UInt64> {
        let keys = try cli.ok(["key", "list", "--json"]).json?["keys"] as? [[String: Any]] ?? []
        return Set(keys.compactMap { ($0["handle"] as? NSNumber)?.uint64Value })
    }

    func privateHandle(_ result: CofferCLI.Result) -> String {
        "\((result.json?["private_handle"] as? NSNumber)?.uint64Value ?? 0)"
    }

    @Test func usersSeeAndUseOnlyTheirOwnAndSharedKeys() throws {
        let people = try People()
        defer { people.node.remove() }
        let alice = try people.cryptoUser("alice")
        let bob = try people.cryptoUser("bob")
        let mine = try alice.ok(["key", "generate-asymmetric", "--label", "alice-only", "--type", "ec-p256", "--json"])
        let shared = try alice.ok([
            "key", "generate-asymmetric", "--label", "alice-shared", "--type", "ed25519", "--json",
        ])
        let file = people.node.folder + "/data.txt"
        try "data".write(toFile: file, atomically: true, encoding: .utf8)

        #expect(try handles(bob).isEmpty)
        let denied = try bob.fails([
            "crypto", "sign", "--key", privateHandle(mine), "--in", file, "--out", file + ".sig",
        ])
        #expect(denied.stderr.contains("CKR_"))
        try bob.fails(["crypto", "sign", "--key", "alice-only", "--in", file])

        try alice.ok(["key", "share", "alice-shared", "--with", "bob"])
        let visible = try handles(bob)
        #expect(visible.contains(UInt64(privateHandle(shared))!))
        #expect(!visible.contains(UInt64(privateHandle(mine))!))
        try bob.ok(["crypto", "sign", "--key", privateHandle(shared), "--in", file, "--out", file + ".sig"])
        try bob.fails(["crypto", "sign", "--key", privateHandle(mine), "--in", file, "--out", file + ".sig2"])

        try alice.ok(["key", "unshare", "alice-shared", "--from", "bob"])
        try bob.fails(["crypto", "sign", "--key", privateHandle(shared), "--in", file, "--out", file + ".sig3"])
    }

    @Test func anAdminCannotUseOrMakeKeys() throws {
        let people = try People()
        defer { people.node.remove() }
        let alice = try people.cryptoUser("alice")
        let pair = try alice.ok(["key", "generate-asymmetric", "--label", "k", "--type", "ec-p256", "--json"])
        let file = people.node.folder + "/data.txt"
        try "data".write(toFile: file, atomically: true, encoding: .utf8)
        try people.admin.fails(["crypto", "sign", "--key", privateHandle(pair), "--in", file, "--out", file + ".sig"])
        try people.admin.fails(["key", "generate-symmetric", "--label", "admin-key"])
    }

    @Test func fiveFailedLoginsLockAUserUntilUnlocked() throws {
        let people = try People()
        defer { people.node.remove() }
        try people.admin.ok([
            "user", "create", "--name", "carol", "--role", "crypto-user", "--password-file", people.passwordFile,
        ])
        let carol = people.node.cli(config: "carol")
        for _ in 0..<5 {
            let wrong = try carol.fails(["login", "--user", "carol"], environment: ["COFFER_PASSWORD": "wrong"])
            #expect(wrong.stderr.contains("CKR_PIN_INCORRECT") || wrong.stderr.contains("CKR_PIN_LOCKED"))
        }
        let locked = try carol.fails(["login", "--user", "carol", "--password-file", people.passwordFile])
        #expect(locked.stderr.contains("CKR_PIN_LOCKED"), "\(locked.stderr)")
        let users = try people.admin.ok(["user", "list", "--json"]).json?["users"] as? [[String: Any]] ?? []
        #expect(users.first { $0["name"] as? String == "carol" }?["locked"] as? Bool == true)

        try people.admin.ok(["user", "unlock", "--name", "carol"])
        try carol.ok(["login", "--user", "carol", "--password-file", people.passwordFile])
    }

    @Test func jsonParsesAndBadInputIsOneLineAndNonZero() throws {
        let people = try People()
        defer { people.node.remove() }
        let status = try people.admin.ok(["cluster", "status", "--json"]).json
        #expect(status?["seal_state"] as? String == "unsealed")
        #expect(status?["revision"] != nil)
        #expect(status?["store"] as? String == "sqlite")
        #expect(status?["lag"] as? Int == 0)

        // Every node of the profile is asked on its own; a dead one shows as unreachable.
        let profilePath = people.node.dataDirectory + "/client/profile-test.json"
        var profile = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: profilePath))) as? [String: Any])
        let live = try #require((profile["endpoints"] as? [String])?.first)
        let dead = "127.0.0.1:\(try DevNode.freePort())"
        profile["endpoints"] = [dead, live]
        let twoPath = people.node.dataDirectory + "/client/two-endpoints.json"
        try JSONSerialization.data(withJSONObject: profile).write(to: URL(fileURLWithPath: twoPath))
        let both = try people.admin.ok(["cluster", "status", "--json", "--profile", twoPath]).json
        let nodes = try #require(both?["nodes"] as? [[String: Any]])
        #expect(nodes.count == 2)
        #expect(both?["reachable_nodes"] as? Int == 1)
        #expect(nodes[0]["endpoint"] as? String == dead && nodes[0]["reachable"] as? Bool == false)
        #expect(nodes[1]["endpoint"] as? String == live && nodes[1]["seal_state"] as? String == "unsealed")
        #expect(both?["endpoint"] as? String == live)
        profile["endpoints"] = [dead]
        let deadPath = people.node.dataDirectory + "/client/dead.json"
        try JSONSerialization.data(withJSONObject: profile).write(to: URL(fileURLWithPath: deadPath))
        let none = try people.admin.fails(["cluster", "status", "--profile", deadPath])
        #expect(none.stderr.contains("no node answered"))
        let users = try people.admin.ok(["user", "list", "--json"]).json?["users"] as? [[String: Any]]
        #expect(users?.contains { $0["name"] as? String == "admin" } == true)

        let cli = people.admin
        try cli.fails(["key", "generate-asymmetric", "--label", "x", "--type", "rsa-1000"])
        try cli.fails(["user", "create", "--name", "x", "--role", "king"])
        try cli.fails(["crypto", "sign", "--key", "nope", "--in", "/nonexistent/file"])
        try cli.fails(["key", "set-attribute", "1", "colour=red"])
        try cli.fails(["no-such-command"])
        let missing = try cli.fails(["cluster", "status", "--profile", people.node.folder + "/missing.json"])
        #expect(missing.stderr.contains("file not found"))
        let unknown = try cli.fails(["key", "show", "999999"])
        #expect(unknown.stderr.hasPrefix("coffer: "))
    }
}
