// Failover with real processes (C/sessions.c): a configuration whose first endpoint is a closed port
// still works, and a node killed with SIGKILL under an open session gives CKR_DEVICE_REMOVED on that
// session's next call (there is no other node); once the node is back (same data folder: dev mode
// unseals itself) the same session works again, logged in, and the token key is still there.
import CofferTestSupport
import Foundation
import Testing

@Suite struct FailoverTests {
    @Test func aDeadEndpointInTheConfigurationIsSkipped() throws {
        let fixture = try PKCS11Fixture()
        let folder = fixture.node.folder
        guard let program = try CProgram.compile("sessions", in: folder) else { return }
        // The dev profile names its certificate files relative to itself: write the new one beside it.
        let profile = try #require(
            JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture.configuration))) as? [String: Any])
        let live = try #require((profile["endpoints"] as? [String])?.first)
        var twoEndpoints = profile
        twoEndpoints["endpoints"] = ["127.0.0.1:\(try DevNode.freePort())", live]
        twoEndpoints["endpoint_order"] = "listed"
        let path = URL(fileURLWithPath: fixture.configuration).deletingLastPathComponent().appendingPathComponent("two.conf").path
        try JSONSerialization.data(withJSONObject: twoEndpoints).write(to: URL(fileURLWithPath: path))
        let result = try program.run(configuration: path, [PKCS11Fixture.library, fixture.pin, "basic"], folder: folder)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains(" 0 failed"), "\(result.stdout)")
    }

    @Test func theSessionOfAKilledNodeWorksAgainOnceTheNodeIsBack() throws {
        let fixture = try PKCS11Fixture()
        let folder = fixture.node.folder
        guard let program = try CProgram.compile("sessions", in: folder) else { return }
        let process = try program.start(
            configuration: fixture.configuration, [PKCS11Fixture.library, fixture.pin, "kill", folder], folder: folder, name: "kill")
        defer { if process.isRunning { process.terminate() } }
        let output = { (try? String(contentsOfFile: folder + "/kill.out", encoding: .utf8)) ?? "" }
        try #require(Self.waitFor(folder + "/ready", while: process), "\(output())")
        fixture.node.kill()
        _ = FileManager.default.createFile(atPath: folder + "/killed", contents: nil)
        try #require(Self.waitFor(folder + "/checked", while: process), "\(output())")
        try fixture.node.start()
        _ = FileManager.default.createFile(atPath: folder + "/restarted", contents: nil)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output())")
        #expect(output().contains(" 0 failed"), "\(output())")
        print(output().split(separator: "\n").filter { $0.hasPrefix("call on the lost session") }.joined())
    }

    /// Waits (bounded: two minutes) for the program to create `path`; false if it exits first.
    static func waitFor(_ path: String, while process: Process) -> Bool {
        for _ in 0..<1200 {
            if FileManager.default.fileExists(atPath: path) { return true }
            if !process.isRunning { return false }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }
}
