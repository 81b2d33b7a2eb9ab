// The right edge of an RFC 9162 tree: the roots of the perfect subtrees that cover its leaves, one
// per set bit of its size, largest first. It is all a log needs to append leaves and tell its root
// without reading the leaves again, so the log's head and each checkpoint record keep one.

/// The perfect-subtree roots of a tree of `size` leaves.
public struct MerkleFrontier: Sendable, Equatable {
    public private(set) var size: UInt64
    /// One hash per set bit of `size`, from the highest bit down.
    public private(set) var hashes: [MerkleTree.Hash]

    /// The empty tree.
    public init() {
        size = 0
        hashes = []
    }

    /// A frontier read from storage or an export; refused when the hash count does not fit the size.
    public init(size: UInt64, hashes: [MerkleTree.Hash]) throws(AuditError) {
        guard hashes.count == size.nonzeroBitCount, hashes.allSatisfy({ $0.count == 32 }) else {
            throw AuditError("a frontier for \(size) leaves has \(size.nonzeroBitCount) hashes of 32 bytes")
        }
        self.size = size
        self.hashes = hashes
    }

    /// Adds one leaf (its leaf hash): equal-sized subtrees at the right edge merge, as in a binary counter.
    public mutating func append(leafHash: MerkleTree.Hash) {
        var hash = leafHash
        var carried = size
        while carried & 1 == 1 {
            hash = MerkleTree.nodeHash(hashes.removeLast(), hash)
            carried >>= 1
        }
        hashes.append(hash)
        size += 1
    }

    /// MTH of the tree: the subtree roots folded from the right (RFC 9162's split at the largest
    /// power of two is exactly this decomposition).
    public var root: MerkleTree.Hash {
        guard var hash = hashes.last else { return MerkleTree.emptyRoot }
        for left in hashes.dropLast().reversed() { hash = MerkleTree.nodeHash(left, hash) }
        return hash
    }
}
