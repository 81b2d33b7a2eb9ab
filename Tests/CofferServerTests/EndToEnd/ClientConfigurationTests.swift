// ClientConfiguration.load(profileAt:): relative paths, defaults, and a clear error for each kind of
// broken profile or bundle.

import CofferClient
import Foundation
import Testing

@Suite struct ClientConfigurationTests {
    /// A temporary folder holding a valid bundle and profile.
    struct Bundle {
        let folder: String
        var profilePath: String { folder + "/profile.json" }

        init() throws {
            folder = NSTemporaryDirectory() + "coffer-profile-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: folder + "/certs", withIntermediateDirectories: true)
            let ca = try TestCertificate(commonName: "ca")
            let client = try TestCertificate(commonName: "client")
            try ca.certificatePEM.write(toFile: folder + "/certs/ca.pem", atomically: true, encoding: .utf8)
            try client.certificatePEM.write(toFile: folder + "/client.pem", atomically: true, encoding: .utf8)
            try client.keyPEM.write(toFile: folder + "/client-key.pem", atomically: true, encoding: .utf8)
            try writeProfile(
                #"{"cluster": "coffer-dev", "endpoints": ["127.0.0.1:9443", "[::1]:9444", "node3.example:9445"], "ca": "certs/ca.pem", "certificate": "client.pem", "key": "client-key.pem"}"#
            )
        }

        func writeProfile(_ text: String) throws {
            try text.write(toFile: profilePath, atomically: true, encoding: .utf8)
        }

        func remove() { try? FileManager.default.removeItem(atPath: folder) }
    }

    func loadError(_ bundle: Bundle) -> ClientConfigurationError? {
        do {
            _ = try ClientConfiguration.load(profileAt: bundle.profilePath)
            return nil
        } catch {
            return error
        }
    }

    @Test func loadsAProfileAndResolvesPathsAgainstItsFolder() throws {
        let bundle = try Bundle()
        defer { bundle.remove() }
        let configuration = try ClientConfiguration.load(profileAt: bundle.profilePath)
        #expect(
            configuration.endpoints == [
                Endpoint(host: "127.0.0.1", port: 9443), Endpoint(host: "::1", port: 9444),
                Endpoint(host: "node3.example", port: 9445),
            ])
        #expect(configuration.clusterName == "coffer-dev")
        #expect(configuration.deadline == .seconds(10))
        #expect(configuration.verifiesHostname)
        #expect(
            configuration.caCertificatePEM
                == (try String(contentsOfFile: bundle.folder + "/certs/ca.pem", encoding: .utf8)))
        #expect(configuration.clientKeyPEM.contains("PRIVATE KEY"))
    }

    @Test func absolutePathsAndADeadlineAreHonoured() throws {
        let bundle = try Bundle()
        defer { bundle.remove() }
        try bundle.writeProfile(
            #"{"endpoints": ["localhost:1"], "ca": "\#(bundle.folder)/certs/ca.pem", "certificate": "client.pem", "key": "client-key.pem", "deadline_seconds": 2.5}"#
        )
        let configuration = try ClientConfiguration.load(profileAt: bundle.profilePath)
        #expect(configuration.deadline == .milliseconds(2500))
        #expect(configuration.clusterName == nil)
    }

    @Test func theFastPathSettingsAreReadAndBounded() throws {
        let bundle = try Bundle()
        defer { bundle.remove() }
        let base = #""endpoints": ["localhost:1"], "ca": "certs/ca.pem", "certificate": "client.pem", "key": "client-key.pem""#
        try bundle.writeProfile("{\(base)}")
        let defaults = try ClientConfiguration.load(profileAt: bundle.profilePath)
        #expect(defaults.usesFastPath)
        #expect(defaults.fastPathConnections == 1)
        try bundle.writeProfile(#"{\#(base), "fast_path": false, "fast_path_connections": 3}"#)
        let set = try ClientConfiguration.load(profileAt: bundle.profilePath)
        #expect(!set.usesFastPath)
        #expect(set.fastPathConnections == 3)
        for bad in [0, 9] {
            try bundle.writeProfile(#"{\#(base), "fast_path_connections": \#(bad)}"#)
            #expect(loadError(bundle) == .badJSON(path: bundle.profilePath, reason: "\"fast_path_connections\" must be 1 to 8"))
        }
    }

    @Test func theEndpointOrderIsReadAndChecked() throws {
        let bundle = try Bundle()
        defer { bundle.remove() }
        let base = #""endpoints": ["localhost:1", "localhost:2"], "ca": "certs/ca.pem", "certificate": "client.pem", "key": "client-key.pem""#
        try bundle.writeProfile("{\(base)}")
        #expect(try ClientConfiguration.load(profileAt: bundle.profilePath).endpointOrder == .spread)
        try bundle.writeProfile(#"{\#(base), "endpoint_order": "listed"}"#)
        #expect(try ClientConfiguration.load(profileAt: bundle.profilePath).endpointOrder == .listed)
        try bundle.writeProfile(#"{\#(base), "endpoint_order": "round-robin"}"#)
        #expect(loadError(bundle) == .badJSON(path: bundle.profilePath, reason: "\"endpoint_order\" must be \"spread\" or \"listed\""))
    }

    @Test func aMissingProfileIsNamed() throws {
        let bundle = try Bundle()
        defer { bundle.remove() }
        try FileManager.default.removeItem(atPath: bundle.profilePath)
        #expect(loadError(bundle) == .fileMissing(path: bundle.profilePath))
    }

    @Test func badJSONIsReported() throws {
        let bundle = try Bundle()
        defer { bundle.remove() }
        try bundle.writeProfile("{not json")
        guard case .badJSON(let path, let reason)? = loadError(bundle) else {
            Issue.record("expected badJSON")
            return
        }
        #expect(path == bundle.profilePath)
        #expect(reason == "not JSON")

        try bundle.writeProfile(#"{"endpoints": ["a:1"], "ca": "ca.pem", "certificate": "c.pem"}"#)
        guard case .badJSON(_, let missing)? = loadError(bundle) else {
            Issue.record("expected badJSON")
            return
        }
        #expect(missing == "missing \"key\"")
    }

    @Test func aMissingKeyFileIsNamedWithItsResolvedPath() throws {
        let bundle = try Bundle()
        defer { bundle.remove() }
        try FileManager.default.removeItem(atPath: bundle.folder + "/client-key.pem")
        #expect(loadError(bundle) == .fileMissing(path: bundle.folder + "/client-key.pem"))
    }

    @Test func anUnreadableKeyOrCertificateIsNamed() throws {
        let bundle = try Bundle()
        defer { bundle.remove() }
        try "-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n".write(
            toFile: bundle.folder + "/client-key.pem", atomically: true, encoding: .utf8)
        #expect(loadError(bundle) == .badPrivateKey(path: bundle.folder + "/client-key.pem"))
        try "garbage".write(toFile: bundle.folder + "/client.pem", atomically: true, encoding: .utf8)
        #expect(loadError(bundle) == .badCertificate(path: bundle.folder + "/client.pem"))
    }

    @Test func endpointsMustBeHostColonPortAndPresent() throws {
        let bundle = try Bundle()
        defer { bundle.remove() }
        try bundle.writeProfile(
            #"{"endpoints": ["nohost"], "ca": "certs/ca.pem", "certificate": "client.pem", "key": "client-key.pem"}"#)
        #expect(loadError(bundle) == .badEndpoint("nohost"))
        try bundle.writeProfile(
            #"{"endpoints": [], "ca": "certs/ca.pem", "certificate": "client.pem", "key": "client-key.pem"}"#)
        #expect(loadError(bundle) == .noEndpoints)
    }

    @Test(arguments: ["host", "host:0", "host:65536", ":80", "[::1]", "[::1:80", "::1:80", "host:x"])
    func badEndpointsAreRefused(_ text: String) {
        #expect(throws: ClientConfigurationError.badEndpoint(text)) { try Endpoint(parsing: text) }
    }

    @Test func endpointsParseAndPrint() throws {
        let v6 = try Endpoint(parsing: "[::1]:9443")
        #expect(v6.host == "::1" && v6.port == 9443 && v6.isIPv6 && v6.description == "[::1]:9443")
        let v4 = try Endpoint(parsing: "127.0.0.1:1")
        #expect(v4.isIPv4 && !v4.isIPv6)
        let name = try Endpoint(parsing: "localhost:65535")
        #expect(!name.isIPv4 && !name.isIPv6 && name.description == "localhost:65535")
    }
}
