// The store's watches: one etcd Watch stream per watch, its events checked, reassembled from
// fragments and grouped per revision. etcd cancels a watch whose start revision was compacted and
// says where the compaction point is; that ends the stream with `StoreError.compacted`.

import CofferState
import Foundation
import GRPCCore

extension EtcdStateStore {
    public func watch(prefix: [UInt8], fromRevision: Int64) -> AsyncThrowingStream<[WatchEvent], Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: [WatchEvent].self)
        let range = StoreKeyRange(prefix: prefix)
        let opened: (id: Int, start: Int64)? = state.withLock { state in
            if state.closed { return nil }
            let id = state.nextWatch
            state.nextWatch += 1
            state.watches[id] = OpenWatch(continuation: continuation, task: nil)
            // "From now": the revision after the newest this store has seen, so that a write this
            // store made before the call is not in the watch and none after it is missed (etcd's own
            // 0 would start wherever the watch is created, after writes that raced with it). A store
            // that has made no call yet knows no revision and falls back to etcd's 0.
            let start = fromRevision > 0 ? fromRevision : (state.seenRevision > 0 ? state.seenRevision + 1 : 0)
            return (id, start)
        }
        guard let opened else {
            continuation.finish(throwing: StoreError.closed)
            return stream
        }
        let task = Task { [self] in
            do {
                try await self.runWatch(range: range, from: opened.start, continuation: continuation)
                self.endWatch(opened.id, throwing: self.isClosed ? nil : StoreError.unavailable("etcd ended the watch"))
            } catch {
                self.endWatch(opened.id, throwing: self.isClosed ? nil : error)
            }
        }
        continuation.onTermination = { [weak self] _ in
            task.cancel()
            _ = self?.state.withLock { $0.watches.removeValue(forKey: opened.id) }
        }
        let attached = state.withLock { state in
            guard state.watches[opened.id] != nil else { return false }
            state.watches[opened.id]?.task = task
            return true
        }
        if !attached { task.cancel() }
        return stream
    }

    private func endWatch(_ id: Int, throwing error: (any Error)?) {
        guard let watch = state.withLock({ $0.watches.removeValue(forKey: id) }) else { return }
        if let error {
            watch.continuation.finish(throwing: error)
        } else {
            watch.continuation.finish()
        }
    }

    /// Runs one etcd watch and yields its revisions until etcd ends it; throws what ended it.
    private func runWatch(
        range: StoreKeyRange, from start: Int64, continuation: AsyncThrowingStream<[WatchEvent], Error>.Continuation
    ) async throws {
        var create = Etcdserverpb_WatchCreateRequest()
        (create.key, create.rangeEnd) = keyspace.etcdRange(range)
        // etcd's compaction at R drops the tombstones of revision R, so a watch from exactly the
        // compaction point would silently miss those deletes. Starting one revision early makes
        // etcd cancel such a watch (reported as compacted); the extra revision is dropped.
        create.startRevision = start > 1 ? start - 1 : start
        // etcd splits a large batch of events into fragments of about its request limit.
        create.fragment = true
        var request = Etcdserverpb_WatchRequest()
        request.requestUnion = .createRequest(create)
        var options = CallOptions.defaults
        options.maxResponseMessageBytes = configuration.maxReplyBytes
        let metadata = try await authMetadata()
        let keyspace = self.keyspace
        let etcdStart = create.startRevision
        do {
            try await watchService.watch(
                metadata: metadata, options: options,
                requestProducer: { [request] writer in
                    try await writer.write(request)
                    // The request side stays open for the life of the watch.
                    while true { try await Task.sleep(for: .seconds(3600)) }
                },
                onResponse: { response in
                    var reader = WatchReader(keyspace: keyspace, range: range, start: start, etcdStart: etcdStart)
                    for try await message in response.messages {
                        for group in try reader.read(message) { continuation.yield(group) }
                    }
                })
        } catch let error as StoreError {
            throw error
        } catch {
            let failure = EtcdFailure(error)
            if case .store(let storeError) = failure { throw storeError }
            // An expired token: the caller's next watch authenticates again.
            if failure == .invalidToken { state.withLock { $0.token = nil } }
            throw StoreError.unavailable("the etcd watch failed")
        }
    }

    /// etcd's compaction point, which its compaction errors do not carry, after etcd refused
    /// `revision` as compacted (so the point is at or past it): a watch from the revision before
    /// is cancelled by etcd with the point in its reply.
    func compactRevision(below revision: Int64) async throws -> Int64 {
        var create = Etcdserverpb_WatchCreateRequest()
        (create.key, create.rangeEnd) = keyspace.etcdRange(StoreKeyRange(prefix: []))
        create.startRevision = max(revision - 1, 1)
        var request = Etcdserverpb_WatchRequest()
        request.requestUnion = .createRequest(create)
        var options = CallOptions.defaults
        options.timeout = configuration.callTimeout
        options.maxResponseMessageBytes = configuration.maxReplyBytes
        let metadata = try await authMetadata()
        let found: Int64?
        do {
            found = try await watchService.watch(
                metadata: metadata, options: options,
                requestProducer: { [request] writer in
                    try await writer.write(request)
                    while true { try await Task.sleep(for: .seconds(3600)) }
                },
                onResponse: { response in
                    for try await message in response.messages {
                        if message.compactRevision > 0 { return message.compactRevision }
                        // Events mean the revision was not compacted after all.
                        if !message.events.isEmpty || (message.canceled && message.compactRevision == 0) { return nil }
                    }
                    return nil
                })
        } catch {
            if case .store(let storeError) = EtcdFailure(error) { throw storeError }
            throw StoreError.backend("etcd reported a compaction but did not say its revision")
        }
        guard let found, found >= revision else {
            throw StoreError.backend("etcd reported a compaction but did not say its revision")
        }
        return found
    }
}
