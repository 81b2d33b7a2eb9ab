// A ready-to-use client folder: CA, client certificate and key, the CLI profile and the PKCS#11
// config. Dev mode writes one into DATA/client; an operator can write one from Initialize's reply.

import Foundation

/// The files of a client bundle folder.
public struct ClientBundle: Sendable {
    public static let caFile = "ca.pem"
    public static let certificateFile = "client.pem"
    public static let keyFile = "client-key.pem"
    public static let applicationCertificateFile = "application.pem"
    public static let applicationKeyFile = "application-key.pem"
    public static let profileFile = "profile.json"
    public static let pkcs11ConfigFile = "coffer-pkcs11.conf"
    public static let devAdminPasswordFile = "dev-admin-password"

    /// The folder (mode 0700).
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// Writes the credentials (the keys 0600) and the profile and PKCS#11 config pointing at them:
    /// the CLI's profile at the (admin workstation) client certificate, the PKCS#11 config at the
    /// application certificate when there is one.
    public func write(
        cluster: String, endpoints: [String], caPEM: String, certificatePEM: String, privateKeyPEM: String,
        application: (certificatePEM: String, privateKeyPEM: String)? = nil
    ) throws {
        try DataDirectory.makeFolder(path)
        try DataDirectory.write(caPEM, to: file(Self.caFile), mode: 0o644)
        try DataDirectory.write(certificatePEM, to: file(Self.certificateFile), mode: 0o644)
        try DataDirectory.write(privateKeyPEM, to: file(Self.keyFile), mode: 0o600)
        if let application {
            try DataDirectory.write(application.certificatePEM, to: file(Self.applicationCertificateFile), mode: 0o644)
            try DataDirectory.write(application.privateKeyPEM, to: file(Self.applicationKeyFile), mode: 0o600)
        }
        try writeProfile(cluster: cluster, endpoints: endpoints)
    }

    /// Writes profile.json and coffer-pkcs11.conf (same schema), paths relative to the folder.
    public func writeProfile(cluster: String, endpoints: [String]) throws {
        let profile = try ClientProfile(
            cluster: cluster, endpoints: endpoints, ca: Self.caFile, certificate: Self.certificateFile,
            key: Self.keyFile
        ).encoded()
        try DataDirectory.write(profile, to: file(Self.profileFile), mode: 0o644)
        let hasApplication = FileManager.default.fileExists(atPath: file(Self.applicationCertificateFile))
        let pkcs11 = try ClientProfile(
            cluster: cluster, endpoints: endpoints, ca: Self.caFile,
            certificate: hasApplication ? Self.applicationCertificateFile : Self.certificateFile,
            key: hasApplication ? Self.applicationKeyFile : Self.keyFile
        ).encoded()
        try DataDirectory.write(pkcs11, to: file(Self.pkcs11ConfigFile), mode: 0o644)
    }

    /// The path of `name` in the bundle.
    public func file(_ name: String) -> String { path + "/" + name }
}
