// Issue 11, first part, with real processes: a node makes its identity at first start (owner-only
// files) and keeps it across restarts; `coffer cluster attest` checks its signed attestation for a
// fresh nonce, the binary digest against the cofferd file on disk and the identity key against an
// earlier answer, and refuses a node that reports another binary. The private keys are in no log.

import CofferTestSupport
import Foundation
import Testing

@Suite struct CLIAttestationTests {
    @Test func aNodeAttestsItsBinaryAndKeepsItsIdentity() throws {
        let node = try DevNode()
        defer { node.remove() }
        let cli = node.cli(config: "attest")
        let cofferd = DevNode.binaries + "/cofferd"
        let first = try cli.ok(["--json", "cluster", "attest", "--expect-binary", cofferd]).json
        #expect(first?["valid"] as? Bool == true && first?["binary_checked"] as? Bool == true, "\(String(describing: first))")
        let identity = try #require(first?["identity_signing_key"] as? String)

        let folder = node.dataDirectory + "/identity"
        let folderMode = try FileManager.default.attributesOfItem(atPath: folder)[.posixPermissions] as? Int
        let fileMode = try FileManager.default.attributesOfItem(atPath: folder + "/keys")[.posixPermissions] as? Int
        #expect(folderMode == 0o700 && fileMode == 0o600)

        // The same identity after a restart; another expected binary is refused, naming both digests.
        try node.restart()
        let again = try cli.ok(["--json", "cluster", "attest", "--expect-identity", identity]).json
        #expect(again?["identity_signing_key"] as? String == identity)
        let wrong = try cli.fails(["cluster", "attest", "--expect-digest", String(repeating: "0", count: 64)])
        #expect(wrong.stderr.contains("not the expected"), "\(wrong.stderr)")
        let stranger = try cli.fails(["cluster", "attest", "--expect-identity", "AAAA"])
        #expect(stranger.stderr.contains("not the expected"), "\(stranger.stderr)")

        // Neither private key appears in the node's log.
        let keys = try String(contentsOfFile: folder + "/keys", encoding: .utf8).split(separator: "\n").map(String.init)
        let log = try String(contentsOfFile: node.logPath, encoding: .utf8)
        #expect(keys.count == 2 && keys.allSatisfy { !log.contains($0) })
    }
}
