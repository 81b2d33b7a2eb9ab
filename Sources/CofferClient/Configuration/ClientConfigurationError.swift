// Why a client configuration (profile, certificates, key) could not be loaded. Each case names the
// file or value at fault so that the CLI can print one useful line.

/// A problem with the client's configuration, found before any connection is made.
public enum ClientConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file does not exist.
    case fileMissing(path: String)
    /// The file exists but could not be read.
    case unreadable(path: String, reason: String)
    /// The profile is not valid JSON of the expected shape.
    case badJSON(path: String, reason: String)
    /// A certificate file holds no PEM certificate that parses.
    case badCertificate(path: String)
    /// The key file holds no PEM private key that parses.
    case badPrivateKey(path: String)
    /// An endpoint is not "host:port".
    case badEndpoint(String)
    /// The profile lists no endpoints.
    case noEndpoints

    public var description: String {
        switch self {
        case .fileMissing(let path): "file not found: \(path)"
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        case .badJSON(let path, let reason): "bad profile JSON in \(path): \(reason)"
        case .badCertificate(let path): "no usable PEM certificate in \(path)"
        case .badPrivateKey(let path): "no usable PEM private key in \(path)"
        case .badEndpoint(let text): "bad endpoint \"\(text)\": expected host:port"
        case .noEndpoints: "the profile lists no endpoints"
        }
    }

    /// What a PKCS#11 caller sees (C_Initialize cannot do anything with a broken configuration).
    public var returnCode: UInt { CofferReturnCode.generalError }
}
