// Shamir's secret sharing over GF(2^8), byte by byte: split a secret into N shares of which any M
// rebuild it and M-1 reveal nothing. Used to split the domain key among the admins at init.

/// Splits and combines secrets with Shamir's scheme over GF(2^8) (modulus 0x11B).
public enum Shamir {
    /// The longest secret a share's 16-bit length field can carry.
    public static let maximumSecretLength = 0xFFFF

    /// Splits `secret` into `shares` shares with x = 1...shares, any `threshold` of which rebuild it.
    ///
    /// Each secret byte is the constant term of its own random polynomial of degree `threshold - 1`,
    /// whose other coefficients come from the system CSPRNG and are zeroised afterwards.
    /// - Throws: `ShamirError.invalidParameters` unless 1 <= threshold <= shares <= 255 and the
    ///   secret is 1...65535 bytes long.
    public static func split(secret: SecretBytes, threshold: Int, shares: Int) throws(ShamirError) -> [ShamirShare] {
        guard threshold >= 1, threshold <= shares, shares <= 255 else {
            throw .invalidParameters("need 1 <= threshold (\(threshold)) <= shares (\(shares)) <= 255")
        }
        let length = secret.count
        guard length >= 1, length <= maximumSecretLength else {
            throw .invalidParameters("secret of \(length) bytes, 1...\(maximumSecretLength) allowed")
        }
        // coefficients[c * length + k] is the coefficient of x^(c+1) for secret byte k.
        var coefficients = [UInt8](repeating: 0, count: (threshold - 1) * length)
        defer { coefficients.withUnsafeMutableBytes { SecretBytes.zeroise($0) } }
        var generator = SystemRandomNumberGenerator()
        for index in coefficients.indices { coefficients[index] = generator.next() }
        let setID = (0..<ShamirShare.setIDLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }

        var result = [ShamirShare]()
        result.reserveCapacity(shares)
        secret.withUnsafeBytes { secretBytes in
            for xValue in 1...shares {
                let x = UInt8(xValue)
                var y = [UInt8](repeating: 0, count: length)
                for k in 0..<length {
                    // Horner's rule from the highest coefficient down to the secret byte.
                    var accumulator: UInt8 = 0
                    for c in stride(from: threshold - 2, through: 0, by: -1) {
                        accumulator = GF256.multiply(accumulator, x) ^ coefficients[c * length + k]
                    }
                    y[k] = GF256.multiply(accumulator, x) ^ secretBytes[k]
                }
                result.append(ShamirShare(x: x, threshold: threshold, setID: setID, y: SecretBytes(consuming: &y)))
            }
        }
        return result
    }

    /// Rebuilds the secret from `threshold` or more shares of one split (the first `threshold` are used).
    /// - Throws: `ShamirError.tooFewShares`, `.duplicateShare` or `.mismatchedShares`.
    public static func combine(_ shares: [ShamirShare]) throws(ShamirError) -> SecretBytes {
        guard let first = shares.first else { throw .tooFewShares(given: 0, threshold: 1) }
        var seen = Set<UInt8>()
        for share in shares {
            guard share.setID == first.setID else { throw .mismatchedShares("shares come from different splits") }
            guard share.threshold == first.threshold else { throw .mismatchedShares("thresholds differ") }
            guard share.secretLength == first.secretLength else { throw .mismatchedShares("lengths differ") }
            guard share.x != 0 else { throw .malformedShare("x-coordinate 0") }
            guard seen.insert(share.x).inserted else { throw .duplicateShare(x: share.x) }
        }
        let threshold = first.threshold
        guard threshold >= 1 else { throw .malformedShare("threshold 0") }
        guard shares.count >= threshold else { throw .tooFewShares(given: shares.count, threshold: threshold) }

        let chosen = Array(shares.prefix(threshold))
        let length = first.secretLength
        var secret = [UInt8](repeating: 0, count: length)
        for i in 0..<threshold {
            // The Lagrange basis polynomial for point i, evaluated at x = 0.
            var basis: UInt8 = 1
            for j in 0..<threshold where j != i {
                basis = GF256.multiply(basis, GF256.divide(chosen[j].x, chosen[j].x ^ chosen[i].x))
            }
            chosen[i].y.withUnsafeBytes { y in
                for k in 0..<length { secret[k] ^= GF256.multiply(basis, y[k]) }
            }
        }
        return SecretBytes(consuming: &secret)
    }
}
