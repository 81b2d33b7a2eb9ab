// The watch half of the conformance suite: history replay from a revision, the hand-over to live
// events without gaps or duplicates, grouping by revision, and the end of watches on close.

import CofferState
import Testing

extension StateStoreConformanceTests {
    @Test(.timeLimit(.minutes(1)), arguments: StoreBackend.allCases)
    func watchReplaysHistoryThenStreamsLive(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let base = try await store.currentRevision()
            try await store.put(bytes("w/a"), bytes("a1"))  // 1
            try await store.put(bytes("w/b"), bytes("b1"))  // 2
            try await store.put(bytes("x/ignored"), bytes("x"))  // 3
            try await store.put(bytes("w/a"), bytes("a2"))  // 4

            var watch = store.watch(prefix: bytes("w/"), fromRevision: base + 2).makeAsyncIterator()
            let replayedB = try #require(try await watch.next())
            #expect(
                replayedB == [
                    WatchEvent(
                        kind: .put,
                        keyValue: KeyValue(
                            key: bytes("w/b"), value: bytes("b1"), createRevision: base + 2, modRevision: base + 2,
                            version: 1))
                ])
            let replayedA = try #require(try await watch.next())
            #expect(
                replayedA == [
                    WatchEvent(
                        kind: .put,
                        keyValue: KeyValue(
                            key: bytes("w/a"), value: bytes("a2"), createRevision: base + 1, modRevision: base + 4,
                            version: 2))
                ])

            // Live: one group per revision, only keys under the prefix, deletes included.
            _ = try await store.transact(
                compare: [],
                success: [
                    .put(key: bytes("w/c"), value: bytes("c1")), .put(key: bytes("x/other"), value: bytes("o")),
                    .delete(key: bytes("w/b")),
                ],
                failure: [])  // 5
            let live = try #require(try await watch.next())
            #expect(live.count == 2)
            #expect(live.allSatisfy { $0.keyValue.modRevision == base + 5 })
            #expect(Set(live.map(\.keyValue.key)) == [bytes("w/b"), bytes("w/c")])
            let deleted = try #require(live.first { $0.kind == .delete })
            #expect(
                deleted.keyValue
                    == KeyValue(key: bytes("w/b"), value: [], createRevision: 0, modRevision: base + 5, version: 0))

            try await store.put(bytes("x/again"), bytes("o"))  // 6: not under the prefix
            try await store.delete(bytes("w/a"))  // 7
            #expect(
                try await watch.next() == [
                    WatchEvent(
                        kind: .delete,
                        keyValue: KeyValue(
                            key: bytes("w/a"), value: [], createRevision: 0, modRevision: base + 7, version: 0))
                ])
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreBackend.allCases)
    func watchFromNowSeesOnlyNewRevisions(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let base = try await store.currentRevision()
            try await store.put(bytes("a"), bytes("old"))
            var fromZero = store.watch(prefix: [], fromRevision: 0).makeAsyncIterator()
            var fromNext = store.watch(prefix: [], fromRevision: base + 2).makeAsyncIterator()
            try await store.put(bytes("a"), bytes("new"))
            #expect(try await fromZero.next()?.map(\.keyValue.value) == [bytes("new")])
            #expect(try await fromNext.next()?.map(\.keyValue.modRevision) == [base + 2])
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreBackend.allCases)
    func watchHandsOverToLiveWithoutGapsOrDuplicates(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let base = try await store.currentRevision()
            // A writer keeps committing while watches start from past revisions.
            let total = 120
            for n in 1...20 { try await store.put(bytes("g/\(n % 7)"), bytes("\(n)")) }
            let writer = Task {
                for n in 21...total { try await store.put(bytes("g/\(n % 7)"), bytes("\(n)")) }
            }
            var watches = [1, 5, 17].map {
                store.watch(prefix: bytes("g/"), fromRevision: base + $0).makeAsyncIterator()
            }
            for index in watches.indices {
                let start = [1, 5, 17][index]
                var seen: [Int64] = []
                while seen.last != base + Int64(total) {
                    let group = try #require(try await watches[index].next())
                    #expect(group.count == 1)
                    seen.append(group[0].keyValue.modRevision)
                }
                #expect(seen == Array((base + Int64(start))...(base + Int64(total))))
            }
            try await writer.value
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreBackend.allCases)
    func watchReplaysALargeRevisionAsOneGroup(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let base = try await store.currentRevision()
            // More events in one revision than the SQLite replay reads per page, or as many as the
            // store's limit allows (etcd: 128).
            let size = min(1300, store.limits.maxOperationsPerTransaction)
            let deleted = size * 7 / 13
            let big = (0..<size).map { StoreOperation.put(key: bytes("b/\($0)"), value: [UInt8($0 % 256)]) }
            _ = try await store.transact(compare: [], success: big, failure: [])  // 1
            _ = try await store.transact(
                compare: [], success: (0..<deleted).map { .delete(key: bytes("b/\($0)")) }, failure: [])  // 2
            try await store.put(bytes("b/last"), bytes("z"))  // 3
            var watch = store.watch(prefix: bytes("b/"), fromRevision: base + 1).makeAsyncIterator()
            let first = try #require(try await watch.next())
            #expect(first.count == size)
            #expect(first.allSatisfy { $0.kind == .put && $0.keyValue.modRevision == base + 1 })
            #expect(Set(first.map(\.keyValue.key)).count == size)
            let second = try #require(try await watch.next())
            #expect(second.count == deleted)
            #expect(second.allSatisfy { $0.kind == .delete && $0.keyValue.modRevision == base + 2 })
            #expect(try await watch.next()?.map(\.keyValue.key) == [bytes("b/last")])
        }
    }

    @Test(.timeLimit(.minutes(1)), arguments: StoreBackend.allCases)
    func closingTheStoreEndsWatches(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let base = try await store.currentRevision()
            try await store.put(bytes("a"), bytes("1"))
            var watch = store.watch(prefix: [], fromRevision: base + 1).makeAsyncIterator()
            #expect(try await watch.next()?.map(\.keyValue.value) == [bytes("1")])
            // A watch that never sees an event, read by a loop that only close can end.
            let idle = store.watch(prefix: bytes("nothing/"), fromRevision: 0)
            let reader = Task {
                var groups = 0
                for try await _ in idle { groups += 1 }
                return groups
            }
            await store.close()
            #expect(try await watch.next() == nil)
            #expect(try await reader.value == 0)
        }
    }
}
