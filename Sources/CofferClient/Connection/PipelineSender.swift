// What carries the pipeline's calls to one node: the gRPC Pipeline stream, or the fast path's
// connections when the node serves them. CofferClient sends through whichever its endpoint offers.

import CofferProtocol

/// Sends pipeline calls and reports each one's reply, or failure, exactly once.
protocol PipelineSender: Sendable {
    /// Sends `call` (its id is set by the sender) and reports the outcome to `completion`, once.
    func send(_ call: Coffer_V1_PipelineCall, completion: @escaping PipelineStream.Completion)
    /// Whether the sender has ended (its owner then uses or makes another).
    var hasEnded: Bool { get }
}

extension PipelineStream: PipelineSender {}
