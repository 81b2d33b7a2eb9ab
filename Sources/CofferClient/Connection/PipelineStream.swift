// One TokenService.Pipeline stream on one connection: callers hand it calls and get their replies by
// id; whatever calls are waiting go out as one batch. A watchdog fails calls past the deadline, and a
// broken stream fails every call waiting on it, so that no caller waits for ever.

import CofferProtocol
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf

/// A long-lived pipeline stream; made by `EndpointConnection.pipeline()`.
final class PipelineStream: Sendable {
    typealias Outcome = Result<Coffer_V1_PipelineReply, CofferClientError>
    typealias Completion = @Sendable (Outcome) -> Void

    /// Most calls sent in one batch message.
    static let batchLimit = 1024

    private let calls: PendingCalls
    private let outgoing = PipelineQueue<Coffer_V1_PipelineCall>()
    private let endpoint: Endpoint
    private let deadline: Duration

    /// Starts the stream on `client`.
    init(client: GRPCClient<HTTP2ClientTransport.Posix>, endpoint: Endpoint, deadline: Duration) {
        self.endpoint = endpoint
        self.deadline = deadline
        self.calls = PendingCalls(deadline: deadline)
        Task { await self.run(client) }
        Task { await self.watch() }
    }

    /// Whether the stream has ended (its owner then starts a new one).
    var hasEnded: Bool { calls.hasEnded }

    /// Sends `call` (its id is set here) and reports the reply, or the failure, to `completion`, once.
    func send(_ call: Coffer_V1_PipelineCall, completion: @escaping Completion) {
        var call = call
        switch calls.add(completion) {
        case .failure(let failure): return completion(.failure(failure))
        case .success(let id): call.id = id
        }
        if !outgoing.append(call) { calls.complete(call.id, .failure(Self.ended(endpoint))) }
    }

    /// Ends the stream; calls still waiting fail.
    func close() {
        outgoing.finish()
        calls.fail(Self.ended(endpoint))
    }

    private func run(_ client: GRPCClient<HTTP2ClientTransport.Posix>) async {
        let outgoing = self.outgoing
        var options = CallOptions.defaults
        options.waitForReady = false
        options.maxRequestMessageBytes = CofferWire.maxMessageBytes
        options.maxResponseMessageBytes = CofferWire.maxMessageBytes
        let request = StreamingClientRequest<Coffer_V1_PipelineBatch> { writer in
            while let calls = await outgoing.next() {
                // The node takes at most 4,096 calls a batch, and a message of at most 8 MiB: a burst
                // goes as several batches of about 4 MiB at most (a single larger call alone).
                for run in FastPathFrame.runs(calls, countLimit: Self.batchLimit, size: FastPathConnection.size) {
                    var batch = Coffer_V1_PipelineBatch()
                    batch.calls = Array(run)
                    try await writer.write(batch)
                }
            }
        }
        do {
            try await client.bidirectionalStreaming(
                request: request, descriptor: Coffer_V1_TokenService.Method.Pipeline.descriptor,
                serializer: ProtobufSerializer<Coffer_V1_PipelineBatch>(),
                deserializer: ProtobufDeserializer<Coffer_V1_PipelineReplies>(), options: options
            ) { response in
                for try await message in response.messages {
                    for reply in message.replies { self.calls.complete(reply.id, .success(reply)) }
                }
            }
            calls.fail(Self.ended(endpoint))
        } catch {
            let mapped = CofferClientError.mapping(error, endpoint: endpoint)
            // Whatever broke the stream, the calls on it got no answer from this node.
            calls.fail(
                mapped.kind == .rejected
                    ? mapped
                    : CofferClientError(
                        kind: .unreachable, returnCode: CofferReturnCode.deviceRemoved,
                        message: "the stream to \(endpoint) broke: \(mapped.message)", endpoint: endpoint))
        }
        outgoing.finish()
    }

    /// Fails calls that outlived the deadline, four times a deadline, until the stream ends.
    private func watch() async {
        let period = deadline / 4
        let error = CofferClientError(
            kind: .timedOut, returnCode: CofferReturnCode.deviceError,
            message: "no answer before the deadline (\(endpoint))", endpoint: endpoint)
        while !hasEnded {
            try? await Task.sleep(for: period)
            calls.expire(with: error)
        }
    }

    private static func ended(_ endpoint: Endpoint) -> CofferClientError {
        CofferClientError(
            kind: .unreachable, returnCode: CofferReturnCode.deviceRemoved,
            message: "the stream to \(endpoint) has ended", endpoint: endpoint)
    }
}
