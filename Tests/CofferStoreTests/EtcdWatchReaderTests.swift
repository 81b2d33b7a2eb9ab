// What the etcd store does with replies no honest etcd sends: each is refused with a store error,
// never a crash and never believed. Fed to the reply checks directly (the parsing of the real
// etcd's replies is covered by the conformance suite).

import CofferState
@testable import CofferStoreEtcd
import Foundation
import Testing

@Suite struct EtcdWatchReaderTests {
    private let keyspace = EtcdKeyspace(prefix: bytes("c1/"))

    private func reader(start: Int64 = 5) -> WatchReader {
        WatchReader(keyspace: keyspace, range: StoreKeyRange(prefix: bytes("k/")), start: start, etcdStart: start - 1)
    }

    private func created() -> Etcdserverpb_WatchResponse {
        var message = Etcdserverpb_WatchResponse()
        message.created = true
        return message
    }

    private func events(_ list: [(Mvccpb_Event.EventType, String, Int64)]) -> Etcdserverpb_WatchResponse {
        var message = Etcdserverpb_WatchResponse()
        message.events = list.map { type, key, revision in
            var event = Mvccpb_Event()
            event.type = type
            event.kv.key = Data(key.utf8)
            event.kv.value = Data("v".utf8)
            event.kv.createRevision = revision
            event.kv.modRevision = revision
            event.kv.version = 1
            return event
        }
        return message
    }

    @Test func groupsEventsPerRevisionAndDropsTheRevisionBeforeTheStart() throws {
        var reader = reader()
        #expect(try reader.read(created()).isEmpty)
        let groups = try reader.read(
            events([(.put, "c1/k/a", 4), (.put, "c1/k/a", 5), (.delete, "c1/k/b", 5), (.put, "c1/k/c", 7)]))
        #expect(groups.map { $0.map(\.keyValue.modRevision) } == [[5, 5], [7]])
        #expect(groups[0].map(\.keyValue.key) == [bytes("k/a"), bytes("k/b")])
        #expect(
            groups[0][1]
                == WatchEvent(
                    kind: .delete,
                    keyValue: KeyValue(key: bytes("k/b"), value: [], createRevision: 0, modRevision: 5, version: 0)))
    }

    @Test func joinsFragmentsBeforeGrouping() throws {
        var reader = reader()
        _ = try reader.read(created())
        var first = events([(.put, "c1/k/a", 6)])
        first.fragment = true
        #expect(try reader.read(first).isEmpty)
        #expect(try reader.read(events([(.put, "c1/k/b", 6)])).map(\.count) == [2])
    }

    @Test func refusesRepliesNoEtcdSends() throws {
        let hostile: [(String, [Etcdserverpb_WatchResponse])] = [
            ("events before the watch is created", [events([(.put, "c1/k/a", 6)])]),
            ("a key outside the prefix", [created(), events([(.put, "c2/k/a", 6)])]),
            ("a key outside the watched range", [created(), events([(.put, "c1/other", 6)])]),
            ("the bare prefix as a key", [created(), events([(.put, "c1/", 6)])]),
            ("revisions going back", [created(), events([(.put, "c1/k/a", 7), (.put, "c1/k/b", 6)])]),
            (
                "a revision split over two replies",
                [created(), events([(.put, "c1/k/a", 7)]), events([(.put, "c1/k/b", 7)])]
            ),
            ("an event older than the start", [created(), events([(.put, "c1/k/a", 2)])]),
            ("an unknown event type", [created(), events([(.UNRECOGNIZED(9), "c1/k/a", 6)])]),
            ("a second creation", [created(), created()]),
        ]
        for (name, replies) in hostile {
            var reader = reader()
            var failure: StoreError?
            do {
                for reply in replies { _ = try reader.read(reply) }
            } catch let error as StoreError {
                failure = error
            }
            guard case .backend = failure else {
                Issue.record("\(name): expected a backend error, got \(String(describing: failure))")
                continue
            }
        }
        var broken = events([(.put, "c1/k/a", 6)])
        broken.events[0].kv.version = 0
        var reader = reader()
        _ = try reader.read(created())
        #expect(throws: StoreError.self) { try reader.read(broken) }
    }

    @Test func aCancellationForCompactionEndsWithTheCompactionPoint() throws {
        var reader = reader(start: 3)
        _ = try reader.read(created())
        var cancelled = Etcdserverpb_WatchResponse()
        cancelled.canceled = true
        cancelled.compactRevision = 9
        #expect(throws: StoreError.compacted(requested: 3, compactRevision: 9)) { try reader.read(cancelled) }
    }

    @Test func rangesMapIntoThePrefix() {
        // An empty prefix and an empty range: etcd's whole keyspace, from the smallest key etcd accepts.
        let whole = EtcdKeyspace(prefix: []).etcdRange(StoreKeyRange(prefix: []))
        #expect(whole.key == Data([0x00]))
        #expect(whole.rangeEnd == Data([0x00]))
        // A range without an end of its own ends where the store's prefix does.
        let top = keyspace.etcdRange(StoreKeyRange(prefix: [0xFF]))
        #expect(top.key == Data(bytes("c1/") + [0xFF]))
        #expect(top.rangeEnd == Data(bytes("c10")))
        let inner = keyspace.etcdRange(StoreKeyRange(prefix: bytes("k/"), startKey: bytes("k/m")))
        #expect(inner.key == Data(bytes("c1/k/m")))
        #expect(inner.rangeEnd == Data(bytes("c1/k0")))
    }

    @Test func rangeKeysMustLieInTheRequestedRange() throws {
        let range = StoreKeyRange(prefix: bytes("k/"))
        #expect(try keyspace.storeKey(Data("c1/k/x".utf8), in: range) == bytes("k/x"))
        #expect(throws: StoreError.self) { try keyspace.storeKey(Data("c1/l/x".utf8), in: range) }
        #expect(throws: StoreError.self) { try keyspace.storeKey(Data("c".utf8), in: range) }
        var kv = Mvccpb_KeyValue()
        kv.key = Data("c1/k/x".utf8)
        kv.createRevision = 4
        kv.modRevision = 3
        kv.version = 1
        #expect(throws: StoreError.self) { try keyspace.keyValue(kv, in: range, notAfter: nil) }
        kv.modRevision = 8
        #expect(throws: StoreError.self) { try keyspace.keyValue(kv, in: range, notAfter: 7) }
        #expect(try keyspace.keyValue(kv, in: range, notAfter: 8).modRevision == 8)
    }
}
