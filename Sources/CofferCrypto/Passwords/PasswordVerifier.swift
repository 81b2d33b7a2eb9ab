// Salted, slow password verifiers (scrypt), stored instead of passwords. The cost is part of the
// encoding, so it can be raised later without breaking the verifiers already stored.

import Crypto
import _CryptoExtras

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A scrypt verifier for one password: salt, cost and the derived digest.
///
/// Encoding, version 1: `version(1) || algorithm(1) = 1 (scrypt) || log2N(1) || r(1) || p(1) ||
/// saltLength(1) || salt || digest(32)`, where `digest = scrypt(uint32be(length) || password, salt)`.
public struct PasswordVerifier: Sendable {
    /// scrypt's cost parameters.
    public struct Cost: Sendable, Hashable, CustomStringConvertible {
        /// N = 2^log2Rounds, the CPU and memory cost.
        public var log2Rounds: UInt8
        /// r, the block size factor; memory is 128 * r * N bytes.
        public var blockSize: UInt8
        /// p, the number of independent mixes.
        public var parallelism: UInt8

        /// A cost; checked when a verifier is made or decoded.
        public init(log2Rounds: UInt8, blockSize: UInt8, parallelism: UInt8) {
            self.log2Rounds = log2Rounds
            self.blockSize = blockSize
            self.parallelism = parallelism
        }

        /// The cost for stored verifiers: N = 2^15, r = 8, p = 3. OWASP lists it as equal in work to
        /// N = 2^17, p = 1 but it takes 32 MiB instead of 128 MiB (timings in docs/sealing.md).
        public static let standard = Cost(log2Rounds: 15, blockSize: 8, parallelism: 3)

        /// The largest memory a verifier may ask for, so a hostile encoding cannot exhaust the node.
        public static let maximumMemory = 256 << 20

        /// The memory scrypt's mixing table takes, in bytes.
        public var memory: Int { 128 * Int(blockSize) << Int(log2Rounds) }

        func validate() throws(CryptoError) {
            guard (1...24).contains(log2Rounds), blockSize >= 1, (1...16).contains(parallelism),
                memory <= Self.maximumMemory
            else { throw .mechanismParamInvalid("scrypt cost out of range: \(self)") }
        }

        public var description: String { "N=2^\(log2Rounds) r=\(blockSize) p=\(parallelism)" }
    }

    /// The current encoding version.
    public static let formatVersion: UInt8 = 1
    static let scryptAlgorithm: UInt8 = 1
    /// Salt length for new verifiers.
    public static let saltLength = 16
    static let saltLengths = 16...64
    static let digestLength = 32

    /// The cost this verifier was made with.
    public let cost: Cost
    /// The random salt.
    public let salt: [UInt8]
    private let digest: [UInt8]

    private init(cost: Cost, salt: [UInt8], digest: [UInt8]) {
        self.cost = cost
        self.salt = salt
        self.digest = digest
    }

    /// Makes a verifier for `password` with a fresh random salt.
    /// - Parameter cost: `.standard` for stored verifiers; unit tests pass a cheaper one explicitly.
    public static func make(password: SecretBytes, cost: Cost = .standard) throws(CryptoError) -> PasswordVerifier {
        try cost.validate()
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<saltLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let key = try derive(password: password, salt: salt, cost: cost)
        return PasswordVerifier(cost: cost, salt: salt, digest: key.withUnsafeBytes { Array($0) })
    }

    /// Makes a verifier for a password given as bytes (PKCS#11 PINs are UTF-8 byte strings).
    public static func make(password: [UInt8], cost: Cost = .standard) throws(CryptoError) -> PasswordVerifier {
        try make(password: SecretBytes(password), cost: cost)
    }

    /// True when `password` is the one this verifier was made for. The comparison is constant-time.
    /// - Throws: only when the KDF itself fails.
    public func verify(password: SecretBytes) throws(CryptoError) -> Bool {
        let key = try Self.derive(password: password, salt: salt, cost: cost)
        return key.withUnsafeBytes { SecretBytes.constantTimeEqual($0, digest) }
    }

    /// True when `password` (as bytes) is the one this verifier was made for.
    public func verify(password: [UInt8]) throws(CryptoError) -> Bool {
        try verify(password: SecretBytes(password))
    }

    /// True when this verifier's cost differs from `cost`, so it should be remade at the next login.
    public func needsRehash(for cost: Cost = .standard) -> Bool { self.cost != cost }

    /// The versioned encoding to store.
    public func encoded() -> [UInt8] {
        [
            Self.formatVersion, Self.scryptAlgorithm, cost.log2Rounds, cost.blockSize, cost.parallelism,
            UInt8(salt.count),
        ] + salt + digest
    }

    /// Decodes a stored verifier, refusing unknown versions, bad lengths and out-of-range costs.
    public init<C: Collection>(encoded: C) throws(CryptoError) where C.Element == UInt8 {
        let bytes = Array(encoded)
        guard bytes.count >= 6 else { throw .dataInvalid("password verifier too short") }
        guard bytes[0] == Self.formatVersion else { throw .dataInvalid("password verifier version \(bytes[0])") }
        guard bytes[1] == Self.scryptAlgorithm else { throw .dataInvalid("password verifier algorithm \(bytes[1])") }
        let cost = Cost(log2Rounds: bytes[2], blockSize: bytes[3], parallelism: bytes[4])
        try cost.validate()
        let saltLength = Int(bytes[5])
        guard Self.saltLengths.contains(saltLength), bytes.count == 6 + saltLength + Self.digestLength else {
            throw .dataInvalid("password verifier has the wrong length")
        }
        self.init(cost: cost, salt: Array(bytes[6..<(6 + saltLength)]), digest: Array(bytes[(6 + saltLength)...]))
    }

    private static func derive(password: SecretBytes, salt: [UInt8], cost: Cost) throws(CryptoError) -> SymmetricKey {
        // scrypt's inner HMAC zero-pads its key, so "pin" and "pin\0" would share a verifier;
        // a 4-byte length prefix keeps every password distinct.
        var framed = [UInt8]()
        framed.reserveCapacity(4 + password.count)
        framed += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: password.count >> $0) }
        password.withUnsafeBytes { framed.append(contentsOf: $0) }
        let input = SecretBytes(consuming: &framed)
        do {
            return try input.withUnsafeBytes { passwordBytes in
                try KDF.Scrypt.deriveKey(
                    from: passwordBytes,
                    salt: salt,
                    outputByteCount: digestLength,
                    rounds: 1 << Int(cost.log2Rounds),
                    blockSize: Int(cost.blockSize),
                    parallelism: Int(cost.parallelism)
                )
            }
        } catch {
            throw .backendFailure("scrypt: \(error)")
        }
    }
}
