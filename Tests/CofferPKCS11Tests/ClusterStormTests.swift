// The PKCS#11 library on a real three-node cluster (a real 3-member etcd, three cofferd): a storm of
// threads (C/storm.c: signing, searching, generating token key pairs) runs while the node the library
// uses is killed with -9, brought back and unsealed, and then the next one is killed. The figures
// (calls, errors, pauses in signing) are printed. No signature and no search may fail; every key pair whose generation returned CKR_OK must afterwards be found
// exactly once, with its handle, and sign, on each of the three nodes.
import CofferTestSupport
import Foundation
import Testing

@Suite(.serialized) struct ClusterStormTests {
    @Test func signingAndSearchingGoOnThroughTwoNodeKills() throws {
        let cluster = try LoopbackCluster()
        defer { cluster.stop() }
        let (a, b) = (cluster.nodes[0], cluster.nodes[1])
        let folder = cluster.folder + "/storm"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let pin = try makeUser(cluster, through: a)
        guard let program = try CProgram.compile("storm", in: folder, libraries: ["-lpthread"]) else { return }
        let everyNode = try configuration(cluster, endpoints: cluster.nodes.map(\.endpoint), name: "all")

        let storm = try program.start(
            configuration: everyNode, [PKCS11Fixture.library, pin, "storm", folder], folder: folder, name: "storm")
        defer { if storm.isRunning { storm.terminate() } }
        let output = { (try? String(contentsOfFile: folder + "/storm.out", encoding: .utf8)) ?? "" }
        try #require(FailoverTests.waitFor(folder + "/ready", while: storm), "\(output())")

        // The library starts on the first endpoint (node A): kill it, bring it back, then kill B,
        // where the library went.
        let begun = Date()
        let at = { String(format: "%.1f s", Date().timeIntervalSince(begun)) }
        // Time for the library's standby logins on B and C (begun at C_Login) to finish: a debug
        // node checks a password with unoptimised scrypt.
        Thread.sleep(forTimeInterval: 6)
        a.kill()
        print("node A killed at \(at())")
        Thread.sleep(forTimeInterval: 6)
        try a.start()
        try a.wait(for: "serving mutual TLS")
        try cluster.unsealThroughProfile(a)
        print("node A back and unsealed at \(at())")
        Thread.sleep(forTimeInterval: 3)
        b.kill()
        print("node B killed at \(at())")
        Thread.sleep(forTimeInterval: 6)
        _ = FileManager.default.createFile(atPath: folder + "/stop", contents: nil)
        storm.waitUntilExit()
        print(output())
        #expect(storm.terminationStatus == 0, "\(output())")
        #expect(output().contains(" 0 failed"), "\(output())")

        try b.start()
        try b.wait(for: "serving mutual TLS")
        try cluster.unsealThroughProfile(b)
        for node in cluster.nodes {
            let one = try configuration(cluster, endpoints: [node.endpoint], name: "node\(node.index)")
            let checked = try program.run(configuration: one, [PKCS11Fixture.library, pin, "check", folder], folder: folder)
            #expect(checked.status == 0, "node \(node.index): \(checked.stdout)\(checked.stderr)")
            #expect(checked.stdout.contains(" 0 failed"), "node \(node.index): \(checked.stdout)")
            print("node \(node.index): " + checked.stdout.split(separator: "\n").filter { $0.hasPrefix("keys checked") }.joined())
        }
    }

    /// Makes crypto-user "storm" through `node`; returns its PIN.
    private func makeUser(_ cluster: LoopbackCluster, through node: ClusterNode) throws -> String {
        let password = "storm password \(UUID().uuidString)"
        let file = cluster.folder + "/storm-password"
        try (password + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let admin = cluster.cli(node, config: "storm-admin")
        try admin.ok(["login", "--user", "admin", "--password-file", cluster.adminPasswordFile])
        try admin.ok(["user", "create", "--name", "storm", "--role", "crypto-user", "--password-file", file])
        return "storm:" + password
    }

    /// A library configuration (a client profile) listing `endpoints`, with a patient call deadline
    /// (a debug cofferd checks a PIN with unoptimised scrypt).
    private func configuration(_ cluster: LoopbackCluster, endpoints: [String], name: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: cluster.profile(cluster.nodes[0])))
        var profile = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        profile["endpoints"] = endpoints
        profile["deadline_seconds"] = 60
        let path = cluster.folder + "/pkcs11-\(name).conf"
        try JSONSerialization.data(withJSONObject: profile).write(to: URL(fileURLWithPath: path))
        return path
    }
}
