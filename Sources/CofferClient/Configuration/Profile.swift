// The profile file's JSON schema, shared by the CLI's profile.json and the PKCS#11 library's
// coffer-pkcs11.conf. Paths in it are relative to the folder that holds the file.

/// The on-disk form of a client profile.
public struct Profile: Codable, Sendable, Equatable {
    /// The cluster's name, for display.
    public var cluster: String?
    /// "host:port" of every node the client may use.
    public var endpoints: [String]
    /// The cluster CA certificate (PEM) path.
    public var ca: String
    /// The client certificate (PEM) path.
    public var certificate: String
    /// The client private key (PEM) path.
    public var key: String
    /// Per-call deadline in seconds (optional; default 10).
    public var deadlineSeconds: Double?
    /// Whether to use the nodes' fast path (optional; default true).
    public var fastPath: Bool?
    /// Fast-path connections per node, 1 to 8 (optional; default 1).
    public var fastPathConnections: Int?
    /// The key types the PKCS#11 library's searches show (optional; default all): names as in
    /// `AttributeNames.keyTypes` ("rsa", "ec", ...). For applications that cannot cope with other types.
    public var searchKeyTypes: [String]?
    /// Which endpoint a client starts on: "spread" (optional; the default: one picked at random, so
    /// that the clients of a cluster share its nodes) or "listed" (the first one listed).
    public var endpointOrder: String?

    public init(
        cluster: String?, endpoints: [String], ca: String, certificate: String, key: String,
        deadlineSeconds: Double? = nil
    ) {
        self.cluster = cluster
        self.endpoints = endpoints
        self.ca = ca
        self.certificate = certificate
        self.key = key
        self.deadlineSeconds = deadlineSeconds
    }

    enum CodingKeys: String, CodingKey {
        case cluster, endpoints, ca, certificate, key
        case deadlineSeconds = "deadline_seconds"
        case fastPath = "fast_path"
        case fastPathConnections = "fast_path_connections"
        case searchKeyTypes = "search_key_types"
        case endpointOrder = "endpoint_order"
    }
}
