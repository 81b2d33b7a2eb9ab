// Loading the index at unseal time and keeping it current from the store's watch.
// Start-up reads the data prefix once, in pages, at one revision; then the watch continues from there.

import CofferCrypto
import Crypto
import CofferModel

extension StateMachine {
    static let loadPageSize = 1000
    /// The first and the longest pause before a failed watch is opened again.
    static let rewatchBackoff: (first: Duration, longest: Duration) = (.milliseconds(100), .seconds(2))

    /// An index built from the store at one revision, with the keys of records that failed to open.
    struct Snapshot {
        var index: ObjectIndex
        var corrupt: Set<[UInt8]>
    }

    /// One record's effect on the index, opened and parsed outside the index's lock.
    enum PreparedChange {
        case putUser(User, modRevision: Int64)
        case removeUser(UserID)
        case putObject(IndexedObject)
        case removeObject(ObjectHandle)
        case putSystem(String, SecretBytes, modRevision: Int64)
        case removeSystem(String)
        case ignore
        /// The record failed to open or decode: tampering or corruption.
        case corrupt
    }

    /// Builds the index from the store at one revision, then follows the watch.
    func open(with barrier: Barrier, by method: UnsealMethod) async throws(StateError) {
        let snapshot = try await loadSnapshot(barrier: barrier)
        let previous = state.withLock { s -> Task<Void, Never>? in
            s.index = snapshot.index
            s.corruptRecords = snapshot.corrupt
            s.barrier = barrier
            s.unsealedBy = method
            defer { s.watchTask = nil }
            return s.watchTask
        }
        previous?.cancel()
        // Started only once the barrier is in place: the watch ends as soon as it is not. The task
        // holds the machine until `seal` (or a later open) cancels it.
        let task = Task { [weak self] in
            guard let self else { return }
            await self.follow(barrier: barrier, from: snapshot.index.revision)
        }
        let attached = state.withLock { s -> Bool in
            guard s.barrier === barrier, s.watchTask == nil else { return false }
            s.watchTask = task
            return true
        }
        if !attached { task.cancel() }
        startHeartbeat(barrier: barrier)
    }

    /// Reads the data prefix in pages at one revision and builds an index from it, without touching
    /// the one being served.
    func loadSnapshot(barrier: Barrier) async throws(StateError) -> Snapshot {
        var snapshot = Snapshot(index: ObjectIndex(), corrupt: [])
        do {
            let revision = try await store.currentRevision()
            // The audit log sorts first under the data prefix and is never loaded.
            var startKey: [UInt8]? = RecordKey.afterAudit
            while true {
                let page = try await store.range(
                    prefix: RecordKey.dataPrefix, startKey: startKey, at: revision, limit: Self.loadPageSize)
                for keyValue in page.keyValues {
                    let change = Self.prepare(.put, keyValue, barrier: barrier)
                    Self.apply(change, key: keyValue.key, to: &snapshot.index, corrupt: &snapshot.corrupt)
                }
                guard page.more, let last = page.keyValues.last else { break }
                startKey = last.key + [0]
            }
            snapshot.index.revision = revision
        } catch {
            throw StateError(error)
        }
        return snapshot
    }

    /// Follows the store's watch from `revision` + 1 while `barrier` is the state's. A watch that
    /// fails (the store unreachable, etcd restarted) is opened again from the last applied revision;
    /// one whose start was compacted away is replaced by a fresh snapshot, built aside and swapped in
    /// whole, so the index served is never half-built. Writers waiting meanwhile time out or are
    /// woken once the index gets there.
    private func follow(barrier: Barrier, from revision: Int64) async {
        var applied = revision
        var backoff = Self.rewatchBackoff.first
        while !Task.isCancelled, isServing(barrier) {
            do {
                for try await events in store.watch(prefix: RecordKey.dataPrefix, fromRevision: applied + 1) {
                    guard let eventRevision = events.first?.keyValue.modRevision else { continue }
                    let prepared = events.map { (Self.prepare($0.kind, $0.keyValue, barrier: barrier), $0.keyValue.key) }
                    guard apply(prepared, revision: eventRevision, barrier: barrier) else { return }
                    applied = max(applied, eventRevision)
                    backoff = Self.rewatchBackoff.first
                }
                // A stream that ends without an error: the store closed.
                return
            } catch StoreError.compacted {
                noteWatchFailure("the watch's start revision was compacted; rebuilding the index")
                if let snapshot = try? await loadSnapshot(barrier: barrier), swap(in: snapshot, barrier: barrier) {
                    applied = snapshot.index.revision
                    continue
                }
            } catch {
                noteWatchFailure("the watch failed (\(StateError(error).description)); watching again")
            }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, Self.rewatchBackoff.longest)
        }
    }

    private func isServing(_ barrier: Barrier) -> Bool { state.withLock { $0.barrier === barrier } }

    private func noteWatchFailure(_ why: String) {
        state.withLock {
            $0.watchFailures += 1
            $0.lastWatchFailure = why
        }
    }

    /// Replaces the index with `snapshot` unless it is older or the state was sealed meanwhile.
    /// Session objects stay; writers waiting for revisions the snapshot covers are woken.
    private func swap(in snapshot: Snapshot, barrier: Barrier) -> Bool {
        state.withLock { s in
            guard s.barrier === barrier, snapshot.index.revision >= s.index.revision else { return false }
            s.index = snapshot.index
            s.corruptRecords = snapshot.corrupt
            wakeWaiters(&s)
            return true
        }
    }

    /// Applies one revision's prepared changes and wakes the writers waiting for it; false when the
    /// state was sealed or re-opened meanwhile (the watch then ends).
    private func apply(_ changes: [(PreparedChange, [UInt8])], revision: Int64, barrier: Barrier) -> Bool {
        state.withLock { s in
            guard s.barrier === barrier else { return false }
            for (change, key) in changes { Self.apply(change, key: key, to: &s.index, corrupt: &s.corruptRecords) }
            s.index.revision = max(s.index.revision, revision)
            wakeWaiters(&s)
            return true
        }
    }

    private func wakeWaiters(_ s: inout MutableState) {
        let ready = s.waiters.filter { $0.value.revision <= s.index.revision }
        for (id, waiter) in ready {
            s.waiters[id] = nil
            waiter.continuation.resume()
        }
    }

    /// Opens and parses one record: the costly part of applying it, done without the index's lock.
    static func prepare(_ kind: WatchEvent.Kind, _ keyValue: KeyValue, barrier: Barrier) -> PreparedChange {
        // The audit log's writes only move the index's revision.
        if keyValue.key.starts(with: RecordKey.auditPrefix) { return .ignore }
        let recordKind = RecordKey.kind(of: keyValue.key)
        if kind == .delete {
            switch recordKind {
            case .user(let id): return .removeUser(id)
            case .object(let handle): return .removeObject(handle)
            case .system(let name): return .removeSystem(name)
            case .userName, .unknown: return .ignore
            }
        }
        do {
            switch recordKind {
            case .user(let id):
                let plaintext = try barrier.open(keyValue.value, recordKey: keyValue.key)
                let user = try User(encoded: plaintext.unsafeCopy)
                guard user.id == id else { return .corrupt }
                return .putUser(user, modRevision: keyValue.modRevision)
            case .object(let handle):
                let plaintext = try barrier.open(keyValue.value, recordKey: keyValue.key)
                let record = try ObjectRecord(decoding: plaintext)
                guard record.object.handle == handle else { return .corrupt }
                return .putObject(try IndexedObject(record, modRevision: keyValue.modRevision))
            case .system(let name):
                return .putSystem(
                    name, try barrier.open(keyValue.value, recordKey: keyValue.key), modRevision: keyValue.modRevision)
            case .userName, .unknown:
                return .ignore
            }
        } catch {
            return .corrupt
        }
    }

    /// Applies one prepared change: a cheap update of the index's maps.
    static func apply(_ change: PreparedChange, key: [UInt8], to index: inout ObjectIndex, corrupt: inout Set<[UInt8]>) {
        switch change {
        case .putUser(let user, let modRevision): index.put(user: user, modRevision: modRevision)
        case .removeUser(let id): index.remove(user: id)
        case .putObject(let object): index.put(object)
        case .removeObject(let handle): index.remove(object: handle)
        case .putSystem(let name, let value, let modRevision): index.put(systemRecord: name, value: value, modRevision: modRevision)
        case .removeSystem(let name): index.remove(systemRecord: name)
        case .ignore: break
        case .corrupt:
            corrupt.insert(key)
            return
        }
        corrupt.remove(key)
    }

    /// Waits until the index reflects `revision`.
    func waitForIndex(_ revision: Int64) async throws(StateError) {
        let timeout = indexTimeout
        do {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let id: UInt64? = state.withLock { s in
                    if s.index.revision >= revision { return nil }
                    if s.barrier == nil { return nil }
                    s.nextWaiterID += 1
                    s.waiters[s.nextWaiterID] = (revision, continuation)
                    return s.nextWaiterID
                }
                guard let id else {
                    let sealed = state.withLock { $0.barrier == nil }
                    if sealed { continuation.resume(throwing: StateError.sealed) } else { continuation.resume() }
                    return
                }
                Task { [weak self] in
                    try? await Task.sleep(for: timeout)
                    self?.expireWaiter(id, revision: revision)
                }
            }
        } catch {
            throw StateError(error)
        }
    }

    private func expireWaiter(_ id: UInt64, revision: Int64) {
        let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
        waiter?.continuation.resume(throwing: StateError.timedOut(revision))
    }
}

extension IndexedObject {
    /// Parses the record's key once, for the index.
    init(_ record: ObjectRecord, modRevision: Int64) throws {
        var material: KeyMaterial? = nil
        if let blob = record.keyBlob {
            material = try blob.keyMaterial()
        } else if record.object.objectClass == .secretKey, let value = record.secretAttributes.bytes(.value) {
            material = .secret(SymmetricKey(data: value))
        } else if record.object.objectClass == .publicKey {
            material = try PublicKeyImport.material(for: record.object.attributes)
        }
        self.init(
            object: record.object, material: material, secretAttributes: record.secretAttributes,
            modRevision: modRevision, keyBlob: record.keyBlob)
    }
}
