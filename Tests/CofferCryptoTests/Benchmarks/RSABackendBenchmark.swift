// Measures the RSA backend choice (docs/crypto-backends.md): single-thread RSA-2048 PKCS#1 v1.5
// SHA-256 signing with swift-crypto's _RSA and with the OpenSSL backend, and P-256 ECDSA for scale.
// It prints figures and asserts only correctness, never timing. Run it for real with
// COFFER_BENCH_SECONDS=3 swift test -c release --filter RSABackendBenchmark

import Crypto
import Foundation
import Testing
import _CryptoExtras

@testable import CofferCrypto

@Suite struct RSABackendBenchmark {
    static var seconds: Double {
        Double(ProcessInfo.processInfo.environment["COFFER_BENCH_SECONDS"] ?? "") ?? 0.2
    }

    /// Runs `body` until `seconds` have passed and returns operations per second.
    static func rate(_ body: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + .milliseconds(Int(seconds * 1000))
        var count = 0
        while clock.now < deadline {
            try body()
            count += 1
        }
        let elapsed = clock.now - start
        let secondsElapsed = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Double(count) / secondsElapsed
    }

    @Test func rsa2048SigningBothBackendsAndP256() throws {
        let message = Array("Coffer backend benchmark".utf8)
        let digest = SHA256.hash(data: message)
        let swiftCryptoKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        var pkcs8 = Array(swiftCryptoKey.pkcs8DERRepresentation)
        let openSSLKey = try RSAPrivateKey(derRepresentation: SecretBytes(consuming: &pkcs8))

        // The same key and deterministic padding: both libraries must give the same bytes.
        let viaSwiftCrypto = try swiftCryptoKey.signature(for: digest, padding: .insecurePKCS1v1_5).rawRepresentation
        let viaOpenSSL = try openSSLKey.backendKey.sign(Array(digest), padding: .pkcs1(hash: .sha256))
        #expect(Array(viaSwiftCrypto) == viaOpenSSL)

        let swiftCryptoRate = try Self.rate {
            _ = try swiftCryptoKey.signature(for: digest, padding: .insecurePKCS1v1_5)
        }
        let openSSLRate = try Self.rate {
            _ = try openSSLKey.backendKey.sign(Array(digest), padding: .pkcs1(hash: .sha256))
        }
        let p256Key = P256.Signing.PrivateKey()
        let p256Rate = try Self.rate { _ = try p256Key.signature(for: digest) }
        #expect(p256Key.publicKey.isValidSignature(try p256Key.signature(for: digest), for: digest))

        print(
            String(
                format: "bench: RSA-2048 PKCS#1 v1.5 SHA-256 sign/s: swift-crypto _RSA %.0f, OpenSSL backend %.0f (ratio %.2f); P-256 ECDSA sign/s (swift-crypto) %.0f; %.1f s each",
                swiftCryptoRate, openSSLRate, swiftCryptoRate / openSSLRate, p256Rate, Self.seconds))
    }
}
