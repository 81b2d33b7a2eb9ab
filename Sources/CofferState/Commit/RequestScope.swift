// The client's request id for the call being served, so that a call that creates token objects can be
// sent again after its node died under it without creating them twice. The handles of the objects a
// request makes are derived from its id, so a repeat of the request (on any node) names the same
// handles: the commit's "absent" compare then fails if the first attempt landed, and the state machine
// answers with the objects that attempt made instead of making new ones.

import Crypto
import CofferModel
import Synchronization

/// The request a node is serving: its client-chosen id and the caller's user.
public final class RequestScope: Sendable {
    /// The scope of the call the current task serves; nil outside a request or for a request without an id.
    @TaskLocal public static var current: RequestScope?

    /// The shortest and longest request id accepted: 16 to 64 bytes, so that an id carries enough
    /// randomness and a hostile caller cannot make the node hash a large buffer.
    public static let idLengths = 16...64

    /// Domain separation for derived handles and receipt names.
    static let handleLabel = Array("coffer/request-handle/v1".utf8) + [0]
    static let receiptLabel = Array("coffer/request-receipt/v1".utf8) + [0]

    let id: [UInt8]
    let user: UserID
    private let made = Atomic<UInt64>(0)

    /// A scope for request `id` made by `user`; nil when `id` is empty (the client sent none).
    /// - Throws: `StateError.requestIDInvalid` when the id's length is outside `idLengths`.
    public init?(id: [UInt8], user: UserID) throws(StateError) {
        guard !id.isEmpty else { return nil }
        guard Self.idLengths.contains(id.count) else { throw .requestIDInvalid }
        self.id = id
        self.user = user
    }

    /// The name of this request's receipt: SHA-256(label || user || id) in lower-case hex. It names
    /// the request without showing its id.
    var receiptName: [UInt8] {
        var input = Self.receiptLabel
        withUnsafeBytes(of: user.rawValue.bigEndian) { input += $0 }
        input += [UInt8(id.count)] + id
        let digits = Array("0123456789abcdef".utf8)
        return SHA256.hash(data: input).flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] }
    }

    /// The handle of the next token object this request makes: the first 63 bits of
    /// SHA-256(label || user || id || ordinal), never 0. Objects are made in a fixed order within a
    /// command (a key pair: public, then private), so a repeat of the request derives the same handles.
    func nextHandle() -> ObjectHandle {
        let ordinal = made.wrappingAdd(1, ordering: .relaxed).oldValue
        var input = Self.handleLabel
        withUnsafeBytes(of: user.rawValue.bigEndian) { input += $0 }
        input += [UInt8(id.count)] + id
        withUnsafeBytes(of: ordinal.bigEndian) { input += $0 }
        let digest = Array(SHA256.hash(data: input))
        let handle = digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } & UInt64(Int64.max)
        return handle == 0 ? 1 : handle
    }
}
