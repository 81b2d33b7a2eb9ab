// What a login token is bound to: the connection that made it, or the client certificate it was
// made with (the CLI, whose every command is a new connection).

/// The scope of one login.
public enum LoginBinding: Sendable, Hashable {
    /// Valid only from this connection (`Peer.connection`).
    case connection(String)
    /// Valid from any connection presenting the certificate with this SHA-256 fingerprint.
    case certificate([UInt8])

    /// Whether `peer` may use a login with this binding.
    func admits(_ peer: Peer) -> Bool {
        switch self {
        case .connection(let connection): peer.connection == connection
        case .certificate(let fingerprint): peer.certificateFingerprint == fingerprint
        }
    }

    /// Certificate logins expire when idle; connection logins last as long as their connection.
    var expiresWhenIdle: Bool {
        if case .certificate = self { return true }
        return false
    }
}
