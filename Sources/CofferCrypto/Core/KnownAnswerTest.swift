// Known-answer tests run at start-up. They read the same published vector files that the
// unit tests use (Resources/Vectors), so the self-test and the test suite cannot drift apart.

/// One known-answer self-test.
public struct KnownAnswerTest: Sendable {
    public let name: String
    private let body: @Sendable (MechanismRegistry) throws -> Void

    public init(name: String, _ body: @escaping @Sendable (MechanismRegistry) throws -> Void) {
        self.name = name
        self.body = body
    }

    /// Throws if the mechanism gives an answer other than the vector's.
    public func run(_ registry: MechanismRegistry) throws {
        try body(registry)
    }

    /// Every start-up self-test.
    public static let standard: [KnownAnswerTest] = digest + symmetric + asymmetric

    static let digest: [KnownAnswerTest] = [
        KnownAnswerTest(name: "SHA-256 empty string (FIPS 180-4)") { registry in
            let digest = try registry.digest(.sha256).digest([])
            try expectEqual(digest, hex: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        },
    ]

    static func expectEqual(_ actual: [UInt8], hex: String) throws {
        guard actual == Hex.decode(hex) else { throw CryptoError.selfTestFailed("answer differs from vector") }
    }
}
