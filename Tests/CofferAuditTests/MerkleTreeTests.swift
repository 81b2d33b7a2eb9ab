// RFC 9162 Merkle trees against the Certificate Transparency reference data (the eight leaves
// and their tree heads, inclusion and consistency proofs, from the CT project's merkle tree tests,
// which every RFC 6962/9162 implementation reproduces): roots, proofs made, and proofs verified;
// then every leaf and every pair of sizes of larger trees, and tampered proofs refused.

import CofferAudit
import Crypto
import Foundation
import Testing

@Suite struct MerkleTreeTests {
    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return out
    }

    // Reference data: the leaf inputs and the roots of the trees over the first 0 to 8 of them.
    static let entries = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
        .map(bytes)
    static let roots = [
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ].map(bytes)
    // (leaf index, tree size, proof)
    static let inclusion: [(Int, Int, [String])] = [
        (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
        (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
        (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
        (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    ]
    // (first size, second size, proof)
    static let consistency: [(Int, Int, [String])] = [
        (1, 1, []),
        (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
        (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
        (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    ]
    static let leaves = entries.map { MerkleTree.leafHash($0) }

    @Test func rootsMatchTheReferenceTreeHeads() {
        for size in 0...8 { #expect(MerkleTree.root(Array(Self.leaves.prefix(size))) == Self.roots[size], "size \(size)") }
    }

    @Test func inclusionProofsMatchAndVerify() {
        for (index, size, expected) in Self.inclusion {
            let tree = Array(Self.leaves.prefix(size))
            let proof = MerkleTree.inclusionProof(index: index, tree)
            #expect(proof == expected.map(Self.bytes), "leaf \(index) of \(size)")
            #expect(MerkleTree.verifyInclusion(
                index: UInt64(index), size: UInt64(size), leafHash: Self.leaves[index], proof: expected.map(Self.bytes),
                root: Self.roots[size]))
            #expect(!MerkleTree.verifyInclusion(
                index: UInt64(index), size: UInt64(size), leafHash: Self.leaves[index], proof: expected.map(Self.bytes),
                root: Self.roots[0]))
        }
        #expect(MerkleTree.inclusionProof(index: 8, Self.leaves) == nil)
    }

    @Test func consistencyProofsMatchAndVerify() {
        for (first, second, expected) in Self.consistency {
            let proof = MerkleTree.consistencyProof(first: first, Array(Self.leaves.prefix(second)))
            #expect(proof == expected.map(Self.bytes), "\(first) to \(second)")
            #expect(MerkleTree.verifyConsistency(
                first: UInt64(first), second: UInt64(second), proof: expected.map(Self.bytes), firstRoot: Self.roots[first],
                secondRoot: Self.roots[second]))
        }
    }

    /// Larger trees: every leaf's proof verifies and a changed leaf, index, root or proof does not;
    /// every pair of sizes is consistent, and a changed earlier root is not.
    @Test func everyLeafAndEveryPairOfSizes() {
        let leaves = (0..<37).map { MerkleTree.leafHash([UInt8($0), UInt8($0 &* 7)]) }
        for size in 1...leaves.count {
            let tree = Array(leaves.prefix(size))
            let root = MerkleTree.root(tree)
            for index in 0..<size {
                let proof = MerkleTree.inclusionProof(index: index, tree) ?? []
                #expect(MerkleTree.verifyInclusion(index: UInt64(index), size: UInt64(size), leafHash: tree[index], proof: proof, root: root))
                #expect(!MerkleTree.verifyInclusion(
                    index: UInt64(index), size: UInt64(size), leafHash: MerkleTree.leafHash([0xFF]), proof: proof, root: root))
                if size > 1 {
                    #expect(!MerkleTree.verifyInclusion(
                        index: UInt64((index + 1) % size), size: UInt64(size), leafHash: tree[index], proof: proof, root: root))
                    var bent = proof
                    bent[0][0] ^= 1
                    #expect(!MerkleTree.verifyInclusion(index: UInt64(index), size: UInt64(size), leafHash: tree[index], proof: bent, root: root))
                }
            }
            for first in 1...size {
                let earlier = MerkleTree.root(Array(tree.prefix(first)))
                let proof = MerkleTree.consistencyProof(first: first, tree) ?? []
                #expect(MerkleTree.verifyConsistency(first: UInt64(first), second: UInt64(size), proof: proof, firstRoot: earlier, secondRoot: root))
                var changed = earlier
                changed[0] ^= 1
                #expect(!MerkleTree.verifyConsistency(first: UInt64(first), second: UInt64(size), proof: proof, firstRoot: changed, secondRoot: root))
            }
        }
        // A tree whose earlier entries were edited is not consistent with the earlier root.
        var edited = leaves
        edited[3] = MerkleTree.leafHash([9, 9, 9])
        let proof = MerkleTree.consistencyProof(first: 10, edited) ?? []
        #expect(!MerkleTree.verifyConsistency(
            first: 10, second: 37, proof: proof, firstRoot: MerkleTree.root(Array(leaves.prefix(10))),
            secondRoot: MerkleTree.root(edited)))
    }
}
