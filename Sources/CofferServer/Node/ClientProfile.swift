// The client profile: what the coffer CLI (profile.json) and the PKCS#11 library
// (coffer-pkcs11.conf) read to reach a cluster. Relative paths resolve against the file's folder.

import Foundation

/// Where a client finds the cluster and its credentials.
public struct ClientProfile: Codable, Sendable, Equatable {
    /// The cluster's name.
    public var cluster: String
    /// Node endpoints, `HOST:PORT`.
    public var endpoints: [String]
    /// The cluster CA certificate (PEM) to trust.
    public var ca: String
    /// The client certificate (PEM).
    public var certificate: String
    /// The client's private key (PEM).
    public var key: String

    public init(cluster: String, endpoints: [String], ca: String, certificate: String, key: String) {
        self.cluster = cluster
        self.endpoints = endpoints
        self.ca = ca
        self.certificate = certificate
        self.key = key
    }

    /// The JSON form, keys sorted, pretty-printed.
    public func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }
}
