// TokenService.Pipeline and the fast path: the hot path (single-part sign, verify, encrypt, decrypt, and
// the searches of C_FindObjectsInit) as messages, on one gRPC stream or on attached fast-path
// connections, so that a call costs a message rather than an HTTP/2 stream. Each call gets the same checks and CKR codes as its unary RPC.

import CofferCrypto
import CofferProtocol
import CofferState
import Foundation
import GRPCCore
import Synchronization

extension TokenService {
    /// Calls one stream may have running at once; past this the node stops reading the stream until
    /// some finish (HTTP/2 flow control then holds the client back).
    static let pipelineInFlightLimit = 256
    /// Most calls one batch may carry.
    static let pipelineBatchLimit = 4096

    func pipeline(
        request: RPCAsyncSequence<Coffer_V1_PipelineBatch, any Error>,
        response: RPCWriter<Coffer_V1_PipelineReplies>,
        context: ServerContext
    ) async throws {
        let peer = Peer(context)
        let replies = PipelineReplyWriter(response)
        let inFlight = PipelineCounter()
        try await withThrowingDiscardingTaskGroup { calls in
            for try await batch in request {
                guard batch.calls.count <= Self.pipelineBatchLimit else {
                    throw RPCError(code: .resourceExhausted, message: "at most \(Self.pipelineBatchLimit) calls per batch")
                }
                for call in batch.calls {
                    let running = inFlight.value.load(ordering: .relaxed)
                    // A lone call is answered here, saving a task hand-off on the latency path;
                    // past the limit, answering here is the back-pressure.
                    if (running == 0 && batch.calls.count == 1) || running >= Self.pipelineInFlightLimit {
                        await replies.send(await pipelineReply(call, peer))
                        continue
                    }
                    inFlight.value.add(1, ordering: .relaxed)
                    calls.addTask {
                        await replies.send(await pipelineReply(call, peer))
                        inFlight.value.subtract(1, ordering: .relaxed)
                    }
                }
            }
        }
    }

    /// Answers one call from `peer`, waiting first for the header's min_revision if the state is behind.
    func pipelineReply(_ call: Coffer_V1_PipelineCall, _ peer: Peer) async -> Coffer_V1_PipelineReply {
        let minRevision = Self.header(of: call)?.minRevision ?? 0
        if minRevision > state.revision {
            do {
                try await state.waitForRevision(minRevision)
            } catch {
                return failureReply(call.id, ServiceFailure(error))
            }
        }
        return pipelineReplyNow(call, peer) ?? failureReply(call.id, ServiceFailure(.generalError, "internal error"))
    }

    /// Answers one call from `peer` without waiting, exactly as its unary RPC would (same checks, same
    /// CKR codes); nil when the header's min_revision is ahead of the state (see `pipelineReply`).
    func pipelineReplyNow(_ call: Coffer_V1_PipelineCall, _ peer: Peer) -> Coffer_V1_PipelineReply? {
        guard let header = Self.header(of: call) else {
            return failureReply(call.id, ServiceFailure(.argumentsBad, "a pipeline call names no operation"))
        }
        guard header.minRevision <= state.revision else { return nil }
        var reply = Coffer_V1_PipelineReply()
        reply.id = call.id
        var user = ""
        do {
            let caller = try gate.callerNow(header, peer)
            user = caller.user?.name ?? ""
            switch call.request {
            case .sign(let request)?:
                reply.output = Data(
                    try single(.sign, request.mechanism, request.hasMechanism, key: request.key, data: request.data, caller))
            case .verify(let request)?:
                _ = try single(
                    .verify, request.mechanism, request.hasMechanism, key: request.key, data: request.data,
                    signature: request.signature, caller)
            case .encrypt(let request)?:
                reply.output = Data(
                    try single(.encrypt, request.mechanism, request.hasMechanism, key: request.key, data: request.data, caller))
            case .decrypt(let request)?:
                reply.output = Data(
                    try single(.decrypt, request.mechanism, request.hasMechanism, key: request.key, data: request.data, caller))
            case .find(let request)?:
                let page = try find(request, caller)
                (reply.handles, reply.more, reply.objects) = (page.handles, page.more, page.objects)
            case nil:
                throw ServiceFailure(.argumentsBad, "a pipeline call names no operation")
            }
        } catch {
            let failure = ServiceFailure(error)
            audit(call, user: user, peer: peer, code: failure.returnCode)
            return failureReply(call.id, failure)
        }
        audit(call, user: user, peer: peer, code: .ok)
        reply.revision = state.revision
        return reply
    }

    /// Records a crypto call for the audit log (searches are not recorded).
    private func audit(_ call: Coffer_V1_PipelineCall, user: String, peer: Peer, code: ReturnCode) {
        guard let recorder = gate.audit else { return }
        let (operation, key, mechanism): (String, UInt64, UInt64)
        switch call.request {
        case .sign(let request)?: (operation, key, mechanism) = ("sign", request.key, request.mechanism.type)
        case .verify(let request)?: (operation, key, mechanism) = ("verify", request.key, request.mechanism.type)
        case .encrypt(let request)?: (operation, key, mechanism) = ("encrypt", request.key, request.mechanism.type)
        case .decrypt(let request)?: (operation, key, mechanism) = ("decrypt", request.key, request.mechanism.type)
        case .find?, nil: return
        }
        recorder.recordCrypto(
            RecordedCall(
                user: user, operation: operation, handle: key, mechanism: mechanism, ckr: UInt64(code.rawValue),
                certificate: peer.certificateFingerprint))
    }

    private func failureReply(_ id: UInt64, _ failure: ServiceFailure) -> Coffer_V1_PipelineReply {
        var reply = Coffer_V1_PipelineReply()
        reply.id = id
        reply.returnCode = UInt64(failure.returnCode.rawValue)
        reply.message = failure.message
        reply.loginUnknown = failure.loginUnknown
        reply.revision = state.revision
        return reply
    }

    private static func header(of call: Coffer_V1_PipelineCall) -> Coffer_V1_RequestHeader? {
        switch call.request {
        case .sign(let request)?: request.header
        case .verify(let request)?: request.header
        case .encrypt(let request)?, .decrypt(let request)?: request.header
        case .find(let request)?: request.header
        case nil: nil
        }
    }

    // MARK: - The fast path

    /// Most fast-path connections one OpenFastPath may ask tickets for.
    static let maxFastPathConnections = 8

    func openFastPath(request: Coffer_V1_OpenFastPathRequest, context: ServerContext) async throws -> Coffer_V1_OpenFastPathResponse {
        try await gate.run(request.header, context) { caller in
            let port = gate.fastPath.port
            guard port != 0 else { throw ServiceFailure(.functionNotSupported, "this node serves no fast path") }
            guard (1...Self.maxFastPathConnections).contains(Int(request.connections)) else {
                throw ServiceFailure.argumentsBad("connections must be 1 to \(Self.maxFastPathConnections)")
            }
            guard let fingerprint = caller.peer.certificateFingerprint else {
                throw ServiceFailure(.functionNotSupported, "the fast path needs a client certificate")
            }
            var response = Coffer_V1_OpenFastPathResponse()
            response.port = UInt32(port)
            response.tickets = gate.fastPath.issue(
                Int(request.connections), connection: caller.peer.connection, fingerprint: fingerprint
            ).map { Data($0) }
            response.header = gate.responseHeader()
            return response
        }
    }
}

/// The number of calls a pipeline stream has running.
private final class PipelineCounter: Sendable {
    let value = Atomic<Int>(0)
}

/// Writes a stream's replies without a writer task: the task that queues a reply while no write is in
/// progress writes everything queued, until nothing is left; a reply queued meanwhile rides along.
/// Once a write fails (the client has gone), later replies are dropped.
private final class PipelineReplyWriter: Sendable {
    private struct State {
        var queued: [Coffer_V1_PipelineReply] = []
        var writing = false
        var broken = false
    }

    private let state = Mutex(State())
    private let response: RPCWriter<Coffer_V1_PipelineReplies>

    init(_ response: RPCWriter<Coffer_V1_PipelineReplies>) {
        self.response = response
    }

    func send(_ reply: Coffer_V1_PipelineReply) async {
        let writes = state.withLock { state -> Bool in
            guard !state.broken else { return false }
            state.queued.append(reply)
            guard !state.writing else { return false }
            state.writing = true
            return true
        }
        guard writes else { return }
        while let queued = takeQueued() {
            do {
                // Replies of up to 4 MiB each: messages of about 4 MiB at most, under the client's limit.
                for batch in FastPathFrame.runs(queued, countLimit: .max, size: { $0.output.count + $0.message.utf8.count + 64 }) {
                    var message = Coffer_V1_PipelineReplies()
                    message.replies = Array(batch)
                    try await response.write(message)
                }
            } catch {
                state.withLock { state in
                    state.broken = true
                    state.writing = false
                    state.queued = []
                }
                return
            }
        }
    }

    /// Everything queued, or nil (and the write turn given up) when nothing is.
    private func takeQueued() -> [Coffer_V1_PipelineReply]? {
        state.withLock { state in
            guard !state.queued.isEmpty else {
                state.writing = false
                return nil
            }
            defer { state.queued.removeAll(keepingCapacity: true) }
            return state.queued
        }
    }
}
