// What a client needs to reach a cluster: its endpoints, the cluster CA to trust, the client's
// certificate and key, and the per-call deadline. Loaded from a profile file or built in code.

import Foundation
import NIOSSL

/// Connection settings for `CofferClient`.
public struct ClientConfiguration: Sendable {
    /// Every node the client may use, in order of preference. Never assume there is only one.
    public var endpoints: [Endpoint]
    /// The cluster CA certificate, PEM. The only trust root for the nodes' certificates.
    public var caCertificatePEM: String
    /// The client certificate (PEM) presented to the node.
    public var clientCertificatePEM: String
    /// The client certificate's private key (PEM).
    public var clientKeyPEM: String
    /// The deadline of each call.
    public var deadline: Duration
    /// Whether the node's certificate must name the endpoint's host (see `CofferClient`).
    public var verifiesHostname: Bool
    /// The cluster's name, for display.
    public var clusterName: String?
    /// Whether pipeline calls (single-part sign, verify, encrypt, decrypt) use a node's fast path when
    /// it offers one (docs/protocol.md, "The fast path"). Off, they go on the gRPC Pipeline stream.
    public var usesFastPath = true
    /// How many fast-path connections to attach per node (1 to 8). One suits a client that shares a
    /// small machine with its node; more spread a busy client's calls over a big node's event loops.
    public var fastPathConnections = 1
    /// The key types (CKK_*) a search shows, nil for all: keys of other types are left out of what a
    /// search returns, for applications that stop at a key type they do not know (libp11's engine
    /// stops listing keys at the first one, and then finds none: see README, "From OpenSSL").
    public var searchKeyTypes: Set<UInt64>?
    /// Which endpoint the client starts on.
    public var endpointOrder = EndpointOrder.spread
    /// The bounds of `fastPathConnections` (the node refuses more tickets per request).
    public static let fastPathConnectionRange = 1...8

    public init(
        endpoints: [Endpoint], caCertificatePEM: String, clientCertificatePEM: String, clientKeyPEM: String,
        deadline: Duration = .seconds(10), verifiesHostname: Bool = true, clusterName: String? = nil
    ) {
        self.endpoints = endpoints
        self.caCertificatePEM = caCertificatePEM
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.deadline = deadline
        self.verifiesHostname = verifiesHostname
        self.clusterName = clusterName
    }

    /// Loads a profile (profile.json or coffer-pkcs11.conf) and the files it names. Relative paths
    /// resolve against the profile's folder. The certificates and key are parsed here, so a broken
    /// bundle is reported now, naming the file.
    public static func load(profileAt path: String) throws(ClientConfigurationError) -> ClientConfiguration {
        let data = try readFile(path)
        let profile: Profile
        do {
            profile = try JSONDecoder().decode(Profile.self, from: data)
        } catch {
            throw .badJSON(path: path, reason: Self.describe(error))
        }
        guard !profile.endpoints.isEmpty else { throw .noEndpoints }
        var endpoints: [Endpoint] = []
        for text in profile.endpoints { endpoints.append(try Endpoint(parsing: text)) }

        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        func resolve(_ file: String) -> String {
            file.hasPrefix("/") ? file : folder.appendingPathComponent(file).path
        }
        let caPath = resolve(profile.ca)
        let certificatePath = resolve(profile.certificate)
        let keyPath = resolve(profile.key)
        let ca = try readText(caPath)
        let certificate = try readText(certificatePath)
        let key = try readText(keyPath)
        guard (try? NIOSSLCertificate.fromPEMBytes(Array(ca.utf8)))?.isEmpty == false else {
            throw .badCertificate(path: caPath)
        }
        guard (try? NIOSSLCertificate.fromPEMBytes(Array(certificate.utf8)))?.isEmpty == false else {
            throw .badCertificate(path: certificatePath)
        }
        guard (try? NIOSSLPrivateKey(bytes: Array(key.utf8), format: .pem)) != nil else {
            throw .badPrivateKey(path: keyPath)
        }
        let deadline: Duration =
            profile.deadlineSeconds.map { .milliseconds(Int64(max($0, 0.001) * 1000)) } ?? .seconds(10)
        var configuration = ClientConfiguration(
            endpoints: endpoints, caCertificatePEM: ca, clientCertificatePEM: certificate, clientKeyPEM: key,
            deadline: deadline, clusterName: profile.cluster)
        configuration.usesFastPath = profile.fastPath ?? true
        if let count = profile.fastPathConnections {
            guard fastPathConnectionRange.contains(count) else {
                throw .badJSON(path: path, reason: "\"fast_path_connections\" must be 1 to 8")
            }
            configuration.fastPathConnections = count
        }
        if let order = profile.endpointOrder {
            guard let parsed = EndpointOrder(rawValue: order) else {
                throw .badJSON(path: path, reason: "\"endpoint_order\" must be \"spread\" or \"listed\"")
            }
            configuration.endpointOrder = parsed
        }
        if let names = profile.searchKeyTypes {
            var types = Set<UInt64>()
            for name in names {
                guard let type = AttributeNames.keyTypes.first(where: { $0.name == name })?.value else {
                    let known = AttributeNames.keyTypes.map(\.name).joined(separator: ", ")
                    throw .badJSON(path: path, reason: "\"search_key_types\": unknown key type \"\(name)\" (one of \(known))")
                }
                types.insert(type)
            }
            configuration.searchKeyTypes = types
        }
        return configuration
    }

    static func readFile(_ path: String) throws(ClientConfigurationError) -> Data {
        guard FileManager.default.fileExists(atPath: path) else { throw .fileMissing(path: path) }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: describe(error))
        }
    }

    static func readText(_ path: String) throws(ClientConfigurationError) -> String {
        let data = try readFile(path)
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path: path, reason: "not UTF-8 text")
        }
        return text
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context): "wrong type at \(path(context))"
        case DecodingError.valueNotFound(_, let context): "null at \(path(context))"
        case DecodingError.dataCorrupted(let context):
            context.codingPath.isEmpty ? "not JSON" : "invalid value at \(path(context))"
        default: (error as NSError).localizedDescription
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        return keys.isEmpty ? "the top level" : "\"" + keys.joined(separator: ".") + "\""
    }
}

/// Which endpoint a client starts on. Either way it stays there until the node fails (a login and
/// sessions live on one node), then moves on to the next one listed.
public enum EndpointOrder: String, Sendable, Equatable {
    /// One picked at random per client: the applications of a cluster share its nodes.
    case spread
    /// The first one listed (a preferred node, or a test that must know which node a client uses).
    case listed
}
