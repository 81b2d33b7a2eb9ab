// Searches return every match, past the node's 1,000-handle page: 2,500 keys made in bulk by the
// CLI are all listed by `coffer key list`, found by a C host's C_FindObjects (C/find.c, which also
// checks reads after C_SetAttributeValue and C_DestroyObject) and listed by `pkcs11-tool -O`.
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
}
