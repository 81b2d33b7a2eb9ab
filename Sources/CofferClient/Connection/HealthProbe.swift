// The health probe: a node that dies shows at once (its connection breaks), but one that hangs (a
// stopped process, a frozen host, a cut cable with no reset) would keep the calls waiting on it
// until their deadline. With several endpoints, the client asks the node it uses for a brief status
// (from the node's memory, no store call) every `interval`; when `misses` probes in a row get no
// answer within `timeout`, it moves on to the next endpoint as a failed call would and abandons the
// node's connection, so that the calls waiting there fail at once as unreachable and the PKCS#11
// library repeats them on the next node.

import CofferProtocol

extension CofferClient {
    /// How the health probe runs.
    public struct HealthProbing: Sendable, Equatable {
        /// Time between two probes of the current endpoint.
        public var interval: Duration
        /// How long a probe waits for the node's answer.
        public var timeout: Duration
        /// Probes in a row without an answer before the node is left.
        public var misses: Int

        public init(interval: Duration = .milliseconds(250), timeout: Duration = .milliseconds(800), misses: Int = 2) {
            self.interval = interval
            self.timeout = timeout
            self.misses = max(1, misses)
        }
    }

    /// Starts probing the current endpoint in the background, until `close`. Does nothing with one
    /// endpoint (there is nowhere to go) or when the probe runs already.
    public func startHealthProbes(_ probing: HealthProbing = HealthProbing()) {
        guard connections.count > 1 else { return }
        probe.withLock { task in
            guard task == nil else { return }
            task = Task { [weak self] in
                var missed = 0
                var probed: Int?
                while !Task.isCancelled {
                    try? await Task.sleep(for: probing.interval)
                    guard let self else { return }
                    let index = self.selection.index
                    if index != probed { missed = 0 }
                    probed = index
                    // A node no call has used yet (or since it was left) is not probed.
                    guard self.connections[index].isStarted else { continue }
                    if await self.answers(index, within: probing.timeout) {
                        missed = 0
                        continue
                    }
                    missed += 1
                    if missed >= probing.misses {
                        missed = 0
                        self.leave(index)
                    }
                }
            }
        }
    }

    /// Whether endpoint `index` answers a brief status within `timeout`. A refusal is an answer; so
    /// is a sealed node's (it is alive; its calls say what is wrong).
    private func answers(_ index: Int, within timeout: Duration) async -> Bool {
        var request = Coffer_V1_GetStatusRequest()
        request.brief = true
        do {
            let _: Coffer_V1_GetStatusResponse = try await Self.unary(
                connections[index], Coffer_V1_NodeService.Method.GetStatus.descriptor, request, deadline: timeout)
            return true
        } catch {
            return !(error.kind == .unreachable || error.kind == .timedOut)
        }
    }

    /// Moves calls off endpoint `index` and fails those still waiting on it.
    private func leave(_ index: Int) {
        lost(index)
        connections[index].abandon()
    }
}
