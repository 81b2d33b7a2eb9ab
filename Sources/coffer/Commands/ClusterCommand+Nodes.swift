// `coffer cluster nodes|remove-node|allow-binary|disallow-binary`: the cluster's membership
// (docs/cluster.md, "Membership").

import ArgumentParser
import CofferClient
import CofferProtocol
import Foundation

extension ClusterCommand {
    static func json(_ member: Coffer_V1_ClusterMember) -> [String: Any] {
        [
            "node_id": member.nodeID, "address": member.address, "identity_fingerprint": member.identityFingerprint,
            "binary_sha256": member.binarySha256, "joined_at": member.joinedAt, "last_seen": member.lastSeen,
            "removed": member.removed, "removed_at": member.removedAt, "admitted_by": member.admittedBy,
        ]
    }

    /// `coffer cluster nodes`.
    struct Nodes: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the cluster's members and the binaries allowed to join.",
            discussion: """
                Each member: node id, address, identity fingerprint (SHA-256 of its Ed25519 identity key), \
                the SHA-256 of the cofferd it ran when admitted, when it joined, when it last said it was \
                serving (every 10 s while unsealed), and whether an admin removed it. Then the cofferd \
                digests allowed to receive the domain key from a peer. Admins and auditors.
                """)

        @OptionGroup var options: CommonOptions

        func run() async throws {
            let listed = try await Connection.with(options) { try await $0.listNodes() }
            let lines = listed.nodes.map { node in
                let state = node.removed ? "removed \(node.removedAt)" : "member"
                let seen = node.lastSeen.isEmpty ? "never" : node.lastSeen
                return """
                    \(node.nodeID)  \(state)  address \(node.address)  last seen \(seen)
                      identity \(node.identityFingerprint)  binary \(node.binarySha256)  joined \(node.joinedAt) (\(node.admittedBy))
                    """
            }
            try Output.emit(
                options,
                json: ["nodes": listed.nodes.map(ClusterCommand.json), "allowed_binaries": listed.allowedBinaries],
                human: (lines + ["allowed binaries:"] + listed.allowedBinaries.map { "  \($0)" }).joined(separator: "\n"))
        }
    }

    /// `coffer cluster remove-node`.
    struct RemoveNode: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-node",
            abstract: "Remove a node from the cluster for good.",
            discussion: """
                The node's certificate is revoked: every node refuses its calls from then on, no peer sends \
                it the domain key, and the node seals itself when it sees the change. It cannot be admitted \
                again under that node id: to bring the machine back, start cofferd on a fresh data folder. \
                Admins only.
                """)

        @OptionGroup var options: CommonOptions
        @Argument(help: "The node id (coffer cluster nodes lists them).") var nodeID: String

        func run() async throws {
            let member = try await Connection.with(options) { try await $0.removeNode(nodeID) }
            try Output.emit(
                options, json: ClusterCommand.json(member),
                human: "removed \(member.nodeID) at \(member.removedAt); its certificate is revoked")
        }
    }

    /// The digest from --sha256 or --file.
    struct BinaryChoice: ParsableArguments {
        @Option(help: "The SHA-256 of a cofferd executable, 64 hex digits (sha256sum prints it).") var sha256: String?
        @Option(help: "A cofferd executable whose SHA-256 to use.") var file: String?

        func digest() throws -> String {
            switch (sha256, file) {
            case (let digest?, nil): return digest.lowercased()
            case (nil, let path?): return try ClusterCommand.fileSHA256(path)
            default: throw ValidationError("give exactly one of --sha256 and --file")
            }
        }
    }

    /// `coffer cluster allow-binary`.
    struct AllowBinary: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "allow-binary",
            abstract: "Allow a cofferd executable to receive the domain key from a peer.",
            discussion: """
                A member restarting gets the domain key from a live peer only if the SHA-256 of the cofferd it \
                runs is on this list (its attestation reports it). The digests of the nodes unsealed with the \
                shares are put on it by themselves; add a new release's before upgrading. Admins only.
                """)

        @OptionGroup var options: CommonOptions
        @OptionGroup var binary: BinaryChoice

        func run() async throws {
            let digest = try binary.digest()
            let list = try await Connection.with(options) { try await $0.setBinaryAllowed(digest, allowed: true) }
            try Output.emit(options, json: ["allowed_binaries": list], human: "allowed \(digest) (\(list.count) allowed)")
        }
    }

    /// `coffer cluster disallow-binary`.
    struct DisallowBinary: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "disallow-binary",
            abstract: "Stop a cofferd executable from receiving the domain key from a peer.",
            discussion: """
                Nodes running it that are unsealed go on serving; once restarted, they wait for the shares. \
                A node unsealed with the shares puts its own digest back on the list. Admins only.
                """)

        @OptionGroup var options: CommonOptions
        @OptionGroup var binary: BinaryChoice

        func run() async throws {
            let digest = try binary.digest()
            let list = try await Connection.with(options) { try await $0.setBinaryAllowed(digest, allowed: false) }
            try Output.emit(options, json: ["allowed_binaries": list], human: "disallowed \(digest) (\(list.count) allowed)")
        }
    }
}
