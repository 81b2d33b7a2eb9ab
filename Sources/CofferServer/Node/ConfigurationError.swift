// A configuration problem, reported as one line naming the setting.

/// A configuration problem, as one line.
public struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) { self.description = description }
}
