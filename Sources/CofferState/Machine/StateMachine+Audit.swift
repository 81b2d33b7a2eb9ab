// The audit log's storage (issue 13, docs/audit.md). Entries arrive in two ways: a management
// command's as a pending record in its own transaction (AuditParticipant), and crypto calls and
// failures in blocks a node writes every 100 ms, numbered straight into the log when the node wins
// the head (`appendAuditDirect`) and written as a pending record when it loses
// (`appendAuditPending`). A sequencer on every node numbers pending records into the log: one
// transaction compares the head and every pending record it takes, writes the block of numbered
// entries, the head (size and frontier) and a checkpoint the node signs, and deletes the pending
// records. Nodes racing for the head lose their compare and try again, so numbers have no gap and
// no entry is numbered twice. The log lives under `RecordKey.auditPrefix`, which the index skips
// when loading and backups do not carry, and no API deletes from it. Like the heartbeat, these
// writes are not state and bypass the commit seam.

import CofferAudit
import CofferModel
import Foundation

/// The log's head as stored: its size and the frontier of its tree.
struct AuditHead: Codable {
    var size: UInt64
    var frontier: [String]

    func tree() throws(AuditError) -> MerkleFrontier {
        try MerkleFrontier(size: size, hashes: frontier.map { Array(Data(base64Encoded: $0) ?? Data()) })
    }

    init(_ tree: MerkleFrontier) {
        size = tree.size
        frontier = tree.hashes.map { Data($0).base64EncodedString() }
    }
}

/// A checkpoint record: the signed note, and the first entry and frontier of the block it closes.
struct AuditCheckpointRecord: Codable {
    var first: UInt64
    var note: String
    var frontier: [String]
}

/// A stretch of the log as read: the frontier before its first entry, and its blocks with their checkpoints.
public struct AuditSlice: Sendable {
    public var frontier: MerkleFrontier
    public var blocks: [(entries: [[UInt8]], checkpoint: String)]
    /// The log's size when read.
    public var size: UInt64
}

extension StateMachine {
    /// Most pending records one append takes (each is a compare and a delete, within etcd's 128
    /// operations per transaction), and the most entry bytes it writes (etcd takes 1.5 MiB a request).
    static let auditRecordsPerAppend = 100
    static let auditBytesPerAppend = 768 * 1024

    /// Writes entry lines a node recorded as one pending record, sorted among pending records by the
    /// time of its first entry (milliseconds since 1970).
    public func appendAuditPending(_ lines: [[UInt8]], node: String, firstTime: Int64) async throws(StateError) {
        guard !lines.isEmpty else { return }
        var value: [UInt8] = []
        value.reserveCapacity(lines.reduce(0) { $0 + $1.count + 1 })
        for line in lines {
            value += line
            value.append(UInt8(ascii: "\n"))
        }
        do {
            _ = try await store.transact(compare: [], success: [.put(key: RecordKey.auditPending(node: node, milliseconds: UInt64(max(0, firstTime))), value: value)], failure: [])
        } catch {
            throw StateError(error)
        }
    }

    /// Numbers pending entries into the log and signs the checkpoint of the new size with `sign`.
    /// Returns how many entries it added (0 with nothing pending, or after losing the race to
    /// another node's append, which the next call follows).
    public func sequenceAudit(origin: String, sign: (Checkpoint) throws -> String) async throws -> Int {
        try await appendAudit(direct: [], takingPending: true, origin: origin, sign: sign) ?? 0
    }

    /// Numbers entries a node recorded straight into the log, without a pending record, when the
    /// node wins the head; false when another append won it (nothing was written: write them as
    /// pending then). Each entry is encoded once, with its number, straight into the block.
    public func appendAuditDirect(entries: [AuditEntry], origin: String, sign: (Checkpoint) throws -> String) async throws -> Bool {
        guard !entries.isEmpty else { return true }
        return try await appendAudit(direct: entries, takingPending: false, origin: origin, sign: sign) != nil
    }

    /// One append: `direct` entries, then pending records when `takingPending`, numbered as one block
    /// under one checkpoint. Returns the entries added, or nil when the head's compare failed.
    private func appendAudit(
        direct: [AuditEntry], takingPending: Bool, origin: String, sign: (Checkpoint) throws -> String
    ) async throws -> Int? {
        let headRecord = try await store.get(RecordKey.auditHead, at: nil)
        let head = try headRecord.map { try JSONDecoder().decode(AuditHead.self, from: Data($0.value)) } ?? AuditHead(MerkleFrontier())
        var tree = try head.tree()
        let pending = takingPending
            ? try await store.range(prefix: RecordKey.auditPendingPrefix, startKey: nil, at: nil, limit: Self.auditRecordsPerAppend).keyValues
            : []
        guard !pending.isEmpty || !direct.isEmpty else { return 0 }
        let first = tree.size
        var block: [UInt8] = []
        block.reserveCapacity(direct.reduce(0) { $0 + $1.lineLengthBound })
        var encoder = AuditEntry.LineEncoder()
        for var entry in direct {
            entry.seq = tree.size
            let start = block.count
            encoder.append(entry, to: &block)
            tree.append(leafHash: MerkleTree.leafHash(block[start...]))
            block.append(UInt8(ascii: "\n"))
        }
        var taken: [KeyValue] = []
        for record in pending {
            if !taken.isEmpty, block.count + record.value.count > Self.auditBytesPerAppend { break }
            taken.append(record)
            for line in record.value.split(separator: UInt8(ascii: "\n")) {
                let range = Self.appendNumbered(line, seq: tree.size, to: &block)
                tree.append(leafHash: MerkleTree.leafHash(block[range]))
                block.append(UInt8(ascii: "\n"))
            }
        }
        let note = try sign(Checkpoint(origin: origin, size: tree.size, root: tree.root))
        let checkpoint = AuditCheckpointRecord(first: first, note: note, frontier: AuditHead(tree).frontier)
        var compares: [StoreCompare] = [.modRevision(key: RecordKey.auditHead, equals: headRecord?.modRevision ?? 0)]
        var operations: [StoreOperation] = [
            .put(key: RecordKey.auditHead, value: Array(try JSONEncoder().encode(AuditHead(tree)))),
            .put(key: RecordKey.auditBlock(first), value: block),
            .put(key: RecordKey.auditCheckpoint(tree.size), value: Array(try JSONEncoder().encode(checkpoint))),
        ]
        for record in taken {
            compares.append(.modRevision(key: record.key, equals: record.modRevision))
            operations.append(.delete(key: record.key))
        }
        let result = try await store.transact(compare: compares, success: operations, failure: [])
        return result.succeeded ? Int(tree.size - first) : nil
    }

    /// A pending line with its number: `"seq":N` goes where canonical order puts it, before
    /// `"target"` or else `"time"`. In a canonical line every quote inside a string is escaped, so
    /// the first `,"target":"` or `,"time":"` is the member's own.
    static func numbered(_ line: ArraySlice<UInt8>, seq: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        _ = appendNumbered(line, seq: seq, to: &out)
        return out
    }

    /// `numbered`, appended to `block`; returns where the numbered line is in it.
    static func appendNumbered(_ line: ArraySlice<UInt8>, seq: UInt64, to block: inout [UInt8]) -> Range<Int> {
        let start = block.count
        var index = line.startIndex
        while index < line.endIndex {
            if line[index] == UInt8(ascii: ","), startsMember(line, at: index) {
                block += line[..<index]
                block += #","seq":\#(seq)"#.utf8
                block += line[index...]
                return start..<block.count
            }
            index += 1
        }
        // Not a line a node wrote: numbered as it is, so that verification names it.
        block += line
        return start..<block.count
    }

    private static let seqFollowers = [Array(#","target":""#.utf8), Array(#","time":""#.utf8)]

    private static func startsMember(_ line: ArraySlice<UInt8>, at index: Int) -> Bool {
        seqFollowers.contains { marker in
            line.endIndex - index >= marker.count && line[index..<index + marker.count].elementsEqual(marker)
        }
    }

    /// The log's size now.
    public func auditSize() async throws -> UInt64 {
        guard let record = try await store.get(RecordKey.auditHead, at: nil) else { return 0 }
        return try JSONDecoder().decode(AuditHead.self, from: Data(record.value)).size
    }

    /// The blocks from the one holding entry `from` on, until they hold `limit` entries or the log ends.
    public func readAudit(from: UInt64, limit: Int) async throws -> AuditSlice {
        let size = try await auditSize()
        guard from < size else {
            // Nothing to read: the frontier of the whole log, from its last checkpoint.
            let last = try await checkpointRecord(size)
            return AuditSlice(frontier: try frontier(last?.frontier ?? [], size: size), blocks: [], size: size)
        }
        // The first checkpoint past `from` closes the block that holds it.
        let closing = try await store.range(
            prefix: RecordKey.auditCheckpointPrefix, startKey: RecordKey.auditCheckpoint(from + 1), at: nil, limit: 1)
        guard let closingRecord = closing.keyValues.first else { throw AuditError("the log has no checkpoint past entry \(from)") }
        let closingCheckpoint = try JSONDecoder().decode(AuditCheckpointRecord.self, from: Data(closingRecord.value))
        var start = closingCheckpoint.first
        var before = start == 0 ? [] : try await checkpointRecord(start)?.frontier ?? []
        if try await store.get(RecordKey.auditBlock(start), at: nil) == nil {
            // Archived: the log now begins after that block, from the checkpoint kept where it ended.
            guard let kept = UInt64(String(decoding: closingRecord.key.dropFirst(RecordKey.auditCheckpointPrefix.count), as: UTF8.self), radix: 16)
            else { throw AuditError("a checkpoint record's key is not a size") }
            start = kept
            before = closingCheckpoint.frontier
        }
        var slice = AuditSlice(frontier: try frontier(before, size: start), blocks: [], size: size)
        var next = start
        var count = 0
        while count < limit, next < size {
            let blocks = try await store.range(prefix: RecordKey.auditBlockPrefix, startKey: RecordKey.auditBlock(next), at: nil, limit: 16)
            guard !blocks.keyValues.isEmpty else { break }
            for block in blocks.keyValues {
                let entries = block.value.split(separator: UInt8(ascii: "\n")).map(Array.init)
                let end = next + UInt64(entries.count)
                guard let checkpoint = try await checkpointRecord(end) else { throw AuditError("no checkpoint for \(end) entries") }
                slice.blocks.append((entries, checkpoint.note))
                next = end
                count += entries.count
                if count >= limit { break }
            }
        }
        return slice
    }

    /// Removes the log's blocks before entry `before`, which must end a block, and their checkpoint
    /// records, but for the checkpoint at `before`: its frontier is what a later export starts from,
    /// so the chain from there on stays verifiable. Returns how many entries left the store.
    public func archiveAudit(before: UInt64) async throws -> UInt64 {
        guard before > 0 else { return 0 }
        guard try await checkpointRecord(before) != nil else {
            throw AuditError("entry \(before) does not start a block (no checkpoint for \(before) entries)")
        }
        var removed: UInt64 = 0
        while true {
            let blocks = try await store.range(prefix: RecordKey.auditBlockPrefix, startKey: nil, at: nil, limit: 60)
            var operations: [StoreOperation] = []
            for block in blocks.keyValues {
                guard let first = UInt64(String(decoding: block.key.dropFirst(RecordKey.auditBlockPrefix.count), as: UTF8.self), radix: 16),
                    first < before
                else { break }
                let end = first + UInt64(block.value.split(separator: UInt8(ascii: "\n")).count)
                guard end <= before else { throw AuditError("entry \(before) falls inside the block from \(first) to \(end - 1)") }
                operations.append(.delete(key: block.key))
                if end < before { operations.append(.delete(key: RecordKey.auditCheckpoint(end))) }
                removed += end - first
            }
            guard !operations.isEmpty else { return removed }
            _ = try await store.transact(compare: [], success: operations, failure: [])
        }
    }

    private func checkpointRecord(_ size: UInt64) async throws -> AuditCheckpointRecord? {
        guard let record = try await store.get(RecordKey.auditCheckpoint(size), at: nil) else { return nil }
        return try JSONDecoder().decode(AuditCheckpointRecord.self, from: Data(record.value))
    }

    private func frontier(_ hashes: [String], size: UInt64) throws(AuditError) -> MerkleFrontier {
        try MerkleFrontier(size: size, hashes: hashes.map { Array(Data(base64Encoded: $0) ?? Data()) })
    }
}

extension StateMachine {
    /// The label of a token object in the index, for audit entries; nil when it is unknown.
    public func label(of handle: ObjectHandle) -> String? {
        state.withLock { $0.index.objects[handle]?.object.label }
    }
}
