// cofferd with a `store` setting the etcd backend refuses: it stops at start with exit status 1 and
// one line naming the setting, before it touches the data folder's store or any etcd.

import Foundation
import Testing

@Suite("cofferd store setting")
struct CofferdStoreSettingTests {
    /// Runs cofferd with `json` as its config file and returns (exit status, what it printed).
    static func run(_ json: String, extra: [String] = []) throws -> (Int32?, String, String) {
        let folder = try CofferdProcess.temporaryDirectory()
        let config = folder + "/cofferd.json"
        try json.write(toFile: config, atomically: true, encoding: .utf8)
        let process = try CofferdProcess(["--config", config, "--data-dir", folder + "/data"] + extra)
        let status = process.exitStatus(within: 60)
        return (status, process.printed, folder)
    }

    @Test(arguments: [
        (
            #"{"store": {"kind": "etcd", "endpoints": ["127.0.0.1:2379", "etcd.example.org:2379"], "prefix": "c/"}}"#,
            [String](), "cofferd: store.endpoints must be all IPv4 or all IPv6 addresses"
        ),
        (
            #"{"store": {"kind": "etcd", "endpoints": ["127.0.0.1:2379"], "prefix": "c/"}}"#, ["--dev"],
            "cofferd: store: --dev runs only on the SQLite store"
        ),
        (#"{"store": {"kind": "etcd", "endpoints": [], "prefix": "c/"}}"#, [], "cofferd: store.endpoints must list"),
    ])
    func refusedAtStart(json: String, extra: [String], expected: String) throws {
        let (status, printed, folder) = try Self.run(json, extra: extra)
        #expect(status == 1, "\(printed)")
        #expect(printed.contains(expected), "\(printed)")
        #expect(printed.split(separator: "\n").count == 1, "\(printed)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/data/store.sqlite"))
    }
}
