// What C_WrapKey was asked to wrap: a retry after a length query matches the kept result by it.
import CofferProtocol

/// The arguments of one C_WrapKey call.
struct WrapRequest: Sendable, Equatable {
    let mechanism: Coffer_V1_Mechanism
    let wrappingKey: UInt64
    let key: UInt64
}
