// Shared helpers for the mechanism tests: keys from vector bytes, a stand-in public key,
// and an expectation on the PKCS#11 return code an operation fails with.

import Crypto
import Testing
@testable import CofferCrypto

/// Test keys and expectations.
enum TestKeys {
    static func secret(_ bytes: [UInt8]) -> KeyMaterial { .secret(SymmetricKey(data: bytes)) }
    static func secret(hex: String) -> KeyMaterial { secret(Hex.decode(hex) ?? []) }

    /// A public key of no real algorithm, to check that secret-key mechanisms refuse it.
    static let publicKey = KeyMaterial.publicKey(StandInPublicKey())

    struct StandInPublicKey: PublicKeyMaterial {
        var algorithm: AsymmetricAlgorithm { .ed25519 }
        var keySizeInBits: Int { 256 }
        var serialized: [UInt8] { [UInt8](repeating: 1, count: 32) }
    }
}

/// Expects `body` to throw a `CryptoError` whose PKCS#11 code is `code`.
func expectFailure(
    _ code: ReturnCode,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    let error = #expect(throws: CofferCrypto.CryptoError.self, sourceLocation: sourceLocation) { try body() }
    #expect(error?.returnCode == code, "got \(String(describing: error))", sourceLocation: sourceLocation)
}
