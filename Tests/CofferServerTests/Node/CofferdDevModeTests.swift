// cofferd --dev as a real process: the client bundle, mTLS with the bundle's certificate, refusal
// of clients without a cluster-CA certificate, restart with auto-unseal, and SIGTERM.

import CofferProtocol
import CofferServer
import CofferTestSupport
import Foundation
import GRPCCore
import Testing

@Suite("cofferd --dev")
struct CofferdDevModeTests {
    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    static func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    /// The bundle's identity, from profile.json with its paths resolved against the bundle folder.
    static func bundleIdentity(_ data: String) throws -> (ClientProfile, ClientIdentity) {
        let folder = data + "/client"
        let profile = try JSONDecoder().decode(
            ClientProfile.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/profile.json")))
        let resolve = { (path: String) in path.hasPrefix("/") ? path : folder + "/" + path }
        let identity = ClientIdentity(
            caPEM: try read(resolve(profile.ca)), certificatePEM: try read(resolve(profile.certificate)),
            keyPEM: try read(resolve(profile.key)))
        return (profile, identity)
    }

    @Test func bundleFilesAndModes() async throws {
        let data = try CofferdProcess.temporaryDirectory()
        let node = try CofferdProcess(["--dev", "--data-dir", data])
        let endpoint = try await node.endpoint()
        let banner = node.printed
        #expect(banner.contains("WARNING: DEV MODE"))
        #expect(banner.contains("admin user:      admin"))
        // The CLI by the path it was built at, next to cofferd: a build folder is seldom on the PATH.
        #expect(banner.contains(DevNode.binaries + "/coffer cluster status"), "\(banner)")
        let password = try Self.read(data + "/client/dev-admin-password").trimmingCharacters(
            in: .whitespacesAndNewlines)
        #expect(password.count >= 16)
        #expect(banner.contains(password))

        for (file, mode) in [
            "dev-unseal-share": 0o600, "tls/server-key.pem": 0o600, "tls/server.pem": 0o644, "tls/ca.pem": 0o644,
            "client/client-key.pem": 0o600, "client/dev-admin-password": 0o600, "client/client.pem": 0o644,
            "client/ca.pem": 0o644, "client/profile.json": 0o644, "client/coffer-pkcs11.conf": 0o644,
            "client/application.pem": 0o644, "client/application-key.pem": 0o600,
            "store.sqlite": 0o600,
        ] {
            #expect(try Self.mode(data + "/" + file) == mode, "\(file)")
        }
        #expect(try Self.mode(data) == 0o700)
        #expect(try Self.mode(data + "/client") == 0o700)
        #expect(try Self.read(data + "/dev-unseal-share").hasPrefix("coffer-share:"))

        let (profile, _) = try Self.bundleIdentity(data)
        #expect(profile.cluster == "coffer-dev")
        #expect(profile.endpoints == [endpoint.description])
        // The PKCS#11 config is the same profile over the application certificate (issue 14).
        var application = profile
        application.certificate = "application.pem"
        application.key = "application-key.pem"
        #expect(
            application
                == (try JSONDecoder().decode(
                    ClientProfile.self,
                    from: Data(contentsOf: URL(fileURLWithPath: data + "/client/coffer-pkcs11.conf")))))
        #expect(try Self.read(data + "/client/ca.pem") == Self.read(data + "/tls/ca.pem"))
        // The password and share are never logged.
        let share = try Self.read(data + "/dev-unseal-share").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!node.printed.contains(share))
        #expect(node.terminate() == 0)
    }

    @Test func mutualTLSWithTheBundleAndRefusalOfOthers() async throws {
        let data = try CofferdProcess.temporaryDirectory()
        let node = try CofferdProcess(["--dev", "--data-dir", data])
        let endpoint = try await node.endpoint()
        let (_, identity) = try Self.bundleIdentity(data)

        let status = try await withNode(endpoint, as: identity) { client in
            try await Coffer_V1_NodeService.Client(wrapping: client).getStatus(Coffer_V1_GetStatusRequest())
        }
        #expect(status.sealState == .unsealed)
        #expect(status.clusterName == "coffer-dev")

        // No client certificate: refused at the handshake.
        let anonymous = ClientIdentity(caPEM: identity.caPEM)
        let noCertificate = await rpcError {
            _ = try await withNode(endpoint, as: anonymous) { client in
                try await Coffer_V1_NodeService.Client(wrapping: client).getStatus(Coffer_V1_GetStatusRequest())
            }
        }
        #expect(noCertificate?.code == .unavailable)

        // A certificate from another CA: refused at the handshake.
        let other = try ClusterCA.make(clusterName: "other").issueClientBundle(commonName: "intruder", profile: .adminWorkstation)
        let stranger = ClientIdentity(
            caPEM: identity.caPEM, certificatePEM: other.certificatePEM, keyPEM: other.privateKeyPEM)
        let otherCA = await rpcError {
            _ = try await withNode(endpoint, as: stranger) { client in
                try await Coffer_V1_NodeService.Client(wrapping: client).getStatus(Coffer_V1_GetStatusRequest())
            }
        }
        #expect(otherCA?.code == .unavailable)
        #expect(node.terminate() == 0)
    }

    @Test func restartAutoUnsealsWithTheSameCA() async throws {
        let data = try CofferdProcess.temporaryDirectory()
        let first = try CofferdProcess(["--dev", "--data-dir", data])
        _ = try await first.endpoint()
        let ca = try Self.read(data + "/tls/ca.pem")
        let password = try Self.read(data + "/client/dev-admin-password")
        #expect(first.terminate() == 0)

        let second = try CofferdProcess(["--dev", "--data-dir", data])
        let endpoint = try await second.endpoint()
        #expect(second.printed.contains("Coffer dev node unsealed"))
        #expect(try Self.read(data + "/tls/ca.pem") == ca)
        #expect(try Self.read(data + "/client/dev-admin-password") == password)
        let (profile, identity) = try Self.bundleIdentity(data)
        #expect(profile.endpoints == [endpoint.description])
        let status = try await withNode(endpoint, as: identity) { client in
            try await Coffer_V1_NodeService.Client(wrapping: client).getStatus(Coffer_V1_GetStatusRequest())
        }
        #expect(status.sealState == .unsealed)
        #expect(second.terminate() == 0)
    }

    @Test func badConfigurationIsOneLine() async throws {
        let node = try CofferdProcess([
            "--dev", "--listen", "localhost:http", "--data-dir", try CofferdProcess.temporaryDirectory(),
        ])
        let status = node.waitForExit()
        #expect(status == 1)
        let lines = node.printed.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("cofferd: listen address") == true)
    }
}
