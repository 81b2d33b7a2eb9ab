// The half-open byte range a prefix (and an optional start key) selects, computed as etcd does,
// so that every backend and the watch fan-out agree on which keys a prefix covers.

/// The keys `start <= key < end` in byte order; no upper bound when `end` is nil.
public struct StoreKeyRange: Sendable, Equatable {
    /// The first key in the range (inclusive).
    public var start: [UInt8]
    /// The first key past the range (exclusive), or nil when the range runs to the last key.
    public var end: [UInt8]?

    /// The range of keys starting with `prefix`, beginning at `startKey` when that lies past the prefix.
    public init(prefix: [UInt8], startKey: [UInt8]? = nil) {
        self.end = Self.prefixEnd(prefix)
        if let startKey, prefix.lexicographicallyPrecedes(startKey) {
            self.start = startKey
        } else {
            self.start = prefix
        }
    }

    /// The smallest key greater than every key with `prefix`: the prefix with its trailing 0xFF
    /// bytes removed and its last byte incremented, as etcd's `clientv3.GetPrefixRangeEnd`.
    /// Nil when no such key exists (an empty prefix, or one made only of 0xFF bytes).
    public static func prefixEnd(_ prefix: [UInt8]) -> [UInt8]? {
        var end = prefix
        while let last = end.last {
            if last < 0xFF {
                end[end.count - 1] = last + 1
                return end
            }
            end.removeLast()
        }
        return nil
    }

    /// True when the range holds no key at all (its start is at or past its end).
    public var isEmpty: Bool {
        guard let end else { return false }
        return !start.lexicographicallyPrecedes(end)
    }

    /// True when `key` lies in the range.
    public func contains(_ key: [UInt8]) -> Bool {
        if key.lexicographicallyPrecedes(start) { return false }
        guard let end else { return true }
        return key.lexicographicallyPrecedes(end)
    }
}
