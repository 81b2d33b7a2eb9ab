// The StateStore conformance suite: every test runs against every backend in StoreBackend, so all
// of them keep etcd's v3 semantics for revisions, transactions and ranges.

import CofferState
import Testing

@Suite struct StateStoreConformanceTests {
    @Test(arguments: StoreBackend.allCases)
    func emptyStoreIsAtRevisionZero(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let base = try await store.currentRevision()
            // Embedded stores start at 0; a fresh prefix of a shared etcd at etcd's revision.
            #expect(backend == .etcd ? base >= 1 : base == 0)
            #expect(try await store.get(bytes("a"), at: nil) == nil)
            #expect(try await store.get(bytes("a"), at: base) == nil)
            let all = try await store.range(prefix: [], startKey: nil, at: nil, limit: nil)
            #expect(all == RangeResult(keyValues: [], revision: base, more: false))
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func putThenGet(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let base = try await store.currentRevision()
            let result = try await store.transact(
                compare: [], success: [.put(key: bytes("a"), value: bytes("one"))], failure: [])
            #expect(result == TransactionResult(succeeded: true, revision: base + 1))
            let read = try await store.get(bytes("a"), at: nil)
            #expect(
                read
                    == KeyValue(
                        key: bytes("a"), value: bytes("one"), createRevision: base + 1, modRevision: base + 1,
                        version: 1))
            #expect(try await store.get(bytes("b"), at: nil) == nil)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func revisionGrowsByOnePerTransaction(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let base = try await store.currentRevision()
            let first = try await store.transact(
                compare: [],
                success: [
                    .put(key: bytes("a"), value: bytes("1")), .put(key: bytes("b"), value: bytes("2")),
                    .put(key: bytes("c"), value: bytes("3")),
                ],
                failure: [])
            #expect(first.revision == base + 1)
            for key in ["a", "b", "c"] {
                #expect(try await store.get(bytes(key), at: nil)?.modRevision == base + 1)
            }
            #expect(try await store.put(bytes("d"), bytes("4")) == base + 2)
            #expect(try await store.currentRevision() == base + 2)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func bookkeepingAcrossPutOverwriteDeleteRecreate(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let base = try await store.currentRevision()
            let key = bytes("k")
            try await store.put(bytes("other"), bytes("x"))  // revision 1
            try await store.put(key, bytes("v1"))  // 2
            #expect(
                try await store.get(key, at: nil)
                    == KeyValue(
                        key: key, value: bytes("v1"), createRevision: base + 2, modRevision: base + 2, version: 1))
            try await store.put(key, bytes("v2"))  // 3
            #expect(
                try await store.get(key, at: nil)
                    == KeyValue(
                        key: key, value: bytes("v2"), createRevision: base + 2, modRevision: base + 3, version: 2))
            #expect(try await store.delete(key) == base + 4)
            #expect(try await store.get(key, at: nil) == nil)
            try await store.put(key, bytes("v3"))  // 5
            #expect(
                try await store.get(key, at: nil)
                    == KeyValue(
                        key: key, value: bytes("v3"), createRevision: base + 5, modRevision: base + 5, version: 1))
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func deletingAnAbsentKeyChangesNothing(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let base = try await store.currentRevision()
            try await store.put(bytes("a"), bytes("1"))
            let result = try await store.transact(compare: [], success: [.delete(key: bytes("zz"))], failure: [])
            #expect(result == TransactionResult(succeeded: true, revision: base + 1))
            #expect(try await store.currentRevision() == base + 1)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func compareOnModRevision(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let base = try await store.currentRevision()
            let key = bytes("k")
            // 0 means absent: create-if-absent succeeds once.
            let created = try await store.transact(
                compare: [.modRevision(key: key, equals: 0)], success: [.put(key: key, value: bytes("first"))],
                failure: [])
            #expect(created == TransactionResult(succeeded: true, revision: base + 1))
            let again = try await store.transact(
                compare: [.modRevision(key: key, equals: 0)], success: [.put(key: key, value: bytes("second"))],
                failure: [])
            #expect(again == TransactionResult(succeeded: false, revision: base + 1))
            #expect(try await store.get(key, at: nil)?.value == bytes("first"))

            let matched = try await store.transact(
                compare: [.modRevision(key: key, equals: base + 1)], success: [.put(key: key, value: bytes("cas"))],
                failure: [.put(key: bytes("lost"), value: bytes("x"))])
            #expect(matched == TransactionResult(succeeded: true, revision: base + 2))
            #expect(try await store.get(bytes("lost"), at: nil) == nil)

            // A stale revision takes the failure branch, which writes and bumps the revision.
            let stale = try await store.transact(
                compare: [.modRevision(key: key, equals: base + 1)], success: [.put(key: key, value: bytes("no"))],
                failure: [.put(key: bytes("lost"), value: bytes("x"))])
            #expect(stale == TransactionResult(succeeded: false, revision: base + 3))
            #expect(try await store.get(key, at: nil)?.value == bytes("cas"))
            #expect(try await store.get(bytes("lost"), at: nil)?.modRevision == base + 3)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func compareOnVersion(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let base = try await store.currentRevision()
            let key = bytes("k")
            #expect(
                try await store.transact(
                    compare: [.version(key: key, equals: 0)], success: [.put(key: key, value: bytes("a"))],
                    failure: []
                ).succeeded)
            #expect(
                try await store.transact(
                    compare: [.version(key: key, equals: 1)], success: [.put(key: key, value: bytes("b"))],
                    failure: []
                ).succeeded)
            let stale = try await store.transact(
                compare: [.version(key: key, equals: 1)], success: [.put(key: key, value: bytes("c"))],
                failure: [])
            #expect(stale == TransactionResult(succeeded: false, revision: base + 2))
            #expect(try await store.get(key, at: nil)?.version == 2)
            try await store.delete(key)
            #expect(
                try await store.transact(
                    compare: [.version(key: key, equals: 0)], success: [.put(key: key, value: bytes("d"))],
                    failure: []
                ).succeeded)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func failedCompareWritesNothing(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let base = try await store.currentRevision()
            try await store.put(bytes("a"), bytes("1"))
            try await store.put(bytes("b"), bytes("2"))
            // One of two compares fails: neither key of the success branch is written.
            let result = try await store.transact(
                compare: [
                    .modRevision(key: bytes("a"), equals: base + 1), .modRevision(key: bytes("b"), equals: base + 1),
                ],
                success: [.put(key: bytes("a"), value: bytes("x")), .put(key: bytes("c"), value: bytes("y"))],
                failure: [])
            #expect(result == TransactionResult(succeeded: false, revision: base + 2))
            #expect(try await store.currentRevision() == base + 2)
            #expect(try await store.get(bytes("a"), at: nil)?.value == bytes("1"))
            #expect(try await store.get(bytes("c"), at: nil) == nil)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func malformedTransactionWritesNothing(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let base = try await store.currentRevision()
            try await store.put(bytes("a"), bytes("1"))
            // The duplicate is found after other puts; none of them may remain.
            await #expect(throws: StoreError.self) {
                try await store.transact(
                    compare: [],
                    success: [
                        .put(key: bytes("b"), value: bytes("2")), .delete(key: bytes("a")),
                        .put(key: bytes("b"), value: bytes("3")),
                    ],
                    failure: [])
            }
            await #expect(throws: StoreError.self) {
                try await store.transact(compare: [], success: [.put(key: [], value: bytes("x"))], failure: [])
            }
            #expect(try await store.currentRevision() == base + 1)
            #expect(try await store.get(bytes("a"), at: nil)?.value == bytes("1"))
            #expect(try await store.get(bytes("b"), at: nil) == nil)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func multiKeyTransactionIsAtomic(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let base = try await store.currentRevision()
            try await store.put(bytes("gone"), bytes("x"))
            let result = try await store.transact(
                compare: [],
                success: (0..<50).map { .put(key: bytes("m/\($0)"), value: bytes("\($0)")) } + [
                    .delete(key: bytes("gone"))
                ],
                failure: [])
            #expect(result.revision == base + 2)
            let written = try await store.all(prefix: bytes("m/"))
            #expect(written.count == 50)
            #expect(written.allSatisfy { $0.modRevision == base + 2 && $0.createRevision == base + 2 })
            #expect(try await store.get(bytes("gone"), at: nil) == nil)
            // Just before, none of it existed.
            #expect(
                try await store.range(prefix: bytes("m/"), startKey: nil, at: base + 1, limit: nil).keyValues.isEmpty)
            #expect(try await store.get(bytes("gone"), at: base + 1)?.value == bytes("x"))
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func rangeByPrefixInByteOrderWithPaging(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let base = try await store.currentRevision()
            let inPrefix: [[UInt8]] = [
                bytes("p/b"), bytes("p/a"), bytes("p/"), bytes("p/a/1"), bytes("p/\u{7F}"),
                [0x70, 0x2F, 0xFF], [0x70, 0x2F, 0xFF, 0x00], bytes("p/0"),
            ]
            let outside: [[UInt8]] = [bytes("p"), bytes("p0"), bytes("o/z"), bytes("q/a"), [0x70, 0x2E]]
            for key in inPrefix + outside { try await store.put(key, key) }
            let expected = inPrefix.sorted { $0.lexicographicallyPrecedes($1) }

            let all = try await store.range(prefix: bytes("p/"), startKey: nil, at: nil, limit: nil)
            #expect(all.keyValues.map(\.key) == expected)
            #expect(all.keyValues.allSatisfy { $0.value == $0.key })
            #expect(!all.more)
            #expect(all.revision == base + 13)

            let exact = try await store.range(prefix: bytes("p/"), startKey: nil, at: nil, limit: expected.count)
            #expect(exact.keyValues.count == expected.count && !exact.more)

            let firstPage = try await store.range(prefix: bytes("p/"), startKey: nil, at: nil, limit: 3)
            #expect(firstPage.keyValues.map(\.key) == Array(expected.prefix(3)))
            #expect(firstPage.more)

            // startKey is inclusive, and a start key before the prefix starts at the prefix.
            let fromThird = try await store.range(prefix: bytes("p/"), startKey: expected[2], at: nil, limit: 2)
            #expect(fromThird.keyValues.map(\.key) == Array(expected[2..<4]))
            let fromBefore = try await store.range(prefix: bytes("p/"), startKey: bytes("a"), at: nil, limit: 1)
            #expect(fromBefore.keyValues.map(\.key) == [expected[0]])

            for pageSize in [1, 2, 3, 7] {
                #expect(try await store.all(prefix: bytes("p/"), pageSize: pageSize).map(\.key) == expected)
            }
            // The empty prefix reads everything.
            #expect(try await store.all(prefix: []).count == inPrefix.count + outside.count)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func prefixEndingInFFBytes(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let keys: [[UInt8]] = [
                [0x61, 0xFF], [0x61, 0xFF, 0x00], [0x61, 0xFF, 0xFF, 0x01], [0x62], [0x61, 0xFE],
            ]
            for key in keys { try await store.put(key, [0x01]) }
            let found = try await store.range(prefix: [0x61, 0xFF], startKey: nil, at: nil, limit: nil)
            #expect(found.keyValues.map(\.key) == [[0x61, 0xFF], [0x61, 0xFF, 0x00], [0x61, 0xFF, 0xFF, 0x01]])
            let top = try await store.range(prefix: [0xFF], startKey: nil, at: nil, limit: nil)
            #expect(top.keyValues.isEmpty)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func readsAtAnOldRevision(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let base = try await store.currentRevision()
            try await store.put(bytes("k/a"), bytes("a1"))  // 1
            try await store.put(bytes("k/b"), bytes("b1"))  // 2
            try await store.put(bytes("k/a"), bytes("a2"))  // 3
            try await store.delete(bytes("k/b"))  // 4
            try await store.put(bytes("k/c"), bytes("c1"))  // 5

            #expect(try await store.get(bytes("k/a"), at: base + 1)?.value == bytes("a1"))
            #expect(try await store.get(bytes("k/a"), at: base + 2)?.value == bytes("a1"))
            #expect(
                try await store.get(bytes("k/a"), at: base + 3)
                    == KeyValue(
                        key: bytes("k/a"), value: bytes("a2"), createRevision: base + 1, modRevision: base + 3,
                        version: 2))
            #expect(try await store.get(bytes("k/b"), at: base + 3)?.value == bytes("b1"))
            #expect(try await store.get(bytes("k/b"), at: base + 4) == nil)
            #expect(try await store.get(bytes("k/c"), at: base + 4) == nil)

            let atThree = try await store.range(prefix: bytes("k/"), startKey: nil, at: base + 3, limit: nil)
            #expect(atThree.revision == base + 3)
            #expect(atThree.keyValues.map(\.value) == [bytes("a2"), bytes("b1")])
            let atFour = try await store.range(prefix: bytes("k/"), startKey: nil, at: base + 4, limit: 1)
            #expect(atFour.keyValues.map(\.value) == [bytes("a2")])
            #expect(!atFour.more)
            let atTwo = try await store.range(prefix: bytes("k/"), startKey: bytes("k/b"), at: base + 2, limit: nil)
            #expect(atTwo.keyValues.map(\.value) == [bytes("b1")])
            let latest = try await store.range(prefix: bytes("k/"), startKey: nil, at: nil, limit: nil)
            #expect(latest.keyValues.map(\.value) == [bytes("a2"), bytes("c1")])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func futureRevisionIsRefused(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let base = try await store.currentRevision()
            try await store.put(bytes("a"), bytes("1"))
            await #expect(throws: StoreError.futureRevision(requested: base + 2, current: base + 1)) {
                try await store.get(bytes("a"), at: base + 2)
            }
            await #expect(throws: StoreError.futureRevision(requested: base + 9, current: base + 1)) {
                try await store.range(prefix: [], startKey: nil, at: base + 9, limit: nil)
            }
            await #expect(throws: StoreError.futureRevision(requested: base + 2, current: base + 1)) {
                try await store.compact(before: base + 2)
            }
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func compactionForgetsOlderRevisions(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let base = try await store.currentRevision()
            try await store.put(bytes("k/kept"), bytes("old"))  // 1, never overwritten
            try await store.put(bytes("k/a"), bytes("a1"))  // 2
            try await store.put(bytes("k/a"), bytes("a2"))  // 3
            try await store.put(bytes("k/gone"), bytes("g"))  // 4
            try await store.delete(bytes("k/gone"))  // 5
            try await store.put(bytes("k/a"), bytes("a3"))  // 6
            try await store.compact(before: base + 5)

            await #expect(throws: StoreError.compacted(requested: base + 4, compactRevision: base + 5)) {
                try await store.get(bytes("k/a"), at: base + 4)
            }
            await #expect(throws: StoreError.compacted(requested: base + 1, compactRevision: base + 5)) {
                try await store.range(prefix: bytes("k/"), startKey: nil, at: base + 1, limit: nil)
            }
            // At the compaction point and later, reads are unchanged.
            #expect(try await store.get(bytes("k/a"), at: base + 5)?.value == bytes("a2"))
            #expect(try await store.get(bytes("k/gone"), at: base + 5) == nil)
            let atFive = try await store.range(prefix: bytes("k/"), startKey: nil, at: base + 5, limit: nil)
            #expect(atFive.keyValues.map(\.value) == [bytes("a2"), bytes("old")])
            #expect(try await store.get(bytes("k/kept"), at: base + 5)?.modRevision == base + 1)
            #expect(try await store.get(bytes("k/a"), at: nil)?.value == bytes("a3"))
            #expect(try await store.get(bytes("k/a"), at: nil)?.version == 3)

            await #expect(throws: StoreError.compacted(requested: base + 5, compactRevision: base + 5)) {
                try await store.compact(before: base + 5)
            }
            var watch = store.watch(prefix: bytes("k/"), fromRevision: base + 2).makeAsyncIterator()
            await #expect(throws: StoreError.compacted(requested: base + 2, compactRevision: base + 5)) {
                _ = try await watch.next()
            }
            // A watch from the compaction point replays, or (etcd, which dropped the point's
            // tombstones) says it is compacted; a watch from the next revision replays.
            var fromFive = store.watch(prefix: bytes("k/"), fromRevision: base + 5).makeAsyncIterator()
            do {
                #expect(try await fromFive.next()?.map(\.kind) == [.delete])
                #expect(try await fromFive.next()?.map(\.keyValue.value) == [bytes("a3")])
            } catch let error as StoreError {
                #expect(backend == .etcd)
                #expect(error == .compacted(requested: base + 5, compactRevision: base + 5))
            }
            var fromSix = store.watch(prefix: bytes("k/"), fromRevision: base + 6).makeAsyncIterator()
            #expect(try await fromSix.next()?.map(\.keyValue.value) == [bytes("a3")])
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func concurrentCompareAndSwapLosesNoUpdate(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let base = try await store.currentRevision()
            let key = bytes("counter")
            let perWriter = 40
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        for _ in 0..<perWriter { try await increment(key, in: store) }
                    }
                }
                try await group.waitForAll()
            }
            let final = try await store.get(key, at: nil)
            #expect(final.map { String(decoding: $0.value, as: UTF8.self) } == "\(2 * perWriter)")
            #expect(final?.version == Int64(2 * perWriter))
            #expect(try await store.currentRevision() == base + Int64(2 * perWriter))
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func binaryKeysAndValues(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let base = try await store.currentRevision()
            let pairs: [([UInt8], [UInt8])] = [
                ([0x00], []),
                ([0x00, 0x00], [0x00]),
                ([0x00, 0xFF, 0x00], [0xFF, 0x00, 0xFF]),
                ([0xFF], Array(0...255)),
                ([0xFF, 0xFF], [0x00, 0x00, 0x00]),
            ]
            _ = try await store.transact(
                compare: [], success: pairs.map { .put(key: $0.0, value: $0.1) }, failure: [])
            for (key, value) in pairs {
                let read = try await store.get(key, at: nil)
                #expect(read?.key == key)
                #expect(read?.value == value)
                #expect(try await store.get(key, at: base + 1)?.value == value)
            }
            let all = try await store.range(prefix: [], startKey: nil, at: nil, limit: nil)
            #expect(all.keyValues.map(\.key) == pairs.map(\.0))
            #expect(all.keyValues.map(\.value) == pairs.map(\.1))
            let zeros = try await store.range(prefix: [0x00], startKey: nil, at: nil, limit: nil)
            #expect(zeros.keyValues.map(\.key) == [[0x00], [0x00, 0x00], [0x00, 0xFF, 0x00]])
            // The empty value is a value, not an absent key.
            #expect(
                try await store.transact(
                    compare: [.version(key: [0x00], equals: 1)], success: [], failure: []
                ).succeeded)
        }
    }

    @Test(arguments: StoreBackend.allCases)
    func closedStoreRefusesWork(backend: StoreBackend) async throws {
        try await backend.withStore { store in
            let base = try await store.currentRevision()
            try await store.put(bytes("a"), bytes("1"))
            await store.close()
            await #expect(throws: StoreError.closed) { try await store.currentRevision() }
            await #expect(throws: StoreError.closed) { try await store.get(bytes("a"), at: nil) }
            await #expect(throws: StoreError.closed) { try await store.put(bytes("b"), bytes("2")) }
            var watch = store.watch(prefix: [], fromRevision: base + 1).makeAsyncIterator()
            await #expect(throws: StoreError.closed) { _ = try await watch.next() }
        }
    }
}

/// Adds one to the decimal counter at `key` with a compare-and-swap, retrying on conflict.
private func increment(_ key: [UInt8], in store: any StateStore) async throws {
    while true {
        let current = try await store.get(key, at: nil)
        let count = current.flatMap { Int(String(decoding: $0.value, as: UTF8.self)) } ?? 0
        let result = try await store.transact(
            compare: [.modRevision(key: key, equals: current?.modRevision ?? 0)],
            success: [.put(key: key, value: bytes("\(count + 1)"))],
            failure: [])
        if result.succeeded { return }
    }
}
