// The node's logins: random 256-bit tokens, kept only as their SHA-256 (a lookup by hash leaks
// nothing about the token), each bound to a connection or a client certificate. Bounded per binding
// and in total so that no caller can exhaust memory; the least recently used login gives way.
// Every login that ends (logout, expiry, eviction, its connection gone) is reported to `onEnd`, so
// that its session objects go with it.

import CofferCrypto
import CofferModel
import Crypto
import Synchronization

/// Login tokens and the users they stand for.
public final class LoginTable: Sendable {
    /// Most logins per connection or certificate; a new one evicts the least recently used.
    public static let maxPerBinding = 1024
    /// Most logins on the node.
    public static let maxTotal = 65_536
    /// Token length in bytes (hex on the wire).
    static let tokenByteCount = 32

    /// One live login: the user it stands for and its node-local id (the scope of its session objects).
    public struct Login: Sendable, Hashable {
        public var userID: UserID
        public var id: UInt64
    }

    struct Entry {
        var userID: UserID
        var id: UInt64
        var binding: LoginBinding
        var lastUsed: ContinuousClock.Instant
    }

    /// How long a certificate-bound login stays valid without use.
    public let idleTimeout: Duration
    private let clock = ContinuousClock()
    private let entries = Mutex<[[UInt8]: Entry]>([:])
    private let onEnd: @Sendable ([UInt64]) -> Void
    /// Login ids count up from 1, so they never repeat within the node's life.
    private let nextID = Atomic<UInt64>(0)

    /// - Parameter onEnd: called, outside the table's lock, with the ids of logins that ended.
    public init(idleTimeout: Duration, onEnd: @escaping @Sendable ([UInt64]) -> Void = { _ in }) {
        self.idleTimeout = idleTimeout
        self.onEnd = onEnd
    }

    /// The number of live logins (for tests and metrics).
    public var count: Int { entries.withLock { $0.count } }

    /// Makes a login for `userID` bound to `binding` and returns its token (hex).
    public func login(_ userID: UserID, binding: LoginBinding) -> String {
        let token = SecureRandom.bytes(Self.tokenByteCount)
        let key = Self.digest(token)
        let now = clock.now
        let ended = entries.withLock { table -> [UInt64] in
            var ended: [UInt64] = []
            let sameBinding = table.filter { $0.value.binding == binding }
            if sameBinding.count >= Self.maxPerBinding, let oldest = sameBinding.min(by: { $0.value.lastUsed < $1.value.lastUsed }) {
                ended.append(oldest.value.id)
                table[oldest.key] = nil
            }
            if table.count >= Self.maxTotal {
                ended += table.values.filter { isExpired($0, now: now) }.map(\.id)
                table = table.filter { !isExpired($0.value, now: now) }
                if table.count >= Self.maxTotal, let oldest = table.min(by: { $0.value.lastUsed < $1.value.lastUsed }) {
                    ended.append(oldest.value.id)
                    table[oldest.key] = nil
                }
            }
            let id = nextID.add(1, ordering: .relaxed).newValue
            table[key] = Entry(userID: userID, id: id, binding: binding, lastUsed: now)
            return ended
        }
        if !ended.isEmpty { onEnd(ended) }
        return Hex.encode(token)
    }

    /// The user a token stands for, if `peer` may use it; marks the login used.
    /// A malformed, unknown, expired or foreign token all give nil.
    public func user(for token: String, from peer: Peer) -> UserID? {
        login(for: token, from: peer)?.userID
    }

    /// The login a token stands for, if `peer` may use it; marks it used.
    public func login(for token: String, from peer: Peer) -> Login? {
        guard let key = Self.key(of: token) else { return nil }
        let now = clock.now
        var expired: UInt64?
        let login = entries.withLock { table -> Login? in
            guard var entry = table[key], entry.binding.admits(peer) else { return nil }
            if isExpired(entry, now: now) {
                expired = entry.id
                table[key] = nil
                return nil
            }
            entry.lastUsed = now
            table[key] = entry
            return Login(userID: entry.userID, id: entry.id)
        }
        if let expired { onEnd([expired]) }
        return login
    }

    /// Revokes a token if `peer` may use it; returns whether it did.
    @discardableResult
    public func logout(_ token: String, from peer: Peer) -> Bool {
        guard let key = Self.key(of: token) else { return false }
        let ended = entries.withLock { table -> UInt64? in
            guard let entry = table[key], entry.binding.admits(peer) else { return nil }
            table[key] = nil
            return entry.id
        }
        guard let ended else { return false }
        onEnd([ended])
        return true
    }

    /// Ends every login bound to `connection` (the connection closed); returns how many.
    @discardableResult
    public func dropConnection(_ connection: String) -> Int {
        let ended = entries.withLock { table -> [UInt64] in
            let gone = table.filter { $0.value.binding == .connection(connection) }
            for key in gone.keys { table[key] = nil }
            return gone.values.map(\.id)
        }
        if !ended.isEmpty { onEnd(ended) }
        return ended.count
    }

    private func isExpired(_ entry: Entry, now: ContinuousClock.Instant) -> Bool {
        entry.binding.expiresWhenIdle && now - entry.lastUsed > idleTimeout
    }

    /// The table key of a wire token, or nil when it is not 64 hex digits.
    private static func key(of token: String) -> [UInt8]? {
        guard token.utf8.count == 2 * tokenByteCount, let bytes = Hex.decode(token) else { return nil }
        return digest(bytes)
    }

    private static func digest(_ token: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: token)) }
}
