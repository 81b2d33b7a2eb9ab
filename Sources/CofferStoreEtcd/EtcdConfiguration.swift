// How an EtcdStateStore reaches etcd: the members' client endpoints, the key prefix that keeps this
// cluster's keys apart from others sharing the etcd, TLS, etcd credentials, and etcd's limits.

import CofferState

/// The settings of an `EtcdStateStore`.
public struct EtcdConfiguration: Sendable {
    /// One etcd member's client address.
    public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
        /// An IPv4 or IPv6 address, or (for a single endpoint only) a DNS name.
        public var host: String
        /// The member's client port (etcd's default is 2379).
        public var port: Int

        /// - Parameters:
        ///   - host: an IP address, or a DNS name when it is the only endpoint.
        ///   - port: the client port.
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// TLS to etcd, with an optional client certificate (etcd's `--client-cert-auth`).
    public struct TLS: Sendable {
        /// The PEM certificates that may sign etcd's server certificates.
        public var trustRootsPEM: String
        /// The client's PEM certificate chain, or nil to connect without one.
        public var clientCertificatePEM: String?
        /// The client's PEM private key; set with `clientCertificatePEM`.
        public var clientKeyPEM: String?
        /// False skips the check that the server certificate names the endpoint (the chain is
        /// still verified), for members addressed by IP without an IP SAN.
        public var verifiesHostname: Bool

        /// - Parameters:
        ///   - trustRootsPEM: the CA certificates that sign etcd's server certificates.
        ///   - clientCertificatePEM: the client certificate chain, if etcd asks for one.
        ///   - clientKeyPEM: its private key.
        ///   - verifiesHostname: whether the server certificate must name the endpoint.
        public init(
            trustRootsPEM: String, clientCertificatePEM: String? = nil, clientKeyPEM: String? = nil,
            verifiesHostname: Bool = true
        ) {
            self.trustRootsPEM = trustRootsPEM
            self.clientCertificatePEM = clientCertificatePEM
            self.clientKeyPEM = clientKeyPEM
            self.verifiesHostname = verifiesHostname
        }
    }

    /// An etcd user (etcd's `auth enable`). The password is never logged or printed.
    public struct Credentials: Sendable, CustomStringConvertible {
        /// The etcd user name.
        public var username: String
        /// The etcd password.
        public var password: String

        /// - Parameters:
        ///   - username: the etcd user.
        ///   - password: its password.
        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }

        public var description: String { "etcd user \(username) (password withheld)" }
    }

    /// The etcd members to talk to; calls are spread round-robin over those that answer, and a
    /// member that does not is passed over.
    public var endpoints: [Endpoint]
    /// Prepended to every key; keys outside it are never read, written or watched. Give each
    /// cluster sharing one etcd its own prefix, and end it with a separator (`coffer/prod/`) so
    /// that no prefix is the start of another.
    public var prefix: [UInt8]
    /// TLS to etcd; nil for plaintext (loopback tests only).
    public var tls: TLS?
    /// The etcd user to authenticate as; nil when etcd's auth is off.
    public var credentials: Credentials?
    /// etcd's `--max-txn-ops` and `--max-request-bytes`, as the cluster is configured.
    public var limits: StoreLimits
    /// The longest a unary call (a read, a transaction, a compaction) may take before it fails
    /// with `StoreError.unavailable`.
    public var callTimeout: Duration
    /// The largest reply accepted from etcd. A range without a limit over more data than this fails;
    /// page instead. Watch replies stay near etcd's request limit (the store asks etcd to fragment).
    public var maxReplyBytes: Int
    /// How long calls refused with "no leader" (every call asks etcd to refuse at once when the
    /// member it reaches has no leader, rather than wait out etcd's 7 s request timeout) are made
    /// again, to ride out an election, counted from the first refusal since a call last succeeded;
    /// past it a call fails with `StoreError.unavailable` at its first refusal.
    public var leaderPatience: Duration

    /// - Parameters:
    ///   - endpoints: the etcd members' client endpoints (at least one).
    ///   - prefix: the key prefix of this cluster.
    ///   - tls: TLS to etcd, or nil for plaintext.
    ///   - credentials: the etcd user, or nil.
    ///   - limits: etcd's transaction limits, `.etcdDefaults` unless the members are configured otherwise.
    ///   - callTimeout: the deadline of each unary call.
    ///   - maxReplyBytes: the largest reply accepted.
    ///   - leaderPatience: how long calls refused for want of a leader are made again.
    public init(
        endpoints: [Endpoint], prefix: [UInt8], tls: TLS? = nil, credentials: Credentials? = nil,
        limits: StoreLimits = .etcdDefaults, callTimeout: Duration = .seconds(10), maxReplyBytes: Int = 64 << 20,
        leaderPatience: Duration = .seconds(3)
    ) {
        self.endpoints = endpoints
        self.prefix = prefix
        self.tls = tls
        self.credentials = credentials
        self.limits = limits
        self.callTimeout = callTimeout
        self.maxReplyBytes = maxReplyBytes
        self.leaderPatience = leaderPatience
    }
}
