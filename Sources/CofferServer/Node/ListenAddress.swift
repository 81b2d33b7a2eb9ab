// The address a node listens on, parsed from HOST:PORT or [IPV6]:PORT.

/// An IP address and port to listen on.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// An IPv4 or IPv6 literal (no brackets).
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT` or `[IPV6]:PORT`.
    public init(parsing text: String) throws(ConfigurationError) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw .init("listen address \(text) must be HOST:PORT or [IPV6]:PORT")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else {
                throw .init("listen address \(text) must be HOST:PORT or [IPV6]:PORT")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard IPAddressText.isAddress(String(host)) else {
            throw .init("listen address \(text): \(host) is not an IP address (use 127.0.0.1, ::1 or 0.0.0.0)")
        }
        guard let port = Int(portText), (0...65_535).contains(port) else {
            throw .init("listen address \(text): port must be 0 to 65535")
        }
        self.init(host: String(host), port: port)
    }

    /// `HOST:PORT`, with brackets around an IPv6 host.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
