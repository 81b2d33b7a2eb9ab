// Audit entries as canonical JSON lines, and the frontier that appends leaves without reading them
// again: its root equals the RFC 9162 root of the same leaves at every size.

import CofferAudit
import Foundation
import Testing

@Suite struct AuditEntryTests {
    @Test func anEntryIsOneCanonicalLineThatReadsBack() throws {
        let entry = AuditEntry(
            seq: 7, time: AuditEntry.timestamp(Date(timeIntervalSince1970: 1_796_601_600.25)), node: "node-1",
            user: "al\"ice\\\n\u{1}", operation: "sign", handle: 12, label: "key ✓", mechanism: 0x1041, ckr: 0xA0,
            certificate: "ab")
        let line = String(decoding: entry.line, as: UTF8.self)
        #expect(line == #"{"certificate":"ab","ckr":160,"handle":12,"label":"key ✓","mechanism":4161,"node":"node-1","operation":"sign","result":"failed","seq":7,"time":"2026-12-07T00:00:00.250Z","user":"al\"ice\\\n\u0001"}"#)
        #expect(try AuditEntry(line: entry.line) == entry)
        // Anything not in canonical form is refused: spaces, another key order, an unknown member.
        #expect(throws: AuditError.self) { try AuditEntry(line: Array(line.replacingOccurrences(of: ",", with: ", ").utf8)) }
        #expect(throws: AuditError.self) { try AuditEntry(line: Array(#"{"user":"a","time":"t","result":"ok","operation":"o","node":"n","ckr":0}"#.utf8)) }
        #expect(throws: AuditError.self) { try AuditEntry(line: Array("not json".utf8)) }
    }

    /// The encoder of a block reuses the start of the line before; the bytes must be every entry's own line.
    @Test func aBlocksLinesAreEachEntrysOwnLine() {
        var entries: [AuditEntry] = []
        for seq in UInt64(0)..<60 {
            // Runs of a few entries that share their start, then one member or another changes.
            let run = seq / 3
            entries.append(
                AuditEntry(
                    seq: seq, time: AuditEntry.timestamp(milliseconds: 1_796_601_600_000 + Int64(seq)), node: run % 7 == 0 ? "node-2" : "node-1",
                    user: seq % 2 == 0 ? "alice" : "b\"ob", operation: run % 5 == 0 ? "verify" : "sign", handle: run % 4 == 0 ? nil : 12 + run % 2,
                    label: run % 3 == 0 ? "k\n1" : nil, target: seq % 11 == 0 ? "carol" : nil, mechanism: run % 6 == 0 ? nil : 0x1041,
                    ckr: run % 8 == 0 ? 0x82 : 0, certificate: run % 9 == 0 ? nil : String(repeating: run % 2 == 0 ? "ab" : "cd", count: 32)))
        }
        var block: [UInt8] = []
        var encoder = AuditEntry.LineEncoder()
        for entry in entries {
            encoder.append(entry, to: &block)
            block.append(UInt8(ascii: "\n"))
        }
        let lines = block.split(separator: UInt8(ascii: "\n")).map(Array.init)
        #expect(lines.count == entries.count)
        for (line, entry) in zip(lines, entries) { #expect(line == entry.line, "entry \(entry.seq ?? 0)") }
    }

    @Test func timestampsAreUTCWithMilliseconds() {
        #expect(AuditEntry.timestamp(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(AuditEntry.timestamp(Date(timeIntervalSince1970: 951_782_400.999)) == "2000-02-29T00:00:00.999Z")
        #expect(AuditEntry.timestamp(Date(timeIntervalSince1970: 4_102_444_799)) == "2099-12-31T23:59:59.000Z")
    }

    @Test func theFrontiersRootIsTheTreesRootAtEverySize() throws {
        let leaves = (0..<70).map { MerkleTree.leafHash(Array("entry \($0)".utf8)) }
        var frontier = MerkleFrontier()
        #expect(frontier.root == MerkleTree.emptyRoot)
        for (n, leaf) in leaves.enumerated() {
            frontier.append(leafHash: leaf)
            #expect(frontier.root == MerkleTree.root(Array(leaves[...n])), "size \(n + 1)")
            // A frontier read back from its hashes goes on the same way.
            let copy = try MerkleFrontier(size: frontier.size, hashes: frontier.hashes)
            #expect(copy == frontier)
        }
        #expect(throws: AuditError.self) { try MerkleFrontier(size: 3, hashes: [leaves[0]]) }
    }
}
