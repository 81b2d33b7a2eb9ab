// The `store` setting of the node configuration: SQLite by default, etcd with endpoints, prefix,
// TLS files and a password file, and one line naming the setting for every bad input.

import CofferServer
import Foundation
import Testing

@Suite("StoreSetting")
struct StoreSettingTests {
    static let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

    /// A folder with a config file `json` and the files a TLS setting names (ca.pem, client.pem,
    /// client-key.pem, etcd-password).
    static func folder(_ json: String) throws -> (folder: String, config: String) {
        let folder = try CofferdProcess.temporaryDirectory()
        for name in ["ca.pem", "client.pem", "client-key.pem"] {
            try pem.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
        }
        try "s3cret\nsecond line ignored\n".write(toFile: folder + "/etcd-password", atomically: true, encoding: .utf8)
        try "".write(toFile: folder + "/empty", atomically: true, encoding: .utf8)
        try "not pem".write(toFile: folder + "/plain.txt", atomically: true, encoding: .utf8)
        let config = folder + "/cofferd.json"
        try json.write(toFile: config, atomically: true, encoding: .utf8)
        return (folder, config)
    }

    static func load(_ json: String) throws -> NodeConfiguration {
        try NodeConfiguration.load(file: try folder(json).config, overrides: .init())
    }

    @Test func absentMeansSQLite() throws {
        #expect(try NodeConfiguration.load(file: nil, overrides: .init()).store == .sqlite)
        #expect(try Self.load(#"{"listen": "127.0.0.1:1"}"#).store == .sqlite)
        #expect(try Self.load(#"{"store": {"kind": "sqlite"}}"#).store == .sqlite)
    }

    @Test func etcdPlaintext() throws {
        let configuration = try Self.load(
            #"{"store": {"kind": "etcd", "endpoints": ["127.0.0.1:2379", "127.0.0.1:22379"], "prefix": "coffer/prod/"}}"#)
        guard case .etcd(let etcd) = configuration.store else {
            Issue.record("not etcd: \(configuration.store)")
            return
        }
        #expect(etcd.endpoints == [.init(host: "127.0.0.1", port: 2379), .init(host: "127.0.0.1", port: 22379)])
        #expect(etcd.prefix == "coffer/prod/")
        #expect(etcd.tls == nil)
        #expect(etcd.username == nil && etcd.password == nil)
    }

    @Test func etcdWithTLSAndPassword() throws {
        // Relative file names resolve against the config file's folder, wherever cofferd runs.
        let (folder, config) = try Self.folder(
            """
            {"store": {"kind": "etcd", "endpoints": ["[::1]:2379", "[fd00::2]:2379"], "prefix": "coffer/a/",
             "tls": {"ca": "ca.pem", "certificate": "client.pem", "key": "client-key.pem"},
             "username": "coffer", "passwordFile": "etcd-password"}}
            """)
        _ = folder
        let configuration = try NodeConfiguration.load(file: config, overrides: .init())
        guard case .etcd(let etcd) = configuration.store else {
            Issue.record("not etcd")
            return
        }
        #expect(etcd.endpoints.map(\.description) == ["[::1]:2379", "[fd00::2]:2379"])
        #expect(etcd.tls?.caPEM == Self.pem)
        #expect(etcd.tls?.certificatePEM == Self.pem)
        #expect(etcd.tls?.keyPEM == Self.pem)
        #expect(etcd.username == "coffer")
        #expect(etcd.password == "s3cret")
        // The description is what cofferd logs: no password, no key.
        #expect(!configuration.store.description.contains("s3cret"))
        #expect(!configuration.store.description.contains("BEGIN"))
        #expect(configuration.store.description.contains("TLS with client certificate"))
    }

    @Test func aDNSNameEndpoint() throws {
        let configuration = try Self.load(
            #"{"store": {"kind": "etcd", "endpoints": ["etcd.example.org:2379"], "prefix": "coffer/x/", "tls": {"ca": "ca.pem"}}}"#)
        guard case .etcd(let etcd) = configuration.store else {
            Issue.record("not etcd")
            return
        }
        #expect(etcd.endpoints == [.init(host: "etcd.example.org", port: 2379)])
        #expect(etcd.tls?.certificatePEM == nil)
    }

    /// Stands for `ETCD` in the cases below: a valid etcd store setting's first keys.
    static let etcd = #""kind": "etcd", "endpoints": ["127.0.0.1:2379"], "prefix": "coffer/p/""#

    @Test(arguments: [
        (#"{"store": "etcd"}"#, "store has the wrong type"),
        (#"{"store": {"kind": "etcd", "endpoint": ["127.0.0.1:2379"]}}"#, "store: unknown setting \"endpoint\""),
        (#"{"store": {}}"#, "store.kind is missing"),
        (#"{"store": {"kind": "consul"}}"#, "store.kind \"consul\" is not \"sqlite\" or \"etcd\""),
        (#"{"store": {"kind": 1}}"#, "store.kind has the wrong type"),
        (#"{"store": {"kind": "sqlite", "prefix": "coffer/"}}"#, "store.prefix applies only to kind \"etcd\""),
        (#"{"store": {"kind": "etcd", "prefix": "coffer/p/"}}"#, "store.endpoints must list at least one"),
        (#"{"store": {"kind": "etcd", "endpoints": [], "prefix": "coffer/p/"}}"#, "store.endpoints must list at least one"),
        (#"{"store": {"kind": "etcd", "endpoints": "127.0.0.1:2379", "prefix": "c/"}}"#, "store.endpoints has the wrong type"),
        (#"{"store": {"kind": "etcd", "endpoints": ["127.0.0.1"], "prefix": "c/"}}"#, "\"127.0.0.1\" must be HOST:PORT"),
        (#"{"store": {"kind": "etcd", "endpoints": ["127.0.0.1:0"], "prefix": "c/"}}"#, "the port must be 1 to 65535"),
        (#"{"store": {"kind": "etcd", "endpoints": ["127.0.0.1:65536"], "prefix": "c/"}}"#, "the port must be 1 to 65535"),
        (#"{"store": {"kind": "etcd", "endpoints": ["127.0.0.1:x"], "prefix": "c/"}}"#, "the port must be 1 to 65535"),
        (#"{"store": {"kind": "etcd", "endpoints": ["[127.0.0.1]:2379"], "prefix": "c/"}}"#, "is not an IPv6 address"),
        (#"{"store": {"kind": "etcd", "endpoints": ["::1:2379"], "prefix": "c/"}}"#, "must be HOST:PORT or [IPV6]:PORT"),
        (#"{"store": {"kind": "etcd", "endpoints": ["bad_host!:2379"], "prefix": "c/"}}"#, "neither an IP address nor a DNS name"),
        (#"{"store": {"kind": "etcd", "endpoints": ["127.0.0.1:1", "127.0.0.1:1"], "prefix": "c/"}}"#, "lists 127.0.0.1:1 twice"),
        (#"{"store": {"kind": "etcd", "endpoints": ["127.0.0.1:2379"]}}"#, "store.prefix is missing"),
        (#"{"store": {"kind": "etcd", "endpoints": ["127.0.0.1:2379"], "prefix": "coffer"}}"#, "store.prefix \"coffer\" must be"),
        (#"{"store": {"kind": "etcd", "endpoints": ["127.0.0.1:2379"], "prefix": "/"}}"#, "store.prefix \"/\" must be"),
        (#"{"store": {"kind": "etcd", "endpoints": ["127.0.0.1:2379"], "prefix": "a\tb/"}}"#, "must be 2 to 128 printable bytes"),
        (#"{"store": {ETCD, "tls": {}}}"#, "store.tls.ca is missing"),
        (#"{"store": {ETCD, "tls": {"ca": "ca.pem", "cert": "client.pem"}}}"#, "store.tls: unknown setting \"cert\""),
        (#"{"store": {ETCD, "tls": {"ca": "missing.pem"}}}"#, "store.tls.ca: cannot read"),
        (#"{"store": {ETCD, "tls": {"ca": "plain.txt"}}}"#, "store.tls.ca:"),
        (#"{"store": {ETCD, "tls": {"ca": "ca.pem", "certificate": "client.pem"}}}"#, "store.tls.certificate is given without store.tls.key"),
        (#"{"store": {ETCD, "tls": {"ca": "ca.pem", "key": "client-key.pem"}}}"#, "store.tls.key is given without store.tls.certificate"),
        (#"{"store": {ETCD, "tls": {"ca": "ca.pem", "certificate": "missing.pem", "key": "client-key.pem"}}}"#, "store.tls.certificate: cannot read"),
        (#"{"store": {ETCD, "tls": {"ca": "ca.pem", "certificate": "client.pem", "key": "empty"}}}"#, "store.tls.key:"),
        (#"{"store": {ETCD, "username": "coffer"}}"#, "store.username is given without store.passwordFile"),
        (#"{"store": {ETCD, "passwordFile": "etcd-password"}}"#, "store.passwordFile is given without store.username"),
        (#"{"store": {ETCD, "username": "", "passwordFile": "etcd-password"}}"#, "store.username must be 1 to 128 bytes"),
        (#"{"store": {ETCD, "username": "coffer", "passwordFile": "missing"}}"#, "store.passwordFile: cannot read"),
        (#"{"store": {ETCD, "username": "coffer", "passwordFile": "empty"}}"#, "store.passwordFile: the first line"),
    ])
    func errorsAreOneLineNamingTheSetting(json: String, expected: String) throws {
        let config = try Self.folder(json.replacingOccurrences(of: "ETCD", with: Self.etcd)).config
        do {
            let configuration = try NodeConfiguration.load(file: config, overrides: .init())
            Issue.record("accepted \(json): \(configuration.store)")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
            #expect(error.description.contains("store"), "\(error.description)")
            #expect(!error.description.contains("\n"))
        }
    }
}
