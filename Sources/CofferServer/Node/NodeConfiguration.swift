// cofferd's settings: a JSON config file, overridden by command-line flags, validated into one value.
// Every problem is reported as one line naming the setting.

import CofferCrypto
import Foundation
import Logging

/// How a node runs.
public struct NodeConfiguration: Sendable, Equatable {
    /// The address the node listens on (IP literal and port; port 0 picks a free one).
    public var listen: ListenAddress
    /// The data folder: the store, TLS material, and in dev mode the client bundle.
    public var dataDirectory: String
    /// The lowest log level written to stderr.
    public var logLevel: Logger.Level
    /// The cluster's name: in the CA's name, GetStatus and the client profile.
    public var clusterName: String
    /// Extra names for the node's server certificate: DNS names and IP addresses.
    public var certificateNames: [String]
    /// How long a certificate-scoped (CLI) login stays valid without use.
    public var loginIdleTimeout: Duration
    /// Dev mode: initialize and unseal unattended, keep the share on disk.
    public var dev: Bool
    /// Whether the node serves the fast path (docs/protocol.md, "The fast path").
    public var fastPath = true
    /// Whether crypto calls (sign, verify, encrypt, decrypt) are in the audit log (config key
    /// `auditCryptoCalls`; on by default). Off only to measure what recording them costs
    /// (docs/benchmarks.md); management calls, logins and refusals are recorded regardless.
    public var auditCryptoCalls = true
    /// The fast path's TCP port on the listen host; 0 picks a free one, which clients learn by RPC.
    public var fastPathPort = 0
    /// The node's RSA size policy: the smallest modulus it makes or uses (config key
    /// `minimumRSABits`, 1024 to 4096 in whole bytes; 2048 by default).
    public var rsaKeySize = RSAKeySize.standard
    /// Where the node keeps its state (config key `store`): SQLite in the data folder unless set.
    public var store = StoreSetting.sqlite
    /// Scheduled backups (`backup`: interval, folder, retention); nil for none.
    public var backupSchedule: BackupSchedule?
    /// The join credential file (`join`, from `coffer cluster add-node --out`): a node with no
    /// certificate yet joins the cluster with it instead of waiting for the shares.
    public var joinCredential: String?

    /// The defaults for normal and dev mode.
    public static func defaults(dev: Bool) -> NodeConfiguration {
        NodeConfiguration(
            listen: ListenAddress(host: "127.0.0.1", port: 9443),
            dataDirectory: dev ? "./coffer-dev" : "./coffer-data",
            logLevel: .info,
            clusterName: dev ? "coffer-dev" : "coffer",
            certificateNames: [],
            loginIdleTimeout: .seconds(900),
            dev: dev)
    }

    /// The DNS names among `certificateNames`.
    public var certificateDNSNames: [String] { certificateNames.filter { !IPAddressText.isAddress($0) } }
    /// The IP addresses among `certificateNames`.
    public var certificateIPAddresses: [String] { certificateNames.filter { IPAddressText.isAddress($0) } }

    /// Settings given on the command line; nil leaves the file's value (or the default).
    public struct Overrides: Sendable {
        public var listen: String?
        public var dataDirectory: String?
        public var logLevel: String?
        public var clusterName: String?
        public var certificateNames: [String]?
        public var dev = false

        public init() {}
    }

    /// The file's keys. Unknown keys are errors, so that a misspelt setting is not silently ignored.
    struct File: Decodable {
        var listen: String?
        var dataDir: String?
        var logLevel: String?
        var clusterName: String?
        var certificateNames: [String]?
        var loginIdleTimeoutSeconds: Int?
        var fastPath: Bool?
        var auditCryptoCalls: Bool?
        var fastPathPort: Int?
        var minimumRSABits: Int?
        var store: StoreSetting.File?
        var backup: BackupFile?
        var join: String?

        static let keys: Set<String> = [
            "listen", "dataDir", "logLevel", "clusterName", "certificateNames", "loginIdleTimeoutSeconds", "fastPath",
            "auditCryptoCalls", "fastPathPort", "minimumRSABits", "store", "backup", "join",
        ]
    }

    /// The `backup` setting.
    struct BackupFile: Decodable {
        var intervalSeconds: Int
        var folder: String
        var retention: Int
        static let keys: Set<String> = ["intervalSeconds", "folder", "retention"]
    }

    /// Reads the config file at `path` (if any), applies `overrides`, and validates the result.
    public static func load(file path: String?, overrides: Overrides) throws(ConfigurationError) -> NodeConfiguration {
        var file = File()
        if let path {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw .init("cannot read config file \(path)")
            }
            file = try parse(data, path: path)
        }
        var configuration = defaults(dev: overrides.dev)
        if let listen = overrides.listen ?? file.listen {
            configuration.listen = try ListenAddress(parsing: listen)
        }
        if let directory = overrides.dataDirectory ?? file.dataDir {
            guard !directory.isEmpty else { throw .init("dataDir must not be empty") }
            configuration.dataDirectory = directory
        }
        if let level = overrides.logLevel ?? file.logLevel {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw .init("log level \(level) is not one of trace, debug, info, notice, warning, error, critical")
            }
            configuration.logLevel = parsed
        }
        if let name = overrides.clusterName ?? file.clusterName {
            try validateClusterName(name)
            configuration.clusterName = name
        }
        if let names = overrides.certificateNames ?? file.certificateNames {
            for name in names { try validateCertificateName(name) }
            configuration.certificateNames = names
        }
        if let seconds = file.loginIdleTimeoutSeconds {
            guard (10...86_400).contains(seconds) else { throw .init("loginIdleTimeoutSeconds must be 10 to 86400") }
            configuration.loginIdleTimeout = .seconds(seconds)
        }
        if let fastPath = file.fastPath { configuration.fastPath = fastPath }
        if let audit = file.auditCryptoCalls { configuration.auditCryptoCalls = audit }
        if let port = file.fastPathPort {
            guard (0...65_535).contains(port) else { throw .init("fastPathPort must be 0 to 65535") }
            configuration.fastPathPort = port
        }
        if let bits = file.minimumRSABits {
            guard let sizes = RSAKeySize(minimumBits: bits) else {
                throw .init(
                    "minimumRSABits must be \(RSAKeySize.lowestMinimum) to \(RSAKeySize.maximumBits) and a multiple of 8, not \(bits)")
            }
            configuration.rsaKeySize = sizes
        }
        if let backup = file.backup, let path {
            guard (1...31 * 86_400).contains(backup.intervalSeconds) else { throw .init("backup.intervalSeconds must be 1 to 2678400") }
            guard (1...10_000).contains(backup.retention) else { throw .init("backup.retention must be 1 to 10000") }
            guard !backup.folder.isEmpty else { throw .init("backup.folder must not be empty") }
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            let resolved = backup.folder.hasPrefix("/") ? backup.folder : folder.appendingPathComponent(backup.folder).path
            configuration.backupSchedule = BackupSchedule(
                interval: .seconds(backup.intervalSeconds), folder: resolved, retention: backup.retention)
        }
        if let join = file.join, let path {
            guard !join.isEmpty else { throw .init("join must name the join credential file (coffer cluster add-node --out)") }
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            configuration.joinCredential = join.hasPrefix("/") ? join : folder.appendingPathComponent(join).path
        }
        if let store = file.store, let path {
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            configuration.store = try StoreSetting.parse(store, folder: folder)
        }
        return configuration
    }

    static func parse(_ data: Data, path: String) throws(ConfigurationError) -> File {
        guard let object = try? JSONSerialization.jsonObject(with: data), let dictionary = object as? [String: Any]
        else {
            throw .init("config file \(path) is not a JSON object")
        }
        if let unknown = dictionary.keys.sorted().first(where: { !File.keys.contains($0) }) {
            throw .init(
                "config file \(path): unknown setting \"\(unknown)\" (known: \(File.keys.sorted().joined(separator: ", ")))"
            )
        }
        do { try StoreSetting.checkKeys(dictionary["store"]) } catch { throw .init("config file \(path): \(error)") }
        if let backup = dictionary["backup"] as? [String: Any],
            let unknown = backup.keys.sorted().first(where: { !BackupFile.keys.contains($0) })
        {
            throw .init("config file \(path): unknown backup setting \"\(unknown)\" (known: folder, intervalSeconds, retention)")
        }
        do { return try JSONDecoder().decode(File.self, from: data) } catch let DecodingError.typeMismatch(_, context) {
            throw .init(
                "config file \(path): \(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
            )
        } catch {
            throw .init("config file \(path) does not parse")
        }
    }

    static func validateClusterName(_ name: String) throws(ConfigurationError) {
        let allowed = name.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0))
        }
        guard (1...64).contains(name.count), allowed else {
            throw .init("cluster name \"\(name)\" must be 1 to 64 letters, digits, '-', '_' or '.'")
        }
    }

    static func validateCertificateName(_ name: String) throws(ConfigurationError) {
        if IPAddressText.isAddress(name) { return }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        let valid =
            (1...253).contains(name.count)
            && labels.allSatisfy { label in
                (1...63).contains(label.count) && label.first != "-" && label.last != "-"
                    && label.unicodeScalars.allSatisfy {
                        $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-")
                    }
            }
        guard valid else { throw .init("certificate name \"\(name)\" is neither a DNS name nor an IP address") }
    }
}
