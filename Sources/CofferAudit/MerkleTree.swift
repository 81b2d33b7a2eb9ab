// The audit log's Merkle tree (issue 13, docs/audit.md when the log is built): RFC 9162 section 2.1
// (the same hashing as RFC 6962): leaves hashed as SHA-256(0x00 || entry), interior nodes as
// SHA-256(0x01 || left || right), the tree over n leaves split at the largest power of two below
// n. Inclusion proofs (2.1.3) show that an entry is in a tree of a given size and root; consistency
// proofs (2.1.4) show that a larger tree extends a smaller one unchanged, so that an auditor who
// kept an earlier checkpoint can prove that nothing before it was removed, changed or reordered.

import Crypto

/// RFC 9162 Merkle tree hashing and proofs over SHA-256.
public enum MerkleTree {
    /// A node or leaf hash.
    public typealias Hash = [UInt8]

    /// The root of the empty tree: SHA-256 of nothing.
    public static let emptyRoot: Hash = Array(SHA256.hash(data: [UInt8]()))

    /// RFC 9162's domain separation: a leaf's bytes are hashed after 0x00, a node's two children after 0x01.
    private static let leafPrefix: [UInt8] = [0x00]
    private static let nodePrefix: [UInt8] = [0x01]

    /// The hash of one entry's bytes as a leaf.
    public static func leafHash(_ entry: some Sequence<UInt8>) -> Hash {
        var hash = SHA256()
        hash.update(data: leafPrefix)
        // Without a copy when the bytes are contiguous (an array or a slice of one).
        let hashed: Void? = entry.withContiguousStorageIfAvailable { hash.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        if hashed == nil { hash.update(data: Array(entry)) }
        return Array(hash.finalize())
    }

    /// The hash of an interior node.
    public static func nodeHash(_ left: Hash, _ right: Hash) -> Hash {
        var hash = SHA256()
        hash.update(data: nodePrefix)
        hash.update(data: left)
        hash.update(data: right)
        return Array(hash.finalize())
    }

    /// The largest power of two smaller than `n` (n ≥ 2).
    static func split(_ n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// MTH: the root over `leaves` (leaf hashes, in order).
    public static func root(_ leaves: ArraySlice<Hash>) -> Hash {
        switch leaves.count {
        case 0: return emptyRoot
        case 1: return leaves[leaves.startIndex]
        default:
            let k = split(leaves.count)
            let middle = leaves.startIndex + k
            return nodeHash(root(leaves[..<middle]), root(leaves[middle...]))
        }
    }

    public static func root(_ leaves: [Hash]) -> Hash { root(leaves[...]) }

    /// PATH: the inclusion proof of leaf `index` in the tree over `leaves`; nil for an index out of range.
    public static func inclusionProof(index: Int, _ leaves: [Hash]) -> [Hash]? {
        guard index >= 0, index < leaves.count else { return nil }
        return path(index, leaves[...])
    }

    private static func path(_ m: Int, _ leaves: ArraySlice<Hash>) -> [Hash] {
        guard leaves.count > 1 else { return [] }
        let k = split(leaves.count)
        let middle = leaves.startIndex + k
        if m < k { return path(m, leaves[..<middle]) + [root(leaves[middle...])] }
        return path(m - k, leaves[middle...]) + [root(leaves[..<middle])]
    }

    /// PROOF: the consistency proof between the first `first` leaves and all of `leaves`; nil when
    /// `first` is not in 0...count.
    public static func consistencyProof(first: Int, _ leaves: [Hash]) -> [Hash]? {
        guard first >= 0, first <= leaves.count else { return nil }
        if first == 0 || first == leaves.count { return [] }
        return subproof(first, leaves[...], complete: true)
    }

    private static func subproof(_ m: Int, _ leaves: ArraySlice<Hash>, complete: Bool) -> [Hash] {
        if m == leaves.count { return complete ? [] : [root(leaves)] }
        let k = split(leaves.count)
        let middle = leaves.startIndex + k
        if m <= k { return subproof(m, leaves[..<middle], complete: complete) + [root(leaves[middle...])] }
        return subproof(m - k, leaves[middle...], complete: false) + [root(leaves[..<middle])]
    }

    /// True when `proof` shows that `leafHash` is leaf `index` of the tree of `size` leaves with
    /// root `root` (RFC 9162 2.1.3.2).
    public static func verifyInclusion(index: UInt64, size: UInt64, leafHash: Hash, proof: [Hash], root: Hash) -> Bool {
        guard index < size else { return false }
        var fn = index
        var sn = size - 1
        var r = leafHash
        for p in proof {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0, fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// True when `proof` shows that the tree of `second` leaves with root `secondRoot` extends the
    /// tree of its first `first` leaves with root `firstRoot` (RFC 9162 2.1.4.2).
    public static func verifyConsistency(
        first: UInt64, second: UInt64, proof: [Hash], firstRoot: Hash, secondRoot: Hash
    ) -> Bool {
        guard first <= second else { return false }
        if first == second { return proof.isEmpty && firstRoot == secondRoot }
        if first == 0 { return proof.isEmpty }
        guard !proof.isEmpty else { return false }
        var path = proof
        if first & (first - 1) == 0 { path.insert(firstRoot, at: 0) }
        var fn = first - 1
        var sn = second - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for c in path.dropFirst() {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0, fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == firstRoot && sr == secondRoot && sn == 0
    }
}
