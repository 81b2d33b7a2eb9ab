// The in-memory index over users and objects: by handle, label, id and owner, and users by id and
// name. Every lookup is a hash lookup; nothing scans all objects.

import CofferCrypto
import CofferModel

/// The index's maps. Not thread-safe by itself; `StateMachine` guards it with a mutex.
struct ObjectIndex {
    private(set) var objects: [ObjectHandle: IndexedObject] = [:]
    private var byLabel: [String: HandleGroup] = [:]
    private var byID: [[UInt8]: HandleGroup] = [:]
    private var byOwner: [UserID: HandleGroup] = [:]
    private var sharedWith: [UserID: HandleGroup] = [:]
    private(set) var users: [UserID: (user: User, modRevision: Int64)] = [:]
    private var userNames: [String: UserID] = [:]
    /// Node-internal records by name, opened (they are few and small).
    private(set) var systemRecords: [String: (value: SecretBytes, modRevision: Int64)] = [:]
    /// The certificate SHA-256s that the `revoked/` system records name, raw: every call's
    /// certificate is looked up here (RequestGate), so without building a record name.
    private(set) var revokedCertificates: Set<[UInt8]> = []
    /// The system records' name prefix of a revoked certificate (hex SHA-256 after it).
    static let revokedPrefix = "revoked/"
    /// The keys with a key-usage quorum record: every crypto call's key is looked up here, so
    /// without building a record name.
    private(set) var quorumKeys: Set<ObjectHandle> = []

    mutating func put(systemRecord name: String, value: SecretBytes, modRevision: Int64) {
        systemRecords[name] = (value, modRevision)
        if let fingerprint = Self.revokedFingerprint(name) { revokedCertificates.insert(fingerprint) }
        if let handle = Self.quorumKey(name) { quorumKeys.insert(handle) }
    }

    mutating func remove(systemRecord name: String) {
        systemRecords[name] = nil
        if let fingerprint = Self.revokedFingerprint(name) { revokedCertificates.remove(fingerprint) }
        if let handle = Self.quorumKey(name) { quorumKeys.remove(handle) }
    }

    private static func quorumKey(_ name: String) -> ObjectHandle? {
        guard name.hasPrefix(StateMachine.keyQuorumPrefix) else { return nil }
        return ObjectHandle(name.dropFirst(StateMachine.keyQuorumPrefix.count), radix: 16)
    }

    private static func revokedFingerprint(_ name: String) -> [UInt8]? {
        guard name.hasPrefix(revokedPrefix) else { return nil }
        return StateMachine.digestBytes(String(name.dropFirst(revokedPrefix.count)))
    }
    /// The store revision the index reflects.
    var revision: Int64 = 0

    var objectCount: Int { objects.count }

    mutating func put(_ entry: IndexedObject) {
        remove(object: entry.object.handle)
        let object = entry.object
        objects[object.handle] = entry
        byLabel[object.label, default: HandleGroup()].insert(object.handle)
        byID[object.id, default: HandleGroup()].insert(object.handle)
        byOwner[object.owner, default: HandleGroup()].insert(object.handle)
        for user in object.sharedWith { sharedWith[user, default: HandleGroup()].insert(object.handle) }
    }

    mutating func remove(object handle: ObjectHandle) {
        guard let old = objects.removeValue(forKey: handle)?.object else { return }
        Self.drop(handle, from: &byLabel, at: old.label)
        Self.drop(handle, from: &byID, at: old.id)
        Self.drop(handle, from: &byOwner, at: old.owner)
        for user in old.sharedWith { Self.drop(handle, from: &sharedWith, at: user) }
    }

    mutating func put(user: User, modRevision: Int64) {
        remove(user: user.id)
        users[user.id] = (user, modRevision)
        userNames[user.name] = user.id
    }

    mutating func remove(user id: UserID) {
        guard let old = users.removeValue(forKey: id) else { return }
        if userNames[old.user.name] == id { userNames[old.user.name] = nil }
    }

    func user(named name: String) -> (user: User, modRevision: Int64)? {
        userNames[name].flatMap { users[$0] }
    }

    func objectCount(ownedBy owner: UserID) -> Int { byOwner[owner]?.count ?? 0 }

    /// Candidate handles for a search: the narrowest of the label, id and visibility groups, filtered by
    /// the others. The caller still filters the candidates by the whole template and by access.
    func candidates(label: String?, id: [UInt8]?, visibleTo user: User) -> Set<ObjectHandle> {
        var groups: [HandleGroup] = []
        if let label { groups.append(byLabel[label] ?? HandleGroup()) }
        if let id { groups.append(byID[id] ?? HandleGroup()) }
        let owned = byOwner[user.id] ?? HandleGroup()
        let shared = sharedWith[user.id] ?? HandleGroup()
        let restricted = user.role == .cryptoUser
        func visible(_ handle: ObjectHandle) -> Bool { !restricted || owned.contains(handle) || shared.contains(handle) }
        let smallest = groups.min(by: { $0.count < $1.count })
        if restricted, owned.count + shared.count < smallest?.count ?? Int.max {
            // Filter the visible handles when they are fewer, so the cost follows the narrowest criterion.
            return owned.handles.union(shared.handles).filter { handle in groups.allSatisfy { $0.contains(handle) } }
        }
        guard let smallest else {
            // An admin searching without label or id: every object is a candidate (admin tooling, not a hot path).
            return Set(objects.keys)
        }
        return smallest.handles.filter { handle in visible(handle) && groups.allSatisfy { $0.contains(handle) } }
    }

    private static func drop<K: Hashable>(_ handle: ObjectHandle, from map: inout [K: HandleGroup], at key: K) {
        map[key]?.remove(handle)
        if map[key]?.isEmpty == true { map[key] = nil }
    }
}
