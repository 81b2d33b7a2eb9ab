// Three real cofferd processes on a real 3-member etcd (loopback), driven with the real `coffer` CLI:
// keys, users and failed logins are the cluster's, not a node's, and a node killed with -9 leaves
// the others serving. The tests share one cluster and run one at a time, the kill last.

import CofferCrypto
import CofferTestSupport
import Foundation
import Synchronization
import Testing

/// The shared cluster, started on first use.
let sharedCluster = Result<LoopbackCluster, any Error> { try LoopbackCluster() }

@Suite("Cluster on etcd", .serialized)
struct ClusterTests {
    let cluster: LoopbackCluster
    var a: ClusterNode { cluster.nodes[0] }
    var b: ClusterNode { cluster.nodes[1] }
    var c: ClusterNode { cluster.nodes[2] }

    init() throws { cluster = try sharedCluster.get() }

    /// Logs the admin in on `node` (a config dir of its own per node).
    func admin(_ node: ClusterNode) throws -> CofferCLI {
        let cli = cluster.cli(node, config: "admin")
        try cli.ok(["login", "--user", "admin", "--password-file", cluster.adminPasswordFile])
        return cli
    }

    /// The profile with every node, for `coffer cluster status` over the whole cluster.
    func allNodesCLI() throws -> CofferCLI {
        let path = cluster.folder + "/profile-all.json"
        let data = try Data(contentsOf: URL(fileURLWithPath: cluster.profile(a)))
        var profile = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        profile["endpoints"] = cluster.nodes.map(\.endpoint)
        try JSONSerialization.data(withJSONObject: profile).write(to: URL(fileURLWithPath: path))
        return CofferCLI(configDirectory: cluster.folder + "/config-all", profile: path)
    }

    /// `coffer cluster status --json` over every node: the nodes reachable, by endpoint.
    func reachableNodes() throws -> [String] {
        let status = try allNodesCLI().ok(["cluster", "status", "--json"]).json
        let nodes = status?["nodes"] as? [[String: Any]] ?? []
        #expect(nodes.count == 3, "\(String(describing: status))")
        #expect((status?["store_members"] as? [[String: Any]])?.count == 3, "\(String(describing: status))")
        #expect((status?["store_members"] as? [[String: Any]])?.filter { $0["leader"] as? Bool == true }.count == 1)
        return nodes.filter { $0["reachable"] as? Bool == true }.compactMap { $0["endpoint"] as? String }
    }

    /// Makes crypto-user `name` through `node` and returns its password file.
    func makeUser(_ name: String, on node: ClusterNode) throws -> String {
        let password = cluster.folder + "/\(name)-password"
        try "password of \(name) \(UUID().uuidString)\n".write(toFile: password, atomically: true, encoding: .utf8)
        try admin(node).ok(["user", "create", "--name", name, "--role", "crypto-user", "--password-file", password])
        return password
    }

    /// A CLI for `name` on `node`, logged in with `password` (a config dir per user and node).
    func loggedIn(_ name: String, on node: ClusterNode, password: String) throws -> CofferCLI {
        let cli = cluster.cli(node, config: name)
        try cli.ok(["login", "--user", name, "--password-file", password])
        return cli
    }

    /// Signs a fresh message with `key` through `signer` and checks that `verifier` verifies it.
    func expectSignature(with key: String, on signer: CofferCLI, verifiedOn verifier: CofferCLI) throws {
        let message = cluster.folder + "/message-\(key)-\(UUID().uuidString.prefix(8))"
        try "signed with \(key)".write(toFile: message, atomically: true, encoding: .utf8)
        try signer.ok(["crypto", "sign", "--key", key, "--in", message, "--out", message + ".sig"])
        let verified = try verifier.ok(["crypto", "verify", "--key", key, "--in", message, "--signature", message + ".sig", "--json"])
        #expect(verified.json?["valid"] as? Bool == true, "\(key)")
    }

    /// Two nodes started on an empty prefix both offer to bootstrap; once the cluster is initialized
    /// through one, the other moves to the join listener by itself (no restart) and joins with the
    /// shares.
    @Test func aNodeOfferingToBootstrapJoinsWhenAPeerInitializes() throws {
        let prefix = "coffer/switch-\(UUID().uuidString.prefix(8))/"
        let waiting = try cluster.extraNode("switch-waiting", prefix: prefix)
        let first = try cluster.extraNode("switch-first", prefix: prefix)
        defer {
            waiting.kill()
            first.kill()
        }
        try waiting.start()
        try waiting.wait(for: "bootstrap endpoint:")
        try first.start()
        try first.wait(for: "bootstrap endpoint:")

        let password = cluster.folder + "/switch-admin-password"
        try "switch admin password \(UUID().uuidString)\n".write(toFile: password, atomically: true, encoding: .utf8)
        let cli = CofferCLI(configDirectory: cluster.folder + "/config-switch", profile: cluster.folder + "/none.json")
        let initialized = try cli.ok([
            "cluster", "init", "--endpoint", first.endpoint, "--bootstrap-ca", first.dataDirectory + "/bootstrap/ca.pem",
            "--threshold", "1", "--shares", "1", "--admin", "admin", "--password-file", password,
            "--cluster-name", "switch", "--out", cluster.folder + "/switch-client", "--json",
        ])
        let share = try #require((initialized.json?["shares"] as? [String])?.first)

        try waiting.wait(for: "join endpoint:", seconds: 60)
        #expect(waiting.printed.contains("a peer initialized the cluster"))
        try cli.ok(
            ["cluster", "unseal", "--bootstrap", waiting.endpoint, "--bootstrap-ca", waiting.dataDirectory + "/bootstrap/ca.pem"],
            stdin: share + "\n")
        try waiting.wait(for: "serving mutual TLS, endpoint: \(waiting.endpoint) (unsealed)", seconds: 60)
    }

    /// Issue 12 on etcd: a backup made through node A of the shared cluster, restored by a new node
    /// into a fresh etcd prefix and unsealed there with the cluster's shares, signs with the keys
    /// made before, under the same handles, for the same user and password.
    @Test func aBackupOfTheClusterRestoresOntoAFreshEtcdPrefix() throws {
        let password = try makeUser("backup-user", on: a)
        let bob = try loggedIn("backup-user", on: a, password: password)
        try bob.ok(["key", "generate-asymmetric", "--label", "kept", "--type", "ec-p256"])
        let message = cluster.folder + "/backup-message"
        try "signed before the backup".write(toFile: message, atomically: true, encoding: .utf8)
        try bob.ok(["crypto", "sign", "--key", "kept", "--in", message, "--out", message + ".sig"])
        let backup = cluster.folder + "/cluster.coffer"
        let made = try admin(a).ok(["--json", "backup", "create", "--out", backup]).json
        #expect((made?["records"] as? Int ?? 0) > 5)

        let restored = try cluster.extraNode("restored", prefix: "coffer/restored-\(UUID().uuidString.prefix(8))/")
        defer { restored.kill() }
        try restored.start(arguments: ["--restore", backup])
        try restored.wait(for: "join endpoint:")
        #expect(restored.printed.contains("restored"))
        let cli = CofferCLI(configDirectory: cluster.folder + "/config-restored", profile: cluster.folder + "/none.json")
        for share in cluster.shares.prefix(2) {
            try cli.ok(
                ["cluster", "unseal", "--bootstrap", restored.endpoint, "--bootstrap-ca", restored.dataDirectory + "/bootstrap/ca.pem"],
                stdin: share + "\n")
        }
        try restored.wait(for: "serving mutual TLS, endpoint: \(restored.endpoint) (unsealed)", seconds: 60)
        var profile = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: cluster.profile(a)))) as? [String: Any])
        profile["endpoints"] = [restored.endpoint]
        let path = cluster.folder + "/profile-restored.json"
        try JSONSerialization.data(withJSONObject: profile).write(to: URL(fileURLWithPath: path))
        let bobThere = CofferCLI(configDirectory: cluster.folder + "/config-bob-restored", profile: path)
        try bobThere.ok(["login", "--user", "backup-user", "--password-file", password])
        let valid = try bobThere.ok(["crypto", "verify", "--key", "kept", "--in", message, "--signature", message + ".sig", "--json"])
        #expect(valid.json?["valid"] as? Bool == true)
        try bobThere.ok(["crypto", "sign", "--key", "kept", "--in", message, "--out", message + ".again"])
        let here = try bob.ok(["key", "list", "--json"]).stdout.split(separator: "\n").filter { $0.contains("handle") }.sorted()
        let there = try bobThere.ok(["key", "list", "--json"]).stdout.split(separator: "\n").filter { $0.contains("handle") }.sorted()
        #expect(here == there && !here.isEmpty)
    }

    @Test func aKeyMadeOnASignsOnBAndC() throws {
        let password = try makeUser("alice", on: a)
        let clis = try cluster.nodes.map { try loggedIn("alice", on: $0, password: password) }
        let message = cluster.folder + "/message"
        try "signed on every node \(UUID().uuidString)".write(toFile: message, atomically: true, encoding: .utf8)
        for type in ["ec-p256", "rsa-2048"] {
            let label = "k-\(type)"
            let made = try clis[0].ok(["key", "generate-asymmetric", "--label", label, "--type", type, "--json"])
            #expect(made.json?["private_handle"] != nil)
            // The very next call, on each other node: found, and it signs.
            for (index, cli) in clis.enumerated().dropFirst() {
                let signature = cluster.folder + "/\(label)-\(index).sig"
                try cli.ok(["crypto", "sign", "--key", label, "--in", message, "--out", signature])
                let verified = try clis[(index + 1) % 3].ok([
                    "crypto", "verify", "--key", label, "--in", message, "--signature", signature, "--json",
                ])
                #expect(verified.json?["valid"] as? Bool == true, "\(label) signed on node \(index + 1)")
            }
            // Same handles everywhere.
            let handles = try clis.map { cli -> [String] in
                let listed = try cli.ok(["key", "list", "--json"])
                return listed.stdout.split(separator: "\n").filter { $0.contains("handle") }.map(String.init).sorted()
            }
            #expect(handles[0] == handles[1] && handles[1] == handles[2], "\(handles)")
        }
    }

    @Test func aUserMadeOnBLogsInOnC() throws {
        let password = try makeUser("bob", on: b)
        let bob = cluster.cli(c, config: "bob")
        let login = try bob.ok(["login", "--user", "bob", "--password-file", password])
        #expect(login.stdout.contains("bob"))
        try bob.ok(["key", "generate-symmetric", "--label", "bob-aes", "--bits", "256"])
        let onA = cluster.cli(a, config: "bob")
        try onA.ok(["login", "--user", "bob", "--password-file", password])
        let listed = try onA.ok(["key", "list", "--json"])
        #expect(listed.stdout.contains("bob-aes"))
        // A wrong password is refused on every node.
        let wrong = cluster.folder + "/bob-wrong"
        try "not bob's password\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        try cluster.cli(a, config: "bob-wrong").fails(["login", "--user", "bob", "--password-file", wrong])
    }

    @Test func clusterStatusOnEachNode() throws {
        var ids: Set<String> = []
        for node in cluster.nodes {
            let status = try cluster.cli(node, config: "status").ok(["cluster", "status", "--json"])
            #expect(status.json?["seal_state"] as? String == "unsealed", "node \(node.index): \(status.stdout)")
            #expect(status.json?["endpoint"] as? String == node.endpoint)
            #expect(status.json?["cluster"] as? String == "loopback-test")
            if let id = status.json?["node_id"] as? String { ids.insert(id) }
        }
        #expect(ids.count == 3, "\(ids)")
        #expect(try reachableNodes() == cluster.nodes.map(\.endpoint))
    }

    /// Five wrong passwords, spread over the three nodes, lock the user on every node.
    @Test func fiveWrongPasswordsOverThreeNodesLockTheUser() throws {
        let password = try makeUser("carol", on: a)
        let wrong = cluster.folder + "/carol-wrong"
        try "not carol's password\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        for attempt in 0..<5 {
            let node = cluster.nodes[attempt % 3]
            let failed = try cluster.cli(node, config: "carol-\(attempt)").fails([
                "login", "--user", "carol", "--password-file", wrong,
            ])
            #expect(failed.stderr.contains("CKR_PIN_INCORRECT") || failed.stderr.contains("CKR_PIN_LOCKED"), "\(failed.stderr)")
            // The fifth, which locks the account, says so (the count is the cluster's, not the node's).
            if attempt == 4 { #expect(failed.stderr.contains("now locked"), "\(failed.stderr)") }
        }
        for node in cluster.nodes {
            let locked = try cluster.cli(node, config: "carol-right").fails([
                "login", "--user", "carol", "--password-file", password,
            ])
            #expect(locked.stderr.contains("CKR_PIN_LOCKED"), "node \(node.index): \(locked.stderr)")
        }
    }

    /// The labels of the keys `cli`'s user sees.
    func labels(_ cli: CofferCLI) throws -> Set<String> {
        let keys = try cli.ok(["key", "list", "--json"]).json?["keys"] as? [[String: Any]] ?? []
        return Set(keys.compactMap { $0["label"] as? String })
    }

    /// Polls `sign` (a fresh CLI call each time, about every 0.5 s) until its outcome is `succeeds`,
    /// for at most `seconds`; returns the last result and the seconds it took.
    func signUntil(
        _ succeeds: Bool, _ cli: CofferCLI, key: String, message: String, seconds: Double
    ) throws -> (CofferCLI.Result, Double) {
        let start = Date()
        while true {
            let result = try cli.run(["crypto", "sign", "--key", key, "--in", message, "--out", message + ".sig"])
            let elapsed = Date().timeIntervalSince(start)
            if (result.status == 0) == succeeds || elapsed > seconds { return (result, elapsed) }
            Thread.sleep(forTimeInterval: 0.5)
        }
    }

    /// Two of three etcd members killed with -9: a write fails with the retryable error, signing
    /// with an existing key goes on until the staleness bound and then stops with a clear error;
    /// the members restarted, signing and writing work again on every node without a node restart,
    /// and every key acknowledged before is there.
    @Test func withoutEtcdQuorumWritesFailAndSigningStopsAtTheBound() throws {
        let password = try makeUser("erin", on: a)
        let clis = try cluster.nodes.map { try loggedIn("erin", on: $0, password: password) }
        let acknowledged = Set((0..<3).map { "erin-before-\($0)" })
        for label in acknowledged { try clis[0].ok(["key", "generate-asymmetric", "--label", label, "--type", "ec-p256"]) }
        let message = cluster.folder + "/erin-message"
        try "signed without a quorum".write(toFile: message, atomically: true, encoding: .utf8)

        let leader = try cluster.etcdLeader()
        let killed = [leader, (leader + 1) % 3]
        for member in killed { cluster.killEtcdMember(member) }
        let lost = Date()
        defer { for member in killed { try? cluster.restartEtcdMember(member) } }
        // Signing goes on: the node proved itself current under a second ago.
        try clis[1].ok(["crypto", "sign", "--key", "erin-before-0", "--in", message, "--out", message + ".sig"])
        // A write fails with the retryable error and says nothing was acknowledged.
        let writeStart = Date()
        let write = try clis[0].fails(["key", "generate-symmetric", "--label", "erin-during"])
        let writeSeconds = Date().timeIntervalSince(writeStart)
        #expect(write.stderr.contains("CKR_DEVICE_ERROR"), "\(write.stderr)")
        #expect(write.stderr.contains("try again"), "\(write.stderr)")
        // Past the bound (10 s), key use stops on every node with the clear error.
        for cli in clis {
            let (refused, _) = try signUntil(false, cli, key: "erin-before-1", message: message, seconds: 40)
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("CKR_DEVICE_ERROR") && refused.stderr.contains("not reached the store"), "\(refused.stderr)")
        }
        let stopped = Date().timeIntervalSince(lost)
        // Long after the loss, writes still fail the same way (measured: at once).
        let laterStart = Date()
        let later = try clis[1].fails(["key", "generate-symmetric", "--label", "erin-later"])
        let laterSeconds = Date().timeIntervalSince(laterStart)
        #expect(later.stderr.contains("CKR_DEVICE_ERROR") && later.stderr.contains("try again"), "\(later.stderr)")
        print("etcd quorum lost: the first write failed after \(String(format: "%.1f", writeSeconds)) s, one \(String(format: "%.0f", stopped)) s later after \(String(format: "%.2f", laterSeconds)) s; key use stopped \(String(format: "%.1f", stopped)) s after the kill")
        #expect(stopped >= 9, "key use stopped before the 10 s bound")

        for member in killed { try cluster.restartEtcdMember(member) }
        let back = Date()
        for (index, cli) in clis.enumerated() {
            let (signed, _) = try signUntil(true, cli, key: "erin-before-2", message: message, seconds: 60)
            #expect(signed.status == 0, "node \(index + 1) after the quorum returned: \(signed.stderr)")
        }
        print("etcd quorum back: every node signs again \(String(format: "%.1f", Date().timeIntervalSince(back))) s later")
        try clis[2].ok(["key", "generate-symmetric", "--label", "erin-after"])
        for cli in clis {
            let seen = try labels(cli)
            #expect(acknowledged.isSubset(of: seen) && seen.contains("erin-after"), "\(seen)")
        }
    }

    /// Two nodes racing to use one quorum token: exactly one of the two guarded commands lands.
    @Test func twoNodesRacingWithOneQuorumTokenLandOnce() throws {
        let password = try makeUser("racer", on: a)
        let admins = try [a, b].map { try admin($0) }
        let key = cluster.folder + "/admin-approval.pem"
        try admins[0].ok(["user", "register-approval-key", "--generate", "--out", key])
        try admins[0].ok(["quorum", "set", "--service", "user-management", "--m", "1"])
        // Whatever happens below, the other tests make users without approvals.
        defer { _ = try? admins[0].run(["quorum", "set", "--service", "user-management", "--m", "0"]) }
        let made = try admins[0].ok([
            "--json", "quorum", "request", "--service", "user-management", "--operation", "change-password name=racer",
        ]).json
        let token = try #require(made?["id"] as? String)
        try admins[1].ok(["quorum", "approve", token, "--key", key])
        let results = Mutex<[(status: Int32, stderr: String)]>([])
        let places = admins.map { ($0.configDirectory, $0.profile) }
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            let cli = CofferCLI(configDirectory: places[index].0, profile: places[index].1)
            let result = try? cli.run(["user", "change-password", "--name", "racer", "--password-file", password, "--quorum-token", token])
            if let result { results.withLock { $0.append((result.status, result.stderr)) } }
        }
        let outcomes = results.withLock { $0 }
        #expect(outcomes.count == 2)
        #expect(outcomes.filter { $0.status == 0 }.count == 1, "\(outcomes.map(\.stderr))")
        #expect(outcomes.contains { $0.status != 0 && $0.stderr.contains("was used already") }, "\(outcomes.map(\.stderr))")
    }

    /// The audit log is the cluster's: entries made through every node land in one log that any
    /// node reads out and an auditor verifies with the CA alone; a management call's entry made
    /// through C survives C's kill -9 right after the call returned (the others number it).
    @Test func theAuditLogIsOneForTheClusterAndKeepsAKilledNodesLastEntry() throws {
        let password = try makeUser("audra", on: b)
        try admin(a).ok(["user", "create", "--name", "aud", "--role", "auditor", "--password-file", password])
        let audra = try cluster.nodes.map { try loggedIn("audra", on: $0, password: password) }
        try audra[0].ok(["key", "generate-asymmetric", "--label", "audited", "--type", "ec-p256"])
        let message = cluster.folder + "/audited-message"
        try "audited".write(toFile: message, atomically: true, encoding: .utf8)
        for cli in audra.dropFirst() { try cli.ok(["crypto", "sign", "--key", "audited", "--in", message, "--out", message + ".sig"]) }
        let nodeIDs = try cluster.nodes.map { node in
            try #require(cluster.cli(node, config: "status").ok(["cluster", "status", "--json"]).json?["node_id"] as? String)
        }
        try admin(c).ok(["user", "create", "--name", "fergus", "--role", "crypto-user", "--password-file", password])
        c.kill()
        // C back with its data folder, for the tests after this one, however this one ends.
        defer {
            do {
                try c.start()
                try c.wait(for: "unsealed with the domain key from peer")
            } catch { Issue.record("node C did not come back: \(error)") }
        }

        let auditor = try loggedIn("aud", on: a, password: password)
        var entries: [[String: Any]] = []
        for _ in 0..<100 {
            let output = try auditor.ok(["--json", "audit", "tail", "--from", "0"]).stdout
            entries = output.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            if entries.contains(where: { $0["target"] as? String == "fergus" }),
                entries.filter({ $0["operation"] as? String == "sign" && $0["user"] as? String == "audra" }).count >= 2
            {
                break
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        let frank = entries.first { $0["operation"] as? String == "create-user" && $0["target"] as? String == "fergus" }
        #expect(frank?["node"] as? String == nodeIDs[2] && frank?["user"] as? String == "admin", "\(entries.suffix(5))")
        let signers = Set(entries.filter { $0["operation"] as? String == "sign" && $0["user"] as? String == "audra" }.compactMap { $0["node"] as? String })
        #expect(signers == [nodeIDs[1], nodeIDs[2]], "\(signers)")
        #expect(entries.enumerated().allSatisfy { ($1["seq"] as? Int) == $0 })

        let profile = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: cluster.profile(a)))) as? [String: Any]
        let ca = try #require(profile?["ca"] as? String)
        let exported = cluster.folder + "/audit.jsonl"
        try auditor.ok(["audit", "export", "--out", exported])
        let verified = try auditor.ok(["--json", "audit", "verify", exported, "--ca", ca]).json
        #expect((verified?["to"] as? Int ?? 0) >= entries.count, "\(String(describing: verified))")
        print("audit log on the cluster: \(entries.count) entries; checkpoints signed by \(verified?["signers"] ?? [])")
    }

    /// Runs after the others above: node C killed with -9, A and B serve on (status, a new key made on A signs on B);
    /// C restarted has its credentials, comes up sealed on mutual TLS, gets the domain key from a peer
    /// by itself (no share typed) and has the key made while it was down.
    @Test func killingANodeLeavesTheOthersServing() throws {
        let password = try makeUser("dave", on: a)
        c.kill()
        for node in [a, b] {
            let status = try cluster.cli(node, config: "status").ok(["cluster", "status", "--json"])
            #expect(status.json?["seal_state"] as? String == "unsealed")
        }
        #expect(try cluster.cli(c, config: "status").run(["cluster", "status"]).status != 0)
        #expect(try reachableNodes() == [a.endpoint, b.endpoint])
        let onA = try loggedIn("dave", on: a, password: password)
        let onB = try loggedIn("dave", on: b, password: password)
        try onA.ok(["key", "generate-asymmetric", "--label", "while-c-down", "--type", "ec-p256"])
        let message = cluster.folder + "/dave-message"
        try "while C is down".write(toFile: message, atomically: true, encoding: .utf8)
        try onB.ok(["crypto", "sign", "--key", "while-c-down", "--in", message, "--out", message + ".sig"])

        // Restarted with its data folder, C gets the domain key from a peer: nobody gives a share.
        let started = Date()
        try c.start()
        try c.wait(for: "serving mutual TLS, endpoint: \(c.endpoint) (sealed)")
        #expect(!c.printed.contains("join endpoint"))
        try c.wait(for: "unsealed with the domain key from peer")
        print("node C restarted: unsealed by a peer \(String(format: "%.2f", Date().timeIntervalSince(started))) s after its start")
        let onC = try loggedIn("dave", on: c, password: password)
        let verified = try onC.ok([
            "crypto", "verify", "--key", "while-c-down", "--in", message, "--signature", message + ".sig", "--json",
        ])
        #expect(verified.json?["valid"] as? Bool == true)
    }

    /// Runs after the kill: node C killed with -9 while keys are made and destroyed through A, and
    /// etcd compacted meanwhile (a watch from C's last revision could not resume), comes back and
    /// serves exactly the current keys: the new ones, and none of the destroyed ones.
    @Test func aNodeBackAfterCompactionServesExactlyTheCurrentKeys() throws {
        let password = try makeUser("frank", on: a)
        let onA = try loggedIn("frank", on: a, password: password)
        let kept = Set((0..<3).map { "frank-kept-\($0)" })
        let doomed = Set((0..<3).map { "frank-doomed-\($0)" })
        for label in kept.union(doomed) { try onA.ok(["key", "generate-symmetric", "--label", label]) }
        let onC = try loggedIn("frank", on: c, password: password)
        #expect(try labels(onC) == kept.union(doomed))

        c.kill()
        for label in doomed { try onA.ok(["key", "delete", label]) }
        let made = Set((0..<3).map { "frank-new-\($0)" })
        for label in made { try onA.ok(["key", "generate-asymmetric", "--label", label, "--type", "ec-p256"]) }
        let compacted = try cluster.compactEtcd()
        print("etcd compacted at revision \(compacted) while node C was down")

        try c.start()
        try c.wait(for: "unsealed with the domain key from peer")
        try onC.ok(["login", "--user", "frank", "--password-file", password])
        #expect(try labels(onC) == kept.union(made))
        for label in doomed {
            let gone = try onC.fails(["crypto", "sign", "--key", label, "--in", cluster.adminPasswordFile, "--out", cluster.folder + "/x"])
            #expect(!gone.stderr.isEmpty)
        }
        try expectSignature(with: "frank-new-0", on: onC, verifiedOn: onA)
    }

    /// Node C restarted on a cofferd whose SHA-256 is not on the allowed list (the built one with
    /// bytes appended: a binary that differs) gets no domain key and says why; once an admin allows
    /// that digest it unseals by itself. The digest goes off the list again afterwards.
    @Test func aModifiedBinaryGetsTheKeyOnlyOnceAllowed() throws {
        let modified = try modifiedCofferd()
        defer { try? FileManager.default.removeItem(atPath: modified) }

        c.kill()
        try c.start(executable: modified)
        try c.wait(for: "is not on the cluster's allowed list")
        #expect(!c.printed.contains("unsealed with the domain key"))
        let status = try cluster.cli(c, config: "status").ok(["cluster", "status", "--json"])
        #expect(status.json?["seal_state"] as? String == "sealed")

        let admin = try admin(a)
        try admin.ok(["cluster", "allow-binary", "--file", modified])
        try c.wait(for: "unsealed with the domain key from peer")
        let listed = try admin.ok(["--json", "cluster", "nodes"]).json
        #expect((listed?["allowed_binaries"] as? [String])?.count == 2, "\(String(describing: listed))")
        try admin.ok(["cluster", "disallow-binary", "--file", modified])

        c.kill()
        try c.start()
        try c.wait(for: "unsealed with the domain key from peer")
    }

    /// A copy of the built cofferd with bytes appended: a binary whose SHA-256 is not allowed.
    func modifiedCofferd() throws -> String {
        let modified = cluster.folder + "/cofferd-modified"
        try? FileManager.default.removeItem(atPath: modified)
        try FileManager.default.copyItem(atPath: DevNode.binaries + "/cofferd", toPath: modified)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: modified))
        handle.seekToEndOfFile()
        handle.write(Data("a changed cofferd\n".utf8))
        try handle.close()
        return modified
    }

    /// Sets (or, nil, removes) `node`'s join credential file in its config.
    func setJoin(_ node: ClusterNode, _ credential: String?) throws {
        let url = URL(fileURLWithPath: node.configPath)
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        config["join"] = credential
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys]).write(to: url)
    }

    /// A CLI on a profile that reaches `node` only (for nodes outside the shared three).
    func cli(reaching node: ClusterNode, config: String) throws -> CofferCLI {
        let path = cluster.folder + "/profile-\(config).json"
        var json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: cluster.profile(a)))) as? [String: Any])
        json["endpoints"] = [node.endpoint]
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: path))
        return CofferCLI(configDirectory: cluster.folder + "/config-" + config, profile: path)
    }

    /// A node with a fresh data folder that joins with `credential` (optionally on another binary);
    /// returns it started.
    func joiningNode(_ name: String, credential: String, executable: String = DevNode.binaries + "/cofferd") throws -> ClusterNode {
        let node = try cluster.extraNode(name, prefix: cluster.prefix)
        try setJoin(node, credential)
        try node.start(executable: executable)
        return node
    }

    /// Issue 11's join: a credential from `add-node` (0600) lets a new node in once, with nobody
    /// typing a share: it serves a key made before it existed. Refused, each with its reason on the
    /// joining side and no key sent: a binary not on the allowed list (which does not use the
    /// credential up), the used credential again, an expired one, and one from another cluster.
    @Test func aNewNodeJoinsOnceWithACredential() throws {
        let password = try makeUser("heidi", on: a)
        let onA = try loggedIn("heidi", on: a, password: password)
        try onA.ok(["key", "generate-asymmetric", "--label", "before-edge", "--type", "ec-p256"])
        let admin = try admin(a)
        let credential = cluster.folder + "/join-edge-1.json"
        let made = try admin.ok(["--json", "cluster", "add-node", "edge-1", "--out", credential]).json
        #expect(made?["replaceable"] as? Bool == false)
        let mode = try FileManager.default.attributesOfItem(atPath: credential)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let modified = try modifiedCofferd()
        defer { try? FileManager.default.removeItem(atPath: modified) }
        let wrongBinary = try joiningNode("edge-modified", credential: credential, executable: modified)
        try wrongBinary.wait(for: "is not on the cluster's allowed list")
        wrongBinary.kill()
        #expect(!wrongBinary.printed.contains("joined the cluster"))
        #expect(!FileManager.default.fileExists(atPath: wrongBinary.dataDirectory + "/tls/server.pem"))

        let started = Date()
        let edge = try joiningNode("edge-1", credential: credential)
        defer { edge.kill() }
        try edge.wait(for: "cofferd: joined the cluster as edge-1")
        try edge.wait(for: "serving mutual TLS, endpoint: \(edge.endpoint) (unsealed)")
        print("a new node joined with its credential and served \(String(format: "%.2f", Date().timeIntervalSince(started))) s after its start")
        let onEdge = try cli(reaching: edge, config: "heidi-edge")
        try onEdge.ok(["login", "--user", "heidi", "--password-file", password])
        try expectSignature(with: "before-edge", on: onEdge, verifiedOn: onA)
        let nodes = try admin.ok(["--json", "cluster", "nodes"]).json?["nodes"] as? [[String: Any]] ?? []
        let row = nodes.first { $0["name"] as? String == "edge-1" }
        #expect(row?["admitted_by"] as? String == "join" && row?["removed"] as? Bool == false, "\(nodes)")

        let again = try joiningNode("edge-again", credential: credential)
        try again.wait(for: "the join credential for edge-1 was used already")
        again.kill()

        let shortLived = cluster.folder + "/join-edge-2.json"
        try admin.ok(["cluster", "add-node", "edge-2", "--valid-for", "1s", "--out", shortLived])
        Thread.sleep(forTimeInterval: 2)
        let late = try joiningNode("edge-late", credential: shortLived)
        try late.wait(for: "the join credential for edge-2 expired at")
        late.kill()

        // A credential of another cluster: its own CA and certificate (made with openssl here).
        let foreign = try foreignCredential(name: "edge-3")
        let stranger = try joiningNode("edge-stranger", credential: foreign)
        try stranger.wait(for: "the join credential is for another cluster")
        stranger.kill()
        for node in [wrongBinary, again, late, stranger] { #expect(!node.printed.contains("cofferd: joined")) }
        // None of the refused nodes became a member.
        let after = try admin.ok(["--json", "cluster", "nodes"]).json?["nodes"] as? [[String: Any]] ?? []
        #expect(after.count == nodes.count, "\(after)")
    }

    /// A join credential file for `name` from a CA of its own, as another cluster's would be.
    func foreignCredential(name: String) throws -> String {
        let folder = cluster.folder + "/foreign-\(name)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        func openssl(_ arguments: [String]) throws {
            let run = try Tool.run("openssl", arguments, folder: folder)
            #expect(run.status == 0, "openssl \(arguments): \(run.stderr)")
        }
        try openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", folder + "/ca-key.pem"])
        try openssl(["req", "-x509", "-new", "-key", folder + "/ca-key.pem", "-subj", "/CN=Another cluster CA", "-days", "1", "-out", folder + "/ca.pem"])
        try openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", folder + "/key.pem"])
        try openssl(["req", "-new", "-key", folder + "/key.pem", "-subj", "/CN=coffer-join \(name)", "-out", folder + "/req.pem"])
        try openssl([
            "x509", "-req", "-in", folder + "/req.pem", "-CA", folder + "/ca.pem", "-CAkey", folder + "/ca-key.pem",
            "-CAcreateserial", "-days", "1", "-out", folder + "/cert.pem",
        ])
        let read = { (file: String) in try String(contentsOfFile: folder + "/" + file, encoding: .utf8) }
        let file: [String: Any] = [
            "name": name, "cluster": "another", "ca": try read("ca.pem"), "certificate": try read("cert.pem"),
            "key": try read("key.pem"), "expires_at": "", "replaceable": false,
        ]
        let path = folder + "/join.json"
        try JSONSerialization.data(withJSONObject: file).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Issue 11's replacement, the first "done when": node C killed with -9 and its data folder
    /// deleted; started again with the same config, which holds the replaceable credential an admin
    /// made for its name, it joins as a new node, replaces its old self (revoked in the same step),
    /// catches up and signs with keys made before and during its absence. Nobody types anything.
    @Test func aNodeThatLostItsDataFolderReplacesItself() throws {
        let admin = try admin(a)
        let oldID = try String(contentsOfFile: c.dataDirectory + "/node-id", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let credential = cluster.folder + "/join-c.json"
        try admin.ok(["cluster", "add-node", oldID, "--replaceable", "--out", credential])
        try setJoin(c, credential)

        let password = try makeUser("ivan", on: a)
        let onA = try loggedIn("ivan", on: a, password: password)
        try onA.ok(["key", "generate-asymmetric", "--label", "ivan-before", "--type", "ec-p256"])
        c.kill()
        try FileManager.default.removeItem(atPath: c.dataDirectory)
        try onA.ok(["key", "generate-asymmetric", "--label", "ivan-during", "--type", "ed25519"])

        let started = Date()
        try c.start()
        try c.wait(for: "cofferd: joined the cluster as \(oldID)")
        try c.wait(for: "serving mutual TLS, endpoint: \(c.endpoint) (unsealed)")
        print("node C, its data folder lost, replaced itself and served \(String(format: "%.2f", Date().timeIntervalSince(started))) s after its start")
        #expect(c.printed.contains("replacing \(oldID)"))
        let newID = try String(contentsOfFile: c.dataDirectory + "/node-id", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(newID != oldID)

        let onC = try loggedIn("ivan", on: c, password: password)
        for label in ["ivan-before", "ivan-during"] { try expectSignature(with: label, on: onC, verifiedOn: onA) }
        let nodes = try admin.ok(["--json", "cluster", "nodes"]).json?["nodes"] as? [[String: Any]] ?? []
        #expect(nodes.first { $0["node_id"] as? String == oldID }?["removed"] as? Bool == true, "\(nodes)")
        let replacement = nodes.first { $0["node_id"] as? String == newID }
        #expect(replacement?["name"] as? String == oldID && replacement?["admitted_by"] as? String == "join")
    }

    /// A fourth node joins with the shares (a member, its binary allowed), is removed by an admin:
    /// it seals itself, its calls are refused by every node, after a kill -9 and a restart no peer
    /// sends it the key, and even the shares do not bring it back.
    @Test func aRemovedNodeGetsNothingBack() throws {
        let d = try cluster.extraNode("node4", prefix: cluster.prefix)
        defer { d.kill() }
        try d.start()
        try d.wait(for: "join endpoint:")
        let joiner = CofferCLI(configDirectory: cluster.folder + "/config-join4", profile: cluster.folder + "/none.json")
        for share in cluster.shares.prefix(2) {
            try joiner.ok(
                ["cluster", "unseal", "--bootstrap", d.endpoint, "--bootstrap-ca", d.dataDirectory + "/bootstrap/ca.pem"],
                stdin: share + "\n")
        }
        try d.wait(for: "serving mutual TLS, endpoint: \(d.endpoint) (unsealed)")
        let id = try String(contentsOfFile: d.dataDirectory + "/node-id", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let admin = try admin(a)
        var members: [[String: Any]] = []
        for _ in 0..<100 {
            members = try admin.ok(["--json", "cluster", "nodes"]).json?["nodes"] as? [[String: Any]] ?? []
            if members.contains(where: { $0["node_id"] as? String == id }) { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(members.first { $0["node_id"] as? String == id }?["admitted_by"] as? String == "shares", "\(members)")

        let removed = try admin.ok(["--json", "cluster", "remove-node", id]).json
        #expect(removed?["removed"] as? Bool == true)
        try d.wait(for: "this node was removed from the cluster; sealing")
        d.kill()
        try d.start()
        try d.wait(for: "belongs to a node removed from the cluster")
        #expect(!d.printed.contains("unsealed with the domain key"))

        // The shares unseal it for an instant; it sees its removal and seals again, and says so.
        let profile = cluster.folder + "/profile-node4.json"
        var json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: cluster.profile(a)))) as? [String: Any])
        json["endpoints"] = [d.endpoint]
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: profile))
        let custodian = CofferCLI(configDirectory: cluster.folder + "/config-custodian4", profile: profile)
        _ = try custodian.run(["cluster", "unseal"], stdin: cluster.shares[0] + "\n")
        let refused = try custodian.fails(["cluster", "unseal"], stdin: cluster.shares[1] + "\n")
        #expect(refused.stderr.contains("was removed from the cluster"), "\(refused.stderr)")
        let status = try custodian.ok(["cluster", "status", "--json"])
        #expect(status.json?["seal_state"] as? String == "sealed")
        let listed = try admin.ok(["--json", "cluster", "nodes"]).json?["nodes"] as? [[String: Any]] ?? []
        #expect(listed.first { $0["node_id"] as? String == id }?["removed"] as? Bool == true)
    }

    /// Runs last: all three nodes killed with -9 and restarted wait for the shares (no peer holds
    /// the key); once one is unsealed with them, the other two unseal from it by themselves and
    /// serve the keys made before. The domain key (rebuilt here from the shares) is nowhere in
    /// etcd's data, the nodes' data folders or any log, in raw, hex or base64 form.
    @Test func allThreeKilledWaitForTheSharesThenUnsealEachOther() throws {
        let password = try makeUser("grace", on: a)
        let onA = try loggedIn("grace", on: a, password: password)
        try onA.ok(["key", "generate-asymmetric", "--label", "before-the-outage", "--type", "ec-p256"])

        for node in [a, b, c] { node.kill() }
        for node in [a, b, c] { try node.start() }
        for node in [a, b, c] { try node.wait(for: "serving mutual TLS, endpoint: \(node.endpoint) (sealed)") }
        for node in [b, c] { try node.wait(for: "no peer sent the domain key") }
        Thread.sleep(forTimeInterval: 2)
        for node in [a, b, c] {
            #expect(!node.printed.contains("unsealed with the domain key"))
            let status = try cluster.cli(node, config: "status").ok(["cluster", "status", "--json"])
            #expect(status.json?["seal_state"] as? String == "sealed")
        }

        let unsealed = Date()
        try cluster.unsealThroughProfile(a)
        for node in [b, c] { try node.wait(for: "unsealed with the domain key from peer") }
        print("after the shares unsealed A, B and C unsealed from it within \(String(format: "%.2f", Date().timeIntervalSince(unsealed))) s")
        try expectSignature(
            with: "before-the-outage", on: try loggedIn("grace", on: c, password: password),
            verifiedOn: try loggedIn("grace", on: b, password: password))

        // Where the domain key must not be.
        let key = try Shamir.combine(cluster.shares.prefix(2).map { try ShamirShare(text: $0) }).unsafeCopy
        #expect(key.count == 32)
        let forms = [key, Array(key.map { String(format: "%02x", $0) }.joined().utf8), Array(Data(key).base64EncodedString().utf8)]
        var searched = 0
        let files = FileManager.default.enumerator(atPath: cluster.folder)
        while let relative = files?.nextObject() as? String {
            let path = cluster.folder + "/" + relative
            var directory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &directory), !directory.boolValue,
                let data = FileManager.default.contents(atPath: path)
            else { continue }
            searched += 1
            for form in forms { #expect(data.range(of: Data(form)) == nil, "the domain key is in \(relative)") }
        }
        print("searched \(searched) files (etcd data and logs, node data folders and logs) for the domain key: not found")
        #expect(searched > 20)
    }
}
