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
            "name": member.name,
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
                    \(node.name)  \(node.nodeID)  \(state)  address \(node.address)  last seen \(seen)
                      identity \(node.identityFingerprint)  binary \(node.binarySha256)  joined \(node.joinedAt) (\(node.admittedBy))
                    """
            }
            try Output.emit(
                options,
                json: ["nodes": listed.nodes.map(ClusterCommand.json), "allowed_binaries": listed.allowedBinaries],
                human: (lines + ["allowed binaries:"] + listed.allowedBinaries.map { "  \($0)" }).joined(separator: "\n"))
        }
    }

    /// `coffer cluster add-node`.
    struct AddNode: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-node",
            abstract: "Make a join credential for a new node.",
            discussion: """
                Writes the credential to --out (mode 0600): the cluster CA certificate and a client \
                certificate and key that let one node join as NAME. Put the file's path in the new node's \
                config ("join": "FILE") next to the cluster's etcd settings and start it: it asks a live peer \
                to let it in with its attestation, gets its node certificate and the domain key, and serves. \
                Nobody types a share. A credential joins once and expires after --valid-for (1h by default). \
                With --replaceable it joins again, each time replacing the member named NAME (whose \
                certificate is revoked in the same step): a node that lost its data folder comes back by \
                itself; it is valid for a year unless --valid-for says less. Anyone holding the file can \
                join a node while it is valid: keep it like a key. A new credential for a name supersedes \
                the last. Admins only.
                """)

        @OptionGroup var options: CommonOptions
        @Argument(help: "The new node's name: lower-case letters, digits, dots and dashes.") var name: String
        @Flag(help: "Let each node of this name join again, replacing the previous one.") var replaceable = false
        @Option(help: "How long it is valid: 90s, 30m, 12h or 7d.") var validFor: String?
        @Option(help: "Where to write the credential (mode 0600).") var out: String

        func run() async throws {
            let seconds = try validFor.map(Self.seconds) ?? 0
            let (reply, cluster) = try await Connection.with(options) { client in
                let reply = try await client.addNode(name: name, replaceable: replaceable, validSeconds: seconds)
                return (reply, (try? await client.status().clusterName) ?? "")
            }
            let file: [String: Any] = [
                "name": reply.name, "cluster": cluster, "ca": reply.caCertificatePem, "certificate": reply.certificatePem,
                "key": reply.privateKeyPem, "expires_at": reply.expiresAt, "replaceable": reply.replaceable,
            ]
            try SecretFile.write(try JSONSerialization.data(withJSONObject: file, options: [.sortedKeys, .prettyPrinted]), to: out)
            try Output.emit(
                options,
                json: ["name": reply.name, "file": out, "expires_at": reply.expiresAt, "replaceable": reply.replaceable],
                human: "join credential for \(reply.name) written to \(out) (\(reply.replaceable ? "replaceable, " : "single use, ")valid until \(reply.expiresAt)); set \"join\": \"\(out)\" in the new node's config")
        }

        static func seconds(_ text: String) throws -> UInt64 {
            let units: [Character: UInt64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
            guard let unit = text.last.flatMap({ units[$0] }), let count = UInt64(text.dropLast()), count > 0,
                count <= 366 * 86_400 / unit
            else { throw ValidationError("--valid-for is a number and a unit, s, m, h or d (90s, 30m, 12h, 7d), up to a year") }
            return count * unit
        }
    }

    /// `coffer cluster issue-certificate`.
    struct IssueCertificate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "issue-certificate",
            abstract: "Issue a client certificate for an admin workstation or an application.",
            discussion: """
                Writes a client folder to --out: ca.pem, client.pem and client-key.pem (0600), and a \
                profile.json and coffer-pkcs11.conf that name them and this profile's endpoints. An \
                application certificate (the PKCS#11 library's, an application host's) lets crypto-users \
                work but no admin log in; an admin-workstation certificate is for the machine admins \
                administer from. Admins only, from an admin workstation.
                """)

        @OptionGroup var options: CommonOptions
        @Option(name: .customLong("certificate-profile"), help: "admin-workstation or application.") var profile: String
        @Option(help: "The certificate's common name (who or what holds it).") var name: String
        @Option(help: "The folder to write (created 0700; existing files in it are replaced).") var out: String

        func run() async throws {
            guard ["admin-workstation", "application"].contains(profile) else {
                throw ValidationError("--certificate-profile is admin-workstation or application")
            }
            let path = ConfigDirectory.profilePath(options.profile)
            let current = try JSONDecoder().decode(Profile.self, from: try SecretFile.read(path))
            let issued = try await Connection.with(options) {
                try await $0.issueClientCertificate(commonName: name, profile: profile)
            }
            guard mkdir(out, 0o700) == 0 || errno == EEXIST else { throw CLIError("cannot make \(out)") }
            try SecretFile.writePublic(Data(issued.caCertificatePem.utf8), to: out + "/ca.pem")
            try SecretFile.writePublic(Data(issued.certificatePem.utf8), to: out + "/client.pem")
            try SecretFile.write(Data(issued.privateKeyPem.utf8), to: out + "/client-key.pem")
            var written = Profile(
                cluster: current.cluster, endpoints: current.endpoints, ca: "ca.pem", certificate: "client.pem", key: "client-key.pem")
            written.endpointOrder = current.endpointOrder
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            for file in ["profile.json", "coffer-pkcs11.conf"] {
                try SecretFile.writePublic(try encoder.encode(written), to: out + "/" + file)
            }
            try Output.emit(
                options, json: ["profile": profile, "name": name, "folder": out],
                human: "\(profile) certificate for \(name) written to \(out) (profile.json and coffer-pkcs11.conf name it)")
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
