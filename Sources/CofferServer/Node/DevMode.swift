// Dev mode (`cofferd --dev`): initialize 1-of-1 on first start and keep the share on disk, so that a
// newcomer gets an unsealed node and a client bundle with one command. Never for real keys.

import CofferCrypto
import CofferState
import Foundation
import Logging

/// What dev mode set up, for the start-up banner.
public struct DevCredentials: Sendable {
    /// The admin user's name.
    public let adminName: String
    /// The admin's password (also in the bundle's dev-admin-password file).
    public let adminPassword: String
    /// The client bundle folder.
    public let bundlePath: String
    /// Whether this start initialized the node.
    public let firstStart: Bool
}

/// Dev mode's unattended init and unseal.
public enum DevMode {
    /// The admin user dev mode creates.
    public static let adminName = "admin"

    /// Initializes (first start) or unseals (later starts) the node from the data folder, and makes
    /// sure the TLS files and the client bundle exist.
    public static func prepare(
        state: StateMachine, configuration: NodeConfiguration, directory: DataDirectory, nodeID: String, logger: Logger
    ) async throws -> DevCredentials {
        let bundle = ClientBundle(path: directory.client)
        let passwordFile = bundle.file(ClientBundle.devAdminPasswordFile)
        var firstStart = false
        switch state.status {
        case .uninitialized:
            firstStart = true
            let password = randomPassword()
            let shares = try await state.initialize(
                threshold: 1, shares: 1, adminName: adminName, adminPassword: SecretBytes(Array(password.utf8)))
            try DataDirectory.write(shares[0].text() + "\n", to: directory.devUnsealShare, mode: 0o600)
            try DataDirectory.makeFolder(bundle.path)
            try DataDirectory.write(password + "\n", to: passwordFile, mode: 0o600)
            logger.warning(
                "dev mode initialized the node 1-of-1 and keeps the unseal share on disk",
                metadata: ["path": "\(directory.devUnsealShare)"])
        case .sealed:
            guard let share = try DataDirectory.read(directory.devUnsealShare) else {
                throw DevModeError.noShare(directory.devUnsealShare)
            }
            try await state.unseal(shareText: share)
            logger.notice("dev mode unsealed the node from its on-disk share")
        case .unsealed:
            break
        }
        let ca = try await ClusterCA.loadOrCreate(in: state, clusterName: configuration.clusterName)
        if try NodeCredentials.load(from: directory) == nil {
            try NodeCredentials.issue(from: ca, nodeID: nodeID, configuration: configuration, in: directory)
        }
        // The admin's workstation certificate for the CLI, an application certificate for the
        // PKCS#11 library (issue 14: no admin logs in over the latter).
        let files = [ClientBundle.certificateFile, ClientBundle.keyFile, ClientBundle.applicationCertificateFile, ClientBundle.applicationKeyFile]
        if !files.allSatisfy({ FileManager.default.fileExists(atPath: bundle.file($0)) }) {
            let client = try ca.issueClientBundle(commonName: adminName, profile: .adminWorkstation)
            let application = try ca.issueClientBundle(commonName: "dev-application", profile: .application)
            try bundle.write(
                cluster: configuration.clusterName, endpoints: [configuration.listen.description],
                caPEM: try ca.certificatePEM, certificatePEM: client.certificatePEM, privateKeyPEM: client.privateKeyPEM,
                application: application
            )
        }
        guard let password = try DataDirectory.read(passwordFile)?.trimmingCharacters(in: .whitespacesAndNewlines)
        else {
            throw DataDirectoryError.missing(passwordFile)
        }
        return DevCredentials(
            adminName: adminName, adminPassword: password, bundlePath: bundle.path, firstStart: firstStart)
    }

    /// 24 characters from an unambiguous alphabet: about 137 bits.
    static func randomPassword() -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<24).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}

/// Dev mode cannot start.
public enum DevModeError: Error, CustomStringConvertible {
    case noShare(String)

    public var description: String {
        switch self {
        case .noShare(let path):
            "\(path) is missing: this data folder was not made by --dev (or the share was removed); start without --dev and unseal it"
        }
    }
}
