// The node's logins: random 256-bit tokens, kept only as their SHA-256 (a lookup by hash leaks
// nothing about the token), each bound to a connection or a client certificate. Bounded per binding
// and in total so that no caller can exhaust memory; the least recently used login gives way.

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

    struct Entry {
        var userID: UserID
        var binding: LoginBinding
        var lastUsed: ContinuousClock.Instant
    }

    /// How long a certificate-bound login stays valid without use.
    public let idleTimeout: Duration
    private let clock = ContinuousClock()
    private let entries = Mutex<[[UInt8]: Entry]>([:])

    public init(idleTimeout: Duration) {
        self.idleTimeout = idleTimeout
    }

    /// The number of live logins (for tests and metrics).
    public var count: Int { entries.withLock { $0.count } }

    /// Makes a login for `userID` bound to `binding` and returns its token (hex).
    public func login(_ userID: UserID, binding: LoginBinding) -> String {
        let token = SecureRandom.bytes(Self.tokenByteCount)
        let key = Self.digest(token)
        let now = clock.now
        entries.withLock { table in
            let sameBinding = table.filter { $0.value.binding == binding }
            if sameBinding.count >= Self.maxPerBinding, let oldest = sameBinding.min(by: { $0.value.lastUsed < $1.value.lastUsed }) {
                table[oldest.key] = nil
            }
            if table.count >= Self.maxTotal {
                table = table.filter { !isExpired($0.value, now: now) }
                if table.count >= Self.maxTotal, let oldest = table.min(by: { $0.value.lastUsed < $1.value.lastUsed }) {
                    table[oldest.key] = nil
                }
            }
            table[key] = Entry(userID: userID, binding: binding, lastUsed: now)
        }
        return Hex.encode(token)
    }

    /// The user a token stands for, if `peer` may use it; marks the login used.
    /// A malformed, unknown, expired or foreign token all give nil.
    public func user(for token: String, from peer: Peer) -> UserID? {
        guard let key = Self.key(of: token) else { return nil }
        let now = clock.now
        return entries.withLock { table -> UserID? in
            guard var entry = table[key], entry.binding.admits(peer) else { return nil }
            if isExpired(entry, now: now) {
                table[key] = nil
                return nil
            }
            entry.lastUsed = now
            table[key] = entry
            return entry.userID
        }
    }

    /// Revokes a token if `peer` may use it; returns whether it did.
    @discardableResult
    public func logout(_ token: String, from peer: Peer) -> Bool {
        guard let key = Self.key(of: token) else { return false }
        return entries.withLock { table in
            guard let entry = table[key], entry.binding.admits(peer) else { return false }
            table[key] = nil
            return true
        }
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
