// Searches return every match, past the node's 1,000-handle page: 2,500 keys made in bulk by the
// CLI are all listed by `coffer key list`, found by a C host's C_FindObjects (C/find.c, which also
// checks reads after C_SetAttributeValue and C_DestroyObject) and listed by `pkcs11-tool -O`; and the
// attributes a lister reads come with the search (read while the node is stopped).
import CofferTestSupport
import Foundation
import Testing

@Suite struct SearchPagingTests {
    static let count = 2500

    @Test func everyMatchPastOnePage() throws {
        let fixture = try PKCS11Fixture()
        let folder = fixture.node.folder
        let alice = fixture.node.cli(config: "alice")
        try alice.ok(["login", "--user", "alice", "--password-file", folder + "/alice-password"])
        try alice.ok(["key", "generate-symmetric", "--label", "p-", "--count", "\(Self.count)"])

        // The CLI: every key, each label once.
        let listed = try alice.ok(["key", "list", "--json"])
        let labels = (listed.json?["keys"] as? [[String: Any]] ?? []).compactMap { $0["label"] as? String }
        #expect(labels.count == Self.count)
        #expect(Set(labels) == Set((0..<Self.count).map { "p-\($0)" }))
        #expect(listed.stderr.isEmpty, "\(listed.stderr)")

        // A C host through the library.
        guard let program = try CProgram.compile("find", in: folder) else { return }
        let result = try program.run(
            configuration: fixture.configuration, [PKCS11Fixture.library, fixture.pin, "\(Self.count)", "p-"],
            folder: folder)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("found \(Self.count)\n"), "\(result.stdout)")
        #expect(result.stdout.contains(" 0 failed"), "\(result.stdout)")

        // pkcs11-tool -O lists what is left: one key destroyed by find.c, one relabelled.
        let started = Date()
        let objects = try fixture.pkcs11ToolOK(["--login", "--pin", fixture.pin, "-O"])
        let seconds = Date().timeIntervalSince(started)
        let keys = objects.stdout.components(separatedBy: "Secret Key Object").count - 1
        #expect(keys == Self.count - 1)
        #expect(objects.stdout.contains("label:      renamed-after-search"))
        // The figure for docs/benchmarks.md (debug build, loaded test machine: an upper bound).
        print("pkcs11-tool -O listed \(keys) secret keys in \(String(format: "%.1f", seconds)) s")
    }

    @Test func listingAttributesComeWithTheSearch() throws {
        let fixture = try PKCS11Fixture()
        let folder = fixture.node.folder
        let alice = fixture.node.cli(config: "alice")
        try alice.ok(["login", "--user", "alice", "--password-file", folder + "/alice-password"])
        try alice.ok(["key", "generate-symmetric", "--label", "p-", "--count", "1500"])
        guard let program = try CProgram.compile("find", in: folder) else { return }
        let signals = folder + "/signals"
        try FileManager.default.createDirectory(atPath: signals, withIntermediateDirectories: true)
        let process = try program.start(
            configuration: fixture.configuration, [PKCS11Fixture.library, fixture.pin, "1500", "p-", signals],
            folder: folder, name: "find")
        defer { if process.isRunning { process.terminate() } }
        func appeared(_ name: String) -> Bool {
            // A safety net against a stuck program, not a timing assertion.
            for _ in 0..<6000 {
                if FileManager.default.fileExists(atPath: signals + "/" + name) { return true }
                if !process.isRunning { return false }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return false
        }
        let pid = try #require(fixture.node.pid)
        #expect(appeared("searched"))
        // The node answers nothing now: every read must come from what the search brought.
        kill(pid, SIGSTOP)
        _ = FileManager.default.createFile(atPath: signals + "/stopped", contents: nil)
        let read = appeared("read")
        kill(pid, SIGCONT)
        _ = FileManager.default.createFile(atPath: signals + "/resumed", contents: nil)
        #expect(read)
        process.waitUntilExit()
        let output = (try? String(contentsOfFile: folder + "/find.out", encoding: .utf8)) ?? ""
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(output.contains("read 1500 without the node"), "\(output)")
        #expect(output.contains(" 0 failed"), "\(output)")
    }
}
