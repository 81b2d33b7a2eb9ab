// What a search found: every matching handle, and with attribute types asked for, each object's
// public attributes (FindObjectsRequest.attribute_types).

import CofferProtocol

/// The handles a search found (ascending) and, when asked for, their public attributes.
public struct SearchResult: Sendable {
    /// Every matching handle, ascending.
    public var handles: [UInt64] = []
    /// With attribute types asked for: one per handle, in the same order (only for the first
    /// handles when the search had an attribute limit); else empty.
    public var objects: [Coffer_V1_FoundObject] = []

    public init() {}
}
