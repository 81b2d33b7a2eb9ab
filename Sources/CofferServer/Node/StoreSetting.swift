// The node's `store` setting: the embedded SQLite file in the data folder (the default, one node)
// or an etcd cluster that every node of a Coffer cluster shares. Parsed and checked here, with the
// files it names already read; cofferd maps an etcd setting onto the etcd backend's configuration
// (CofferServer does not link any store backend).

import Foundation

/// Where a node keeps its state.
public enum StoreSetting: Sendable, Equatable, CustomStringConvertible {
    /// `DATA/store.sqlite`: one node on its own.
    case sqlite
    /// An etcd cluster shared by the nodes of one Coffer cluster.
    case etcd(EtcdStoreSetting)

    public var description: String {
        switch self {
        case .sqlite: "sqlite"
        case .etcd(let etcd): etcd.description
        }
    }
}

/// The `store` setting of kind `etcd`, with its TLS files and password file read.
public struct EtcdStoreSetting: Sendable, Equatable, CustomStringConvertible {
    /// One etcd member's client address: an IP address or a DNS name, and a port.
    public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// TLS to etcd: the CA that signs the members' certificates, and the node's client certificate.
    public struct TLS: Sendable, Equatable {
        public var caPEM: String
        public var certificatePEM: String?
        public var keyPEM: String?
    }

    public var endpoints: [Endpoint]
    /// Prepended to every key in etcd; ends with "/" so that no cluster's prefix starts another's.
    public var prefix: String
    public var tls: TLS?
    public var username: String?
    /// The etcd password, read from `passwordFile`. Never printed.
    public var password: String?

    /// The setting without its secrets, for logs.
    public var description: String {
        var text = "etcd \(endpoints.map(\.description).joined(separator: ",")) prefix \(prefix)"
        text += tls == nil ? " plaintext" : (tls?.certificatePEM == nil ? " TLS" : " TLS with client certificate")
        if let username { text += " user \(username)" }
        return text
    }

    /// Longest prefix accepted: it is repeated in every key, and etcd keys count against its limits.
    static let maximumPrefixLength = 128

    static func parseEtcd(_ file: StoreSetting.File, folder: String) throws(ConfigurationError) -> EtcdStoreSetting {
        guard let texts = file.endpoints, !texts.isEmpty else {
            throw .init("store.endpoints must list at least one etcd member (HOST:PORT)")
        }
        var endpoints: [Endpoint] = []
        for text in texts {
            let endpoint = try parseEndpoint(text)
            guard !endpoints.contains(endpoint) else { throw .init("store.endpoints lists \(text) twice") }
            endpoints.append(endpoint)
        }
        guard let prefix = file.prefix else {
            throw .init("store.prefix is missing: give this cluster's etcd key prefix, such as \"coffer/prod/\"")
        }
        guard (2...maximumPrefixLength).contains(prefix.utf8.count), prefix.hasSuffix("/"),
            !prefix.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else {
            throw .init(
                "store.prefix \"\(prefix)\" must be 2 to \(maximumPrefixLength) printable bytes ending in \"/\" (so that no cluster's prefix starts another's)"
            )
        }
        var tls: TLS?
        if let tlsFile = file.tls {
            guard let ca = tlsFile.ca else { throw .init("store.tls.ca is missing: the CA file that signs etcd's certificates") }
            switch (tlsFile.certificate, tlsFile.key) {
            case (nil, nil), (.some, .some): break
            case (.some, nil): throw .init("store.tls.certificate is given without store.tls.key")
            case (nil, .some): throw .init("store.tls.key is given without store.tls.certificate")
            }
            tls = TLS(
                caPEM: try readPEM(ca, setting: "store.tls.ca", folder: folder),
                certificatePEM: try tlsFile.certificate.map { path throws(ConfigurationError) in
                    try readPEM(path, setting: "store.tls.certificate", folder: folder)
                },
                keyPEM: try tlsFile.key.map { path throws(ConfigurationError) in
                    try readPEM(path, setting: "store.tls.key", folder: folder)
                })
        }
        var password: String?
        switch (file.username, file.passwordFile) {
        case (nil, nil): break
        case (let username?, let path?):
            guard (1...128).contains(username.utf8.count), !username.contains(where: \.isNewline) else {
                throw .init("store.username must be 1 to 128 bytes on one line")
            }
            password = try readPassword(path, folder: folder)
        case (.some, nil): throw .init("store.username is given without store.passwordFile")
        case (nil, .some): throw .init("store.passwordFile is given without store.username")
        }
        return EtcdStoreSetting(endpoints: endpoints, prefix: prefix, tls: tls, username: file.username, password: password)
    }

    /// `HOST:PORT` or `[IPV6]:PORT`; the host an IP address or a DNS name, the port 1 to 65535.
    static func parseEndpoint(_ text: String) throws(ConfigurationError) -> Endpoint {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw .init("store.endpoints: \"\(text)\" must be HOST:PORT or [IPV6]:PORT")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
            guard host.contains(":"), IPAddressText.isAddress(String(host)) else {
                throw .init("store.endpoints: \"\(text)\": \(host) is not an IPv6 address")
            }
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                throw .init("store.endpoints: \"\(text)\" must be HOST:PORT or [IPV6]:PORT")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if !IPAddressText.isAddress(String(host)) {
                do { try NodeConfiguration.validateCertificateName(String(host)) } catch {
                    throw .init("store.endpoints: \"\(text)\": \(host) is neither an IP address nor a DNS name")
                }
            }
        }
        guard let port = Int(portText), (1...65_535).contains(port) else {
            throw .init("store.endpoints: \"\(text)\": the port must be 1 to 65535")
        }
        return Endpoint(host: String(host), port: port)
    }

    static func resolve(_ path: String, folder: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: folder).appendingPathComponent(path).standardizedFileURL.path
    }

    private static func readPEM(_ path: String, setting: String, folder: String) throws(ConfigurationError) -> String {
        let file = resolve(path, folder: folder)
        guard let data = FileManager.default.contents(atPath: file) else {
            throw .init("\(setting): cannot read \(file)")
        }
        guard let text = String(data: data, encoding: .utf8), text.contains("-----BEGIN ") else {
            throw .init("\(setting): \(file) is not a PEM file")
        }
        return text
    }

    /// The first line of the file, without its line end.
    private static func readPassword(_ path: String, folder: String) throws(ConfigurationError) -> String {
        let file = resolve(path, folder: folder)
        guard let data = FileManager.default.contents(atPath: file) else {
            throw .init("store.passwordFile: cannot read \(file)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .init("store.passwordFile: \(file) is not UTF-8 text")
        }
        let line = String(text.prefix { $0 != "\n" && $0 != "\r\n" && $0 != "\r" })
        guard !line.isEmpty else { throw .init("store.passwordFile: the first line of \(file) is empty") }
        return line
    }
}

extension StoreSetting {
    /// The keys of the `store` object and of its `tls` object.
    static let keys: Set<String> = ["kind", "endpoints", "prefix", "tls", "username", "passwordFile"]
    static let tlsKeys: Set<String> = ["ca", "certificate", "key"]
    /// The `store` object of a config file, as decoded.
    struct File: Decodable {
        var kind: String?
        var endpoints: [String]?
        var prefix: String?
        var tls: TLSFile?
        var username: String?
        var passwordFile: String?
    }

    struct TLSFile: Decodable {
        var ca: String?
        var certificate: String?
        var key: String?
    }

    /// Checks the object's keys (each level's unknown keys are errors), before it is decoded.
    static func checkKeys(_ object: Any?) throws(ConfigurationError) {
        guard let store = object as? [String: Any] else { return }
        if let unknown = store.keys.sorted().first(where: { !keys.contains($0) }) {
            throw .init("store: unknown setting \"\(unknown)\" (known: \(keys.sorted().joined(separator: ", ")))")
        }
        guard let tls = store["tls"] as? [String: Any] else { return }
        if let unknown = tls.keys.sorted().first(where: { !tlsKeys.contains($0) }) {
            throw .init(
                "store.tls: unknown setting \"\(unknown)\" (known: \(tlsKeys.sorted().joined(separator: ", ")))")
        }
    }

    /// The setting `file` describes. Relative file names resolve against `folder` (the config
    /// file's folder).
    static func parse(_ file: File, folder: String) throws(ConfigurationError) -> StoreSetting {
        switch file.kind {
        case nil:
            throw .init("store.kind is missing: it is \"sqlite\" or \"etcd\"")
        case "sqlite":
            let extra = [
                file.endpoints.map { _ in "endpoints" }, file.prefix.map { _ in "prefix" }, file.tls.map { _ in "tls" },
                file.username.map { _ in "username" }, file.passwordFile.map { _ in "passwordFile" },
            ].compactMap { $0 }
            if let first = extra.first { throw .init("store.\(first) applies only to kind \"etcd\"") }
            return .sqlite
        case "etcd":
            return .etcd(try EtcdStoreSetting.parseEtcd(file, folder: folder))
        case let kind?:
            throw .init("store.kind \"\(kind)\" is not \"sqlite\" or \"etcd\"")
        }
    }
}
