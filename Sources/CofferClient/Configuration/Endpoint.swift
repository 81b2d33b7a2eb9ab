// One node address, "host:port" (IPv6 as "[::1]:9443"). Parsed once so that a bad profile fails
// when it is loaded, not at the first call.

import Foundation

/// A node endpoint.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// A DNS name or an IP literal (IPv6 without brackets).
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses "host:port" or "[v6]:port".
    public init(parsing text: String) throws(ClientConfigurationError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let host: Substring
        let portText: Substring
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]"),
                trimmed.index(after: close) < trimmed.endIndex,
                trimmed[trimmed.index(after: close)] == ":"
            else { throw .badEndpoint(text) }
            host = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
            portText = trimmed[trimmed.index(close, offsetBy: 2)...]
        } else {
            guard let colon = trimmed.lastIndex(of: ":") else { throw .badEndpoint(text) }
            host = trimmed[..<colon]
            portText = trimmed[trimmed.index(after: colon)...]
            if host.contains(":") { throw .badEndpoint(text) }
        }
        guard !host.isEmpty, let port = Int(portText), (1...65535).contains(port) else {
            throw .badEndpoint(text)
        }
        self.init(host: String(host), port: port)
    }

    /// Whether the host is an IPv6 literal.
    public var isIPv6: Bool { host.contains(":") }

    /// Whether the host is an IPv4 literal.
    public var isIPv4: Bool {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }

    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
