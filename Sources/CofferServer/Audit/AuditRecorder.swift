// Audit entries for what commits nothing (issue 13): crypto calls, logins, and every refused call.
// Signing at tens of thousands of calls a second cannot take a store write each, so calls are kept
// in memory as they are served and written every 100 ms in blocks of at most 2,000 entries
// (512 KiB) each: numbered into the log at once when this node wins the log's head, else as a
// pending record that a sequencer numbers. A node killed between two writes loses at most that window of these entries;
// management entries are written with their change and are never lost (docs/audit.md).

import CofferAudit
import CofferState
import Foundation
import Logging
import Synchronization

/// One served call, as cheap as it can be kept on the hot path; made an entry when written.
struct RecordedCall: Sendable {
    var milliseconds: Int64
    var user: String
    var operation: String
    var handle: UInt64?
    var mechanism: UInt64?
    var ckr: UInt64
    var certificate: [UInt8]?
    var target: String?

    init(
        user: String, operation: String, handle: UInt64? = nil, mechanism: UInt64? = nil, ckr: UInt64, certificate: [UInt8]?,
        target: String? = nil
    ) {
        milliseconds = Int64(Date().timeIntervalSince1970 * 1000)
        self.user = user
        self.operation = operation
        self.target = target
        self.handle = handle
        self.mechanism = mechanism
        self.ckr = ckr
        self.certificate = certificate
    }
}

/// A node's buffer of audit entries and the task that writes them.
final class AuditRecorder: Sendable {
    static let interval: Duration = .milliseconds(100)
    static let entriesPerBlock = 2000
    /// And at most this many bytes per record (by `AuditEntry.lineLengthBound`, which is at least
    /// the bytes written), inside etcd's 1.5 MiB request.
    static let bytesPerBlock = 1024 * 1024
    /// Past this many unwritten entries (the store unreachable for a long time) the oldest are
    /// dropped and counted, rather than the node running out of memory.
    static let maxBuffered = 1_000_000

    let node: String
    let state: StateMachine
    let logger: Logger

    private struct Buffer {
        var calls: [RecordedCall] = []
        var running = false
        var cryptoCalls = true
        var dropped = 0
    }
    private let buffer = Mutex(Buffer())

    init(node: String, state: StateMachine, logger: Logger) {
        self.node = node
        self.state = state
        self.logger = logger
    }

    /// Keeps `call` for the next write (nothing until `run` started: in-process tests run no recorder).
    func record(_ call: RecordedCall) {
        buffer.withLock { b in
            guard b.running else { return }
            b.calls.append(call)
        }
    }

    /// Keeps a crypto call, unless the node was configured not to record them (benchmarks only).
    func recordCrypto(_ call: @autoclosure () -> RecordedCall) {
        buffer.withLock { b in
            guard b.running, b.cryptoCalls else { return }
            b.calls.append(call())
        }
    }

    /// Writes the buffer every `interval` until cancelled, then once more; with a `sequencer`, each
    /// block is numbered straight into the log when the node wins the head, and pending otherwise.
    /// With `background`, a write runs there, at the lowest priority, unless the writes are behind;
    /// the timer stays on the shared executor, so a busy node still starts each write on time.
    func run(cryptoCalls: Bool, sequencer: AuditSequencer? = nil, background: BackgroundExecutor? = nil) async {
        buffer.withLock {
            $0.running = true
            $0.cryptoCalls = cryptoCalls
        }
        while !Task.isCancelled {
            try? await Task.sleep(for: Self.interval)
            if let background, !behind {
                await withTaskExecutorPreference(background) { await flush(sequencer: sequencer) }
            } else {
                await flush(sequencer: sequencer)
            }
        }
        await flush(sequencer: sequencer)
    }

    /// Past this many unwritten entries the writes are behind the calls (a node serving calls on
    /// every core leaves the background thread too little time): they then run at the usual priority.
    static let behindEntries = 5 * entriesPerBlock

    /// Whether more entries wait than a write keeps up with.
    var behind: Bool { buffer.withLock { $0.calls.count > Self.behindEntries } }

    /// Writes what is buffered, a block of at most `entriesPerBlock` entries per record. What fails
    /// to be written goes back to the front of the buffer for the next try.
    func flush(sequencer: AuditSequencer? = nil) async {
        // Taken by swapping in an empty array: no allocation while the lock is held, so that a
        // write on the low-priority thread never keeps a served call waiting for the lock.
        var calls: [RecordedCall] = []
        buffer.withLock { swap(&calls, &$0.calls) }
        guard !calls.isEmpty else { return }
        var start = 0
        // The few client certificates of a block, in hex: looked up by comparing arrays, which is
        // the identity of their storage for the calls of one connection (no hashing per entry).
        var hexOf: [(fingerprint: [UInt8], hex: String)] = []
        var labels: [UInt64: String?] = [:]
        // Calls of the same millisecond share one time string.
        var lastTime: (milliseconds: Int64, text: String) = (-1, "")
        while start < calls.count {
            var entries: [AuditEntry] = []
            entries.reserveCapacity(min(calls.count - start, Self.entriesPerBlock))
            var bytes = 0
            var end = start
            while end < calls.count, entries.count < Self.entriesPerBlock, bytes < Self.bytesPerBlock {
                let call = calls[end]
                let certificate = call.certificate.map { fingerprint in
                    if let known = hexOf.first(where: { $0.fingerprint == fingerprint }) { return known.hex }
                    let hex = ClusterMember.hex(fingerprint)
                    if hexOf.count < 64 { hexOf.append((fingerprint, hex)) }
                    return hex
                }
                let label = call.handle.flatMap { handle in
                    if let known = labels[handle] { return known }
                    let found = state.label(of: handle)
                    labels[handle] = found
                    return found
                }
                if call.milliseconds != lastTime.milliseconds {
                    lastTime = (call.milliseconds, AuditEntry.timestamp(milliseconds: call.milliseconds))
                }
                let entry = AuditEntry(
                    time: lastTime.text, node: node, user: call.user, operation: call.operation, handle: call.handle, label: label,
                    target: call.target, mechanism: call.mechanism, ckr: call.ckr, certificate: certificate)
                bytes += entry.lineLengthBound
                entries.append(entry)
                end += 1
            }
            do {
                if try await sequencer?.appendDirect(entries) != true {
                    try await state.appendAuditPending(entries.map(\.line), node: node, firstTime: calls[start].milliseconds)
                }
            } catch {
                logger.warning("audit entries not written yet; trying again", metadata: ["entries": "\(calls.count - start)", "error": "\(error)"])
                let unwritten = Array(calls[start...])
                buffer.withLock { b in
                    b.calls = unwritten + b.calls
                    if b.calls.count > Self.maxBuffered {
                        b.dropped += b.calls.count - Self.maxBuffered
                        b.calls.removeFirst(b.calls.count - Self.maxBuffered)
                        logger.error("audit entries dropped: the store took none for too long", metadata: ["dropped": "\(b.dropped)"])
                    }
                }
                return
            }
            start = end
        }
    }
}
