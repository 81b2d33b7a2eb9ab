// Loading the index at unseal time and keeping it current from the store's watch.
// Start-up reads the data prefix once, in pages, at one revision; then the watch continues from there.

import CofferCrypto
import Crypto
import CofferModel

extension StateMachine {
    static let loadPageSize = 1000

    /// Builds the index from the store at one revision, then follows the watch.
    func open(with barrier: Barrier) async throws(StateError) {
        var index = ObjectIndex()
        var corrupt: Set<[UInt8]> = []
        let revision: Int64
        do {
            revision = try await store.currentRevision()
            var startKey: [UInt8]? = nil
            while true {
                let page = try await store.range(
                    prefix: RecordKey.dataPrefix, startKey: startKey, at: revision, limit: Self.loadPageSize)
                for keyValue in page.keyValues {
                    if !Self.apply(.put, keyValue, to: &index, barrier: barrier) { corrupt.insert(keyValue.key) }
                }
                guard page.more, let last = page.keyValues.last else { break }
                startKey = last.key + [0]
            }
        } catch {
            throw StateError(error)
        }
        index.revision = revision
        let stream = store.watch(prefix: RecordKey.dataPrefix, fromRevision: revision + 1)
        let task = Task { [weak self] in
            do {
                for try await events in stream {
                    guard let self else { return }
                    self.apply(events, barrier: barrier)
                }
            } catch {
                // The store closed or compacted under the watch; the node must re-open. Pending writes fail.
                self?.failWaiters(StateError(error))
            }
        }
        state.withLock {
            $0.index = index
            $0.corruptRecords = corrupt
            $0.barrier = barrier
            $0.watchTask?.cancel()
            $0.watchTask = task
        }
    }

    /// Applies one revision's events and wakes the writers waiting for it.
    private func apply(_ events: [WatchEvent], barrier: Barrier) {
        guard let revision = events.first?.keyValue.modRevision else { return }
        state.withLock { s in
            guard s.barrier === barrier else { return }
            for event in events {
                let kind: WatchEvent.Kind = event.kind
                if Self.apply(kind, event.keyValue, to: &s.index, barrier: barrier) {
                    s.corruptRecords.remove(event.keyValue.key)
                } else {
                    s.corruptRecords.insert(event.keyValue.key)
                }
            }
            s.index.revision = max(s.index.revision, revision)
            let ready = s.waiters.filter { $0.value.revision <= s.index.revision }
            for (id, waiter) in ready {
                s.waiters[id] = nil
                waiter.continuation.resume()
            }
        }
    }

    /// Applies one record to the index; false if it failed to open or decode.
    private static func apply(_ kind: WatchEvent.Kind, _ keyValue: KeyValue, to index: inout ObjectIndex, barrier: Barrier) -> Bool {
        let recordKind = RecordKey.kind(of: keyValue.key)
        if kind == .delete {
            switch recordKind {
            case .user(let id): index.remove(user: id)
            case .object(let handle): index.remove(object: handle)
            case .system(let name): index.systemRecords[name] = nil
            case .userName, .unknown: break
            }
            return true
        }
        do {
            switch recordKind {
            case .user(let id):
                let plaintext = try barrier.open(keyValue.value, recordKey: keyValue.key)
                let user = try User(encoded: plaintext.unsafeCopy)
                guard user.id == id else { return false }
                index.put(user: user, modRevision: keyValue.modRevision)
            case .object(let handle):
                let plaintext = try barrier.open(keyValue.value, recordKey: keyValue.key)
                let record = try ObjectRecord(decoding: plaintext)
                guard record.object.handle == handle else { return false }
                index.put(try IndexedObject(record, modRevision: keyValue.modRevision))
            case .system(let name):
                index.systemRecords[name] = (try barrier.open(keyValue.value, recordKey: keyValue.key), keyValue.modRevision)
            case .userName, .unknown:
                break
            }
            return true
        } catch {
            return false
        }
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

    private func failWaiters(_ error: StateError) {
        let waiters = state.withLock { s in
            let all = s.waiters
            s.waiters = [:]
            return all
        }
        for (_, waiter) in waiters { waiter.continuation.resume(throwing: error) }
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
