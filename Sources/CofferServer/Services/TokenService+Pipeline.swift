// TokenService.Pipeline: the hot path (single-part sign, verify, encrypt, decrypt) as messages on one
// stream, so that a call costs a message rather than an HTTP/2 stream. Each call goes through the same
// handler as its unary RPC, so the checks, CKR codes and revisions are the unary ones.

import CofferCrypto
import CofferProtocol
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
                        await replies.send(await answer(call, context))
                        continue
                    }
                    inFlight.value.add(1, ordering: .relaxed)
                    calls.addTask {
                        await replies.send(await answer(call, context))
                        inFlight.value.subtract(1, ordering: .relaxed)
                    }
                }
            }
        }
    }

    /// Runs one call through its unary handler and turns the outcome into a reply.
    private func answer(_ call: Coffer_V1_PipelineCall, _ context: ServerContext) async -> Coffer_V1_PipelineReply {
        var reply = Coffer_V1_PipelineReply()
        reply.id = call.id
        do {
            switch call.request {
            case .sign(let request)?:
                let response = try await sign(request: request, context: context)
                reply.output = response.signature
                reply.revision = response.header.revision
            case .verify(let request)?:
                reply.revision = try await verify(request: request, context: context).header.revision
            case .encrypt(let request)?:
                let response = try await encrypt(request: request, context: context)
                reply.output = response.data
                reply.revision = response.header.revision
            case .decrypt(let request)?:
                let response = try await decrypt(request: request, context: context)
                reply.output = response.data
                reply.revision = response.header.revision
            case nil:
                throw ServiceFailure(.argumentsBad, "a pipeline call names no operation").rpcError(revision: state.revision)
            }
        } catch let error as RPCError {
            reply.returnCode = error.metadata[stringValues: CofferWire.returnCodeMetadataKey].first(where: { _ in true })
                .flatMap { UInt64($0) } ?? UInt64(ReturnCode.generalError.rawValue)
            reply.message = error.message
            reply.revision = error.metadata[stringValues: ServiceFailure.revisionMetadataKey].first(where: { _ in true })
                .flatMap { Int64($0) } ?? state.revision
        } catch {
            reply.returnCode = UInt64(ReturnCode.generalError.rawValue)
            reply.message = "internal error"
            reply.revision = state.revision
        }
        return reply
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
        while let batch = takeQueued() {
            var message = Coffer_V1_PipelineReplies()
            message.replies = batch
            do {
                try await response.write(message)
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
