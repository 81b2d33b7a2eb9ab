// The id that makes a call which creates, changes or destroys token objects safe to send again. A
// caller makes one per call and sends every attempt of that call with it; the node derives the new
// objects' handles from it, or writes a receipt named after it with the change, so a repeat whose
// first attempt landed (its node died before answering) answers as that attempt did and changes
// nothing (see RequestScope and StateMachine+Receipts in CofferState).

import Foundation

/// 16 random bytes naming one call, kept across its attempts.
public struct RequestID: Sendable, Hashable {
    /// The bytes sent as `RequestHeader.request_id`.
    public let bytes: Data

    /// A fresh id from the system's random generator.
    public init() {
        var generator = SystemRandomNumberGenerator()
        bytes = Data((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// An id the caller derived itself (16 to 64 bytes), so that running the same work again sends
    /// the same id: `coffer key generate-symmetric --count` derives one per batch from its arguments,
    /// and a rerun after an interruption makes only the keys that are missing.
    public init?(bytes: Data) {
        guard (16...64).contains(bytes.count) else { return nil }
        self.bytes = bytes
    }
}
