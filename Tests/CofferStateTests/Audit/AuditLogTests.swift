// The audit log's storage (StateMachine+Audit.swift): a committed command's entry lands with it, a
// refused one leaves none, pending entries from two machines sequenced by both at once get every
// number exactly once, every block's checkpoint matches the tree of the entries before it, and a
// lost race to the head changes nothing.

import CofferAudit
import CofferCrypto
import CofferModel
import CofferStoreMemory
import Crypto
import Foundation
import Testing
@testable import CofferState

@Suite struct AuditLogTests {
    static let origin = "coffer/test/audit"

    static func signer(_ name: String, _ key: Curve25519.Signing.PrivateKey) -> (Checkpoint) throws -> String {
        { checkpoint in try SignedNote.sign(checkpoint.text, name: name, key: key) }
    }

    /// Every entry of the log, read through `readAudit`, with each block's checkpoint checked.
    static func readAll(_ machine: StateMachine, verifiers: [NoteVerifier]) async throws -> [AuditEntry] {
        let slice = try await machine.readAudit(from: 0, limit: .max)
        var tree = slice.frontier
        var entries: [AuditEntry] = []
        for block in slice.blocks {
            for line in block.entries {
                tree.append(leafHash: MerkleTree.leafHash(line))
                entries.append(try AuditEntry(line: line))
            }
            let checkpoint = try Checkpoint(text: try SignedNote.open(block.checkpoint, verifiers: verifiers).text)
            #expect(checkpoint.size == tree.size && checkpoint.root == tree.root)
        }
        #expect(tree.size == slice.size)
        return entries
    }

    @Test func aCommandsEntryLandsWithItAndARefusedOneLeavesNone() async throws {
        let f = try await StateFixture.make(store: MemoryStateStore(), participants: [AuditParticipant(node: "node-a")])
        let key = Curve25519.Signing.PrivateKey()
        let verifier = try NoteVerifier(name: "coffer-node-a", publicKey: key.publicKey)
        _ = try await f.cryptoUser("alice")
        // A second user of the same name is refused before anything is written.
        await #expect(throws: StateError.self) { _ = try await f.cryptoUser("alice") }
        let alice = try f.machine.user(named: "alice")
        let made = try await f.machine.generateKey(
            mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "k1"), by: alice)
        while try await f.machine.sequenceAudit(origin: Self.origin, sign: Self.signer("coffer-node-a", key)) > 0 {}
        let entries = try await Self.readAll(f.machine, verifiers: [verifier])
        #expect(entries.map(\.operation) == ["initialize", "create-user", "generate-key"])
        #expect(entries.map(\.seq) == [0, 1, 2])
        #expect(entries[0].target == "admin" && entries[1].target == "alice" && entries[1].user == "admin")
        #expect(entries[2].handle == made && entries[2].label == "k1" && entries[2].user == "alice")
        #expect(entries[2].mechanism == UInt64(MechanismType.aesKeyGen.rawValue) && entries.allSatisfy { $0.ckr == 0 })
        // Nothing pending is left, and a second append adds nothing.
        #expect(try await f.machine.sequenceAudit(origin: Self.origin, sign: Self.signer("coffer-node-a", key)) == 0)
        #expect(try await f.machine.auditSize() == 3)
    }

    @Test func twoMachinesSequencingAtOnceNumberEveryEntryOnce() async throws {
        let f = try await StateFixture.make(store: MemoryStateStore(), participants: [AuditParticipant(node: "node-a")])
        let peer = try await f.peer(participants: [AuditParticipant(node: "node-b")])
        let (keyA, keyB) = (Curve25519.Signing.PrivateKey(), Curve25519.Signing.PrivateKey())
        let verifiers = [
            try NoteVerifier(name: "coffer-node-a", publicKey: keyA.publicKey),
            try NoteVerifier(name: "coffer-node-b", publicKey: keyB.publicKey),
        ]
        // Recorded blocks from both machines and users made through both, while both sequence. Half
        // the blocks are numbered straight in, as a recorder does, and written pending when that
        // loses the head to another append.
        let written = 40
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<written {
                let (machine, node, key) = n.isMultiple(of: 2) ? (f.machine, "node-a", keyA) : (peer, "node-b", keyB)
                group.addTask {
                    let entry = AuditEntry(time: AuditEntry.timestamp(Date()), node: "n", user: "u\(n)", operation: "sign", ckr: 0)
                    let direct = (n / 2).isMultiple(of: 2)
                    if direct,
                        try await machine.appendAuditDirect(entries: [entry, entry], origin: Self.origin, sign: Self.signer("coffer-" + node, key))
                    {
                        return
                    }
                    try await machine.appendAuditPending([entry.line, entry.line], node: node, firstTime: 1)
                }
            }
            for n in 0..<6 {
                group.addTask { _ = try await (n.isMultiple(of: 2) ? f.machine : peer).createUser(
                    name: "user\(n)", role: .cryptoUser, password: StateFixture.password("x"), by: f.admin) }
            }
            for (machine, name, key) in [(f.machine, "coffer-node-a", keyA), (peer, "coffer-node-b", keyB)] {
                group.addTask {
                    for _ in 0..<60 {
                        _ = try await machine.sequenceAudit(origin: Self.origin, sign: Self.signer(name, key))
                        await Task.yield()
                    }
                }
            }
            try await group.waitForAll()
        }
        while try await peer.sequenceAudit(origin: Self.origin, sign: Self.signer("coffer-node-b", keyB)) > 0 {}
        let entries = try await Self.readAll(f.machine, verifiers: verifiers)
        // initialize, six create-user and the 2 × 40 recorded lines.
        #expect(entries.count == 1 + 6 + 2 * written)
        #expect(entries.map(\.seq) == (0..<UInt64(entries.count)).map { Optional($0) })
        #expect(Set(entries.filter { $0.operation == "sign" }.map(\.user)).count == written)
    }

    @Test func aNumberedLineGetsItsSequenceWhereCanonicalOrderPutsIt() throws {
        for target in [nil, "bob\",\"time\":\""] {
            let entry = AuditEntry(
                time: "2026-12-07T06:00:00.000Z", node: "n", user: "a\",\"time\":\"x", operation: "sign", handle: 5,
                target: target, ckr: 0x60)
            var numbered = entry
            numbered.seq = 42
            #expect(StateMachine.numbered(entry.line[...], seq: 42) == numbered.line)
            #expect(try AuditEntry(line: numbered.line) == numbered)
        }
    }

    /// A recorder's entries, encoded with their numbers straight into the block, read back as the
    /// same entries as the same lines written pending and numbered by the sequencer.
    @Test func entriesNumberedStraightInMatchLinesNumberedAfterwards() async throws {
        let key = Curve25519.Signing.PrivateKey()
        let verifier = try NoteVerifier(name: "coffer-node-a", publicKey: key.publicKey)
        var entries: [AuditEntry] = []
        for n in 0..<5 {
            let time = AuditEntry.timestamp(milliseconds: 1_765_000_000_000 + Int64(n))
            let label: String? = n == 2 ? "l\u{1}" : nil
            let ckr: UInt64 = n == 3 ? 0x60 : 0
            entries.append(
                AuditEntry(
                    time: time, node: "node-a", user: "u\"\(n)\n", operation: "sign", handle: UInt64(n), label: label,
                    mechanism: 0x1041, ckr: ckr, certificate: String(repeating: "ab", count: 32)))
        }
        var read: [[AuditEntry]] = []
        for direct in [true, false] {
            let f = try await StateFixture.make(store: MemoryStateStore())
            let sign = Self.signer("coffer-node-a", key)
            if direct {
                #expect(try await f.machine.appendAuditDirect(entries: entries, origin: Self.origin, sign: sign))
            } else {
                let lines: [[UInt8]] = entries.map { $0.line }
                try await f.machine.appendAuditPending(lines, node: "node-a", firstTime: 1)
                while try await f.machine.sequenceAudit(origin: Self.origin, sign: sign) > 0 {}
            }
            read.append(try await Self.readAll(f.machine, verifiers: [verifier]).filter { $0.node == "node-a" })
        }
        #expect(read[0] == read[1] && read[0].count == 5)
        #expect(read[0].map { $0.user } == entries.map { $0.user })
        #expect(Set(read[0].compactMap(\.seq)).count == 5)
        // The bound a recorder splits blocks by is never below the encoded length.
        for entry in entries { #expect(entry.lineLengthBound >= entry.line.count + 24) }
    }
}
