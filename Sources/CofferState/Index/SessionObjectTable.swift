// Session objects (CKA_TOKEN false): held in memory on the node that made them, never written to the
// store, so they never replicate. Their handles have the top bit set and token handles never do, so
// a handle says which table to look in and the two kinds never collide.

import CofferModel

/// The node's session objects, by handle, by session and by login.
struct SessionObjectTable {
    /// Most session objects one login may hold (CKR_DEVICE_MEMORY beyond).
    static let maxPerLogin = 10_000
    /// The bit that marks a session object's handle.
    static let handleBit: UInt64 = 1 << 63

    struct Entry {
        var indexed: IndexedObject
        let session: UInt64
        let login: UInt64
    }

    private(set) var objects: [ObjectHandle: Entry] = [:]
    private var bySession: [UInt64: Set<ObjectHandle>] = [:]
    private var byLogin: [UInt64: Set<ObjectHandle>] = [:]

    /// Whether `handle` names a session object.
    static func isSessionObject(_ handle: ObjectHandle) -> Bool { handle & handleBit != 0 }

    /// A fresh random session-object handle.
    func newHandle() -> ObjectHandle {
        var handle: ObjectHandle
        repeat { handle = UInt64.random(in: Self.handleBit...UInt64.max) } while objects[handle] != nil
        return handle
    }

    /// The object `handle` if `login` made it.
    func entry(_ handle: ObjectHandle, login: UInt64) -> IndexedObject? {
        guard let entry = objects[handle], entry.login == login else { return nil }
        return entry.indexed
    }

    /// The objects `login` can see.
    func objects(of login: UInt64) -> [IndexedObject] {
        (byLogin[login] ?? []).compactMap { objects[$0]?.indexed }
    }

    func count(of login: UInt64) -> Int { byLogin[login]?.count ?? 0 }

    /// Adds or replaces an object of `context`'s session.
    mutating func put(_ indexed: IndexedObject, in context: SessionContext) {
        let handle = indexed.object.handle
        if let old = objects[handle] {
            objects[handle] = Entry(indexed: indexed, session: old.session, login: old.login)
            return
        }
        objects[handle] = Entry(indexed: indexed, session: context.session, login: context.login)
        bySession[context.session, default: []].insert(handle)
        byLogin[context.login, default: []].insert(handle)
    }

    mutating func remove(_ handle: ObjectHandle) {
        guard let old = objects.removeValue(forKey: handle) else { return }
        bySession[old.session]?.remove(handle)
        if bySession[old.session]?.isEmpty == true { bySession[old.session] = nil }
        byLogin[old.login]?.remove(handle)
        if byLogin[old.login]?.isEmpty == true { byLogin[old.login] = nil }
    }

    /// Drops every object made in `session`; returns how many.
    @discardableResult
    mutating func removeSession(_ session: UInt64) -> Int {
        let handles = bySession[session] ?? []
        for handle in handles { remove(handle) }
        return handles.count
    }

    /// Drops every object of `login`; returns how many.
    @discardableResult
    mutating func removeLogin(_ login: UInt64) -> Int {
        let handles = byLogin[login] ?? []
        for handle in handles { remove(handle) }
        return handles.count
    }

    var count: Int { objects.count }
}
