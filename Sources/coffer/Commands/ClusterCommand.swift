// `coffer cluster init|unseal|status|attest`: bring a cluster up, unseal a node, look at it, and
// check what it runs.

import ArgumentParser
import CofferClient
import CofferProtocol
import Foundation

/// The cluster command group.
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster", abstract: "Initialize, unseal and inspect the cluster.",
        subcommands: [
            Init.self, Unseal.self, Status.self, Attest.self, Nodes.self, AddNode.self, RemoveNode.self, AllowBinary.self,
            DisallowBinary.self, IssueCertificate.self,
        ])

    static func stateName(_ state: Coffer_V1_SealState) -> String {
        switch state {
        case .uninitialized: "uninitialized"
        case .sealed: "sealed"
        case .unsealed: "unsealed"
        default: "unknown"
        }
    }
}

extension ClusterCommand {
    /// `coffer cluster init`.
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Initialize a new node: make the domain key, its unseal shares, the cluster CA and the first admin.",
            discussion: """
                Connects to the node's bootstrap listener over TLS, trusting only the bootstrap certificate \
                given with --bootstrap-ca. Prints the unseal shares once: hand one to each key custodian; \
                they are not stored anywhere. Writes ca.pem, client.pem, client-key.pem (0600) and \
                profile.json to --out (default: the config dir).
                """)

        @OptionGroup var options: CommonOptions
        @Option(help: "The node's bootstrap listener, HOST:PORT.") var endpoint: String
        @Option(name: .customLong("bootstrap-ca"), help: "The node's bootstrap certificate (PEM) to pin.")
        var bootstrapCA: String
        @Option(help: "Shares needed to unseal (M).") var threshold: UInt32
        @Option(help: "Shares to make (N).") var shares: UInt32
        @Option(help: "Name of the first admin user.") var admin: String
        @Option(
            name: .customLong("password-file"),
            help: "File whose first line is the admin's password (else $COFFER_PASSWORD, else a prompt).")
        var passwordFile: String?
        @Option(name: .customLong("cluster-name"), help: "The cluster's name.") var clusterName = "coffer"
        @Option(help: "Folder for the client bundle and profile (default: the config dir).") var out: String?

        func validate() throws {
            guard threshold >= 1, shares >= threshold, shares <= 255 else {
                throw ValidationError("need 1 <= --threshold <= --shares <= 255")
            }
            guard !admin.isEmpty else { throw ValidationError("--admin must not be empty") }
        }

        func run() async throws {
            let endpoint = try Endpoint(parsing: self.endpoint)
            let ca = String(decoding: try SecretFile.read(bootstrapCA), as: UTF8.self)
            let password = try PasswordSource.read(
                file: passwordFile, environment: "COFFER_PASSWORD", prompt: "Password for \(admin): ")
            var request = Coffer_V1_InitializeRequest()
            request.threshold = threshold
            request.shares = shares
            request.adminName = admin
            request.adminPassword = Data(password)
            request.clusterName = clusterName
            let response = try await CofferBootstrap.initialize(
                endpoint: endpoint, bootstrapCAPEM: ca, request: request)

            let folder = out ?? ConfigDirectory.path
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try SecretFile.writePublic(Data(response.caCertificatePem.utf8), to: folder + "/ca.pem")
            try SecretFile.writePublic(Data(response.clientCertificatePem.utf8), to: folder + "/client.pem")
            try SecretFile.write(Data(response.clientPrivateKeyPem.utf8), to: folder + "/client-key.pem")
            let profile = Profile(
                cluster: clusterName, endpoints: [endpoint.description], ca: "ca.pem", certificate: "client.pem",
                key: "client-key.pem")
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try SecretFile.writePublic(try encoder.encode(profile), to: folder + "/profile.json")

            try Output.emit(
                options,
                json: ["shares": response.shares, "threshold": threshold, "profile": folder + "/profile.json"],
                human: """
                    Cluster "\(clusterName)" initialized. Unseal shares (\(threshold) of \(shares) needed); \
                    they are shown only now:
                    \(response.shares.enumerated().map { "  share \($0.offset + 1): \($0.element)" }.joined(separator: "\n"))
                    Profile written to \(folder)/profile.json
                    """)
        }
    }

    /// `--bootstrap` and `--bootstrap-ca`: a node's join listener, reached without a profile.
    struct JoinListener: ParsableArguments {
        @Option(
            name: .customLong("bootstrap"),
            help: ArgumentHelp("A joining node's listener, HOST:PORT (instead of the profile).", valueName: "host:port"))
        var endpoint: String?
        @Option(
            name: .customLong("bootstrap-ca"),
            help: ArgumentHelp("That node's bootstrap certificate (PEM) to pin; with --bootstrap.", valueName: "file"))
        var certificate: String?

        func validate() throws {
            guard (endpoint == nil) == (certificate == nil) else {
                throw ValidationError("--bootstrap and --bootstrap-ca go together")
            }
        }

        /// The endpoint and the pinned certificate, or nil to use the profile.
        func resolved() throws -> (Endpoint, String)? {
            guard let endpoint, let certificate else { return nil }
            return (try Endpoint(parsing: endpoint), String(decoding: try SecretFile.read(certificate), as: UTF8.self))
        }
    }

    /// `coffer cluster unseal`.
    struct Unseal: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give one unseal share to the node.",
            discussion: """
                Without --share, reads the share from stdin (a prompt without echo on a terminal).

                A node of an initialized cluster is reached through the profile (mutual TLS with your \
                client certificate). A node that joins a cluster another node initialized has no \
                certificate from the cluster CA yet: it prints a join endpoint and the SHA-256 \
                fingerprint of a self-signed bootstrap certificate (in its DATA/bootstrap/ca.pem). Check \
                the fingerprint, then give that node its shares with --bootstrap HOST:PORT \
                --bootstrap-ca FILE (as `coffer cluster init` reaches a new node): TLS trusting only \
                that certificate, no client certificate, no profile. Once enough shares are in, the node \
                issues its own server certificate from the cluster CA and serves mutual TLS on the same \
                address, unsealed; add its endpoint to your profile.
                """)

        @OptionGroup var options: CommonOptions
        @OptionGroup var join: JoinListener
        @Option(help: "The share (prefer stdin: a command line is visible to other users).") var share: String?

        func run() async throws {
            let target = try join.resolved()
            let share = try self.share ?? String(decoding: PasswordSource.promptLine("Unseal share: "), as: UTF8.self)
            let response: Coffer_V1_UnsealResponse
            if let (endpoint, certificate) = target {
                response = try await CofferBootstrap.unseal(endpoint: endpoint, bootstrapCAPEM: certificate, share: share)
            } else {
                response = try await Connection.with(options, login: false) { try await $0.unseal(share: share) }
            }
            let state = ClusterCommand.stateName(response.sealState)
            try Output.emit(
                options,
                json: ["seal_state": state, "shares_given": response.sharesGiven, "threshold": response.threshold],
                human: state == "unsealed"
                    ? "unsealed" : "sealed: \(response.sharesGiven) of \(response.threshold) shares given")
        }
    }
}
