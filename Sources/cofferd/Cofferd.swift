// cofferd, the Coffer node daemon: self-tests, opens the store, and serves the node (see
// docs/operations.md). The node's behaviour lives in CofferServer's CofferNode; this is the shell.

import ArgumentParser
import CofferCrypto
import CofferServer
import CofferState
import CofferStoreEtcd
import CofferStoreSQLite
import Dispatch
import Foundation
import Logging

@main
struct Cofferd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cofferd",
        abstract: "The Coffer node daemon: a software HSM node serving gRPC over mutual TLS 1.3.",
        discussion: """
            Start-up: takes the data folder's lock DATA/cofferd.lock and checks that the listen port is \
            free (exits non-zero, changing nothing, if another cofferd holds the folder or the port is \
            taken), runs the cryptographic self-tests (exits non-zero if one fails), opens the store \
            (DATA/store.sqlite, or the etcd cluster of the `store` setting), and then, depending on the \
            mode and the store:

            --dev: initializes the node 1-of-1 on first start (admin user "admin" with a random \
            password, cluster CA, server certificate, client bundle in DATA/client) and unseals itself \
            from DATA/dev-unseal-share on every later start. For trying Coffer out only: the unseal \
            share and the admin password are kept on disk.

            Initialized store: serves mutual TLS with the cluster CA. The node is sealed until enough \
            unseal shares are given (NodeService.Unseal, `coffer cluster unseal`); only GetStatus and \
            Unseal work while sealed.

            Initialized store but no DATA/tls (a node joining a cluster that another node \
            initialized): serves the join listener, TLS with a self-signed certificate written to \
            DATA/bootstrap/ca.pem (fingerprint printed) and no client certificate, offering only \
            NodeService.GetStatus and Unseal (`coffer cluster unseal --bootstrap HOST:PORT \
            --bootstrap-ca FILE`). Once the cluster's shares unseal it, the node issues its own server \
            certificate from the cluster CA into DATA/tls and switches to mutual TLS on the same \
            address, unsealed; later starts are those of an initialized store.

            Never-initialized store: serves the bootstrap listener, TLS with a self-signed certificate \
            written to DATA/bootstrap/ca.pem (its SHA-256 fingerprint is printed so that you can pin \
            it) and no client certificate, offering only BootstrapService.Initialize and \
            NodeService.GetStatus. After Initialize the node seals itself and switches to mutual TLS \
            on the same address.

            Settings come from --config FILE (JSON) and the flags, flags winning. Config file keys: \
            listen, dataDir, logLevel, clusterName, certificateNames (array), loginIdleTimeoutSeconds, \
            fastPath, fastPathPort, minimumRSABits (the smallest RSA modulus the node makes or uses, \
            1024 to 4096; 2048 by default), store (absent: SQLite in the data folder; or {"kind": \
            "etcd", "endpoints": ["HOST:PORT", ...], "prefix": "coffer/NAME/", "tls": {"ca", \
            "certificate", "key"}, "username", "passwordFile"}; see docs/operations.md), backup \
            ({"intervalSeconds": N, "folder": DIR, "retention": K}: scheduled backups, docs/backup.md), \
            join (a join credential file from coffer cluster add-node: a new node joins the cluster with \
            it, no shares; docs/cluster.md), auditCryptoCalls (true by default: sign, verify, encrypt and \
            decrypt calls are in the audit log; false only to measure what that costs, docs/audit.md).

            On a cluster (etcd), a node that has been a member gets the domain key from a live peer when \
            it restarts: only a whole-cluster restart needs the shares.

            SIGTERM or SIGINT stops the node gracefully (running calls finish) and exits 0. Logs go to \
            stderr as key=value lines and never contain secrets. docs/operations.md has the details.
            """)

    @Flag(help: "Dev mode: initialized and unsealed unattended, with the unseal share on disk. Not for real keys.")
    var dev = false

    @Option(name: .customLong("config"), help: ArgumentHelp("A JSON config file.", valueName: "file"))
    var configFile: String?

    @Option(
        help: ArgumentHelp(
            "Address to listen on, IP:PORT or [IPv6]:PORT; port 0 picks a free one. Default 127.0.0.1:9443.",
            valueName: "host:port"))
    var listen: String?

    @Option(
        name: .customLong("data-dir"),
        help: ArgumentHelp(
            "The data folder. Default ./coffer-dev with --dev, else ./coffer-data.", valueName: "dir"))
    var dataDirectory: String?

    @Option(
        name: .customLong("log-level"),
        help: ArgumentHelp(
            "trace, debug, info, notice, warning, error or critical. Default info.", valueName: "level"))
    var logLevel: String?

    @Option(
        name: .customLong("cluster-name"),
        help: ArgumentHelp(
            "The cluster's name. Default coffer-dev with --dev, else coffer.", valueName: "name"))
    var clusterName: String?

    @Option(
        name: .customLong("certificate-name"),
        help: ArgumentHelp(
            "An extra DNS name or IP address for the node's server certificate (repeatable).", valueName: "name"))
    var certificateNames: [String] = []

    @Option(
        name: .customLong("restore"),
        help: ArgumentHelp(
            "Before starting, restore this backup (`coffer backup create`) into the node's store, which must hold no cluster yet; then start sealed: unseal with the original cluster's shares.",
            valueName: "file"))
    var restoreFile: String?

    @Flag(
        name: .customLong("replace-existing"),
        help: "With --restore: replace the cluster the store holds (its records are deleted first, and the data folder's node certificate is moved aside), after saying what is replaced.")
    var replaceExisting = false

    func run() async throws {
        var overrides = NodeConfiguration.Overrides()
        overrides.dev = dev
        overrides.listen = listen
        overrides.dataDirectory = dataDirectory
        overrides.logLevel = logLevel
        overrides.clusterName = clusterName
        overrides.certificateNames = certificateNames.isEmpty ? nil : certificateNames
        var configuration: NodeConfiguration
        do { configuration = try NodeConfiguration.load(file: configFile, overrides: overrides) } catch {
            Self.fail(error.description)
        }
        configuration.dataDirectory = URL(fileURLWithPath: configuration.dataDirectory).standardizedFileURL.path
        let settings = configuration
        var etcdConfiguration: EtcdConfiguration?
        if case .etcd(let etcd) = configuration.store {
            // Dev mode keeps its one share in the data folder: a second node on the same etcd would
            // have no share to unseal with.
            if configuration.dev { Self.fail("store: --dev runs only on the SQLite store; remove the etcd store setting") }
            do { etcdConfiguration = try etcd.etcdConfiguration() } catch { Self.fail(error.description) }
        }

        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "cofferd")

        let directory = DataDirectory(path: configuration.dataDirectory)
        let lock = Self.claim(directory, configuration)
        defer { withExtendedLifetime(lock) {} }

        let crypto: CryptoModule
        do { crypto = try CryptoModule.start(registry: .standard(rsa: configuration.rsaKeySize)) } catch {
            Self.fail("cryptographic self-test failed, refusing to start: \(error)")
        }
        logger.info("self-tests passed")
        if configuration.rsaKeySize.minimumBits < RSAKeySize.standard.minimumBits {
            logger.warning(
                "RSA keys below 2048 bits are allowed (minimumRSABits); NIST SP 800-131A disallows them for new keys",
                metadata: ["minimumRSABits": "\(configuration.rsaKeySize.minimumBits)"])
        }

        if restoreFile != nil, configuration.dev { Self.fail("--restore: dev mode makes its own cluster; start without --dev") }
        if replaceExisting, restoreFile == nil { Self.fail("--replace-existing goes with --restore FILE") }

        let store: any StateStore
        let storeName: String
        if let etcdConfiguration {
            do { store = try EtcdStateStore(configuration: etcdConfiguration) } catch {
                Self.fail(EtcdStoreSetting.describe(error).description)
            }
            storeName = configuration.store.description
        } else {
            do {
                try directory.create()
                store = try SQLiteStateStore.open(path: directory.store)
            } catch {
                Self.fail("cannot open the store in \(configuration.dataDirectory): \(error)")
            }
            storeName = directory.store
        }
        if let restoreFile {
            do {
                let restored = try await Restore.run(
                    file: restoreFile, into: store, directory: directory, replacing: replaceExisting) { replaced in
                        print("cofferd: \(replaced)")
                        logger.warning("replacing the store's cluster with a backup", metadata: ["replaced": "\(replaced)"])
                    }
                logger.notice(
                    "backup restored",
                    metadata: ["file": "\(restoreFile)", "records": "\(restored.records)", "revision": "\(restored.revision)", "cluster": "\(restored.cluster)"])
                print("cofferd: restored \(restored.records) records of cluster \"\(restored.cluster)\" (revision \(restored.revision) of the backup); unseal with its shares")
            } catch {
                await store.close()
                Self.fail("--restore \(restoreFile): \(error)")
            }
        }
        let nodeID: String
        do {
            try directory.create()
            nodeID = try directory.loadOrCreateNodeID()
        } catch {
            await store.close()
            Self.fail("cannot prepare the data folder \(configuration.dataDirectory): \(error)")
        }
        // A node on etcd shares its store: it bounds how stale a view it serves (docs/state.md).
        let freshness = etcdConfiguration == nil ? nil : FreshnessPolicy(nodeName: nodeID)
        let state: StateMachine
        do {
            // Every committed command writes its audit entry in its own transaction (docs/audit.md), and
            // a guarded one commits only with its quorum's approvals, consuming the token (docs/quorum.md).
            state = try await StateMachine(
                store: store, crypto: crypto, participants: [AuditParticipant(node: nodeID), QuorumParticipant()],
                freshness: freshness)
        } catch {
            await store.close()
            Self.fail("cannot open the store (\(storeName)): \(error)")
        }
        logger.info("store opened", metadata: ["store": "\(storeName)", "revision": "\(state.revision)"])

        let node = CofferNode(
            configuration: configuration, state: state, logger: logger, replicatedStore: store as? any ReplicatedStateStore)
        let signals = [SIGTERM, SIGINT].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                logger.notice("shutting down", metadata: ["signal": "\(number == SIGTERM ? "SIGTERM" : "SIGINT")"])
                node.shutdown()
            }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }

        do {
            try await node.run { event in Self.show(event, configuration: settings) }
        } catch {
            logger.error("node failed", metadata: ["error": "\(error)"])
            await store.close()
            Self.fail("\(error)")
        }
        state.seal()
        await store.close()
        logger.notice("store closed; exiting")
    }

    /// Makes this process the only one on its data folder and checks its ports are free, before
    /// anything in the folder is created, initialized, unsealed or rewritten; exits 1 if not. An
    /// existing folder is locked first, so that a second node on it names the holder's PID even when
    /// it was also given the same port; a new folder is created only once the ports are known free.
    static func claim(_ directory: DataDirectory, _ configuration: NodeConfiguration) -> DataDirectoryLock {
        var addresses = [configuration.listen]
        if configuration.fastPath, configuration.fastPathPort != 0 {
            addresses.append(ListenAddress(host: configuration.listen.host, port: configuration.fastPathPort))
        }
        let checkPorts = {
            do { for address in addresses { try address.checkAvailable() } } catch { fail("\(error)") }
        }
        let existed = FileManager.default.fileExists(atPath: directory.path)
        if !existed { checkPorts() }
        do { try directory.create() } catch { fail("cannot create the data folder \(directory.path): \(error)") }
        let lock: DataDirectoryLock
        do { lock = try DataDirectoryLock.acquire(directory) } catch { fail(error.description) }
        if existed { checkPorts() }
        return lock
    }

    /// One line on stderr, then exit 1.
    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("cofferd: \(message)\n".utf8))
        Foundation.exit(1)
    }

    /// How to run the CLI: the `coffer` built next to this cofferd (by its full path, since a build
    /// folder is seldom on the PATH), else plain `coffer`.
    static var cliCommand: String {
        guard let executable = Bundle.main.executablePath else { return "coffer" }
        let sibling = URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("coffer").path
        return FileManager.default.isExecutableFile(atPath: sibling) ? sibling : "coffer"
    }

    /// Tells the operator what happened, on stdout.
    static func show(_ event: CofferNode.Event, configuration: NodeConfiguration) {
        let data = configuration.dataDirectory
        let text: String
        switch event {
        case .dev(let dev, let endpoint):
            text = """

                ==> Coffer dev node \(dev.firstStart ? "initialized" : "unsealed") (cluster \(configuration.clusterName))

                  endpoint:        \(endpoint)
                  admin user:      \(dev.adminName)
                  admin password:  \(dev.adminPassword)
                  client bundle:   \(dev.bundlePath)
                  CLI profile:     \(dev.bundlePath)/profile.json
                  PKCS#11 config:  \(dev.bundlePath)/coffer-pkcs11.conf
                  CA certificate:  \(dev.bundlePath)/ca.pem

                  Try: COFFER_PROFILE=\(dev.bundlePath)/profile.json \(cliCommand) cluster status

                !!! WARNING: DEV MODE. The unseal share (\(data)/dev-unseal-share) and the admin
                !!! password (\(dev.bundlePath)/dev-admin-password) are kept on disk in plain files:
                !!! anyone who can read \(data) holds every key in this node. Never use --dev for real keys.

                """
        case .bootstrapListening(let endpoint, let path, let fingerprint):
            text = """
                cofferd: this node has never been initialized; bootstrap endpoint: \(endpoint)
                  bootstrap certificate:  \(path)
                  SHA-256 fingerprint:    \(fingerprint)
                  Check the fingerprint, then initialize the cluster (coffer cluster init).
                """
        case .joinListening(let endpoint, let path, let fingerprint):
            text = """
                cofferd: this node joins an initialized cluster and has no certificate yet; join endpoint: \(endpoint)
                  bootstrap certificate:  \(path)
                  SHA-256 fingerprint:    \(fingerprint)
                  Check the fingerprint, then unseal it with the cluster's shares \
                (coffer cluster unseal --bootstrap \(endpoint) --bootstrap-ca \(path)).
                """
        case .joined:
            text =
                "cofferd: unsealed; server certificate issued from the cluster CA; switching to mutual TLS (the node is unsealed)."
        case .initialized:
            text =
                "cofferd: cluster initialized; switching to mutual TLS (the node is sealed: unseal it with the shares)."
        case .listening(let endpoint, let sealed):
            text = "cofferd: serving mutual TLS, endpoint: \(endpoint) (\(sealed ? "sealed" : "unsealed"))"
        case .joinedWithCredential(let name, let peer, let replaced):
            text =
                "cofferd: joined the cluster as \(name) through peer \(peer)\(replaced.map { " (replacing \($0), whose certificate is revoked)" } ?? ""); certificate issued, unsealed"
        case .unsealedByPeer(let peer):
            text = "cofferd: unsealed with the domain key from peer \(peer) (no shares needed)"
        }
        // Unbuffered: whoever reads the pipe (an operator's log, a test) sees each event at once.
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}
