// The errors Shamir sharing throws, with their PKCS#11 return codes in one place.

/// Why a split or a combine was refused.
public enum ShamirError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Threshold, share count or secret length outside the allowed ranges.
    case invalidParameters(String)
    /// The share encoding is too short, has bad fields or bad text.
    case malformedShare(String)
    /// The share's checksum does not match: most likely a typo or a truncated copy.
    case checksumMismatch
    /// The share was written by a format version this build does not read.
    case unsupportedVersion(UInt8)
    /// Two shares carry the same x-coordinate.
    case duplicateShare(x: UInt8)
    /// The shares come from different splits, or disagree on threshold or length.
    case mismatchedShares(String)
    /// Fewer shares than the threshold.
    case tooFewShares(given: Int, threshold: Int)

    /// The PKCS#11 `CK_RV` value for this error.
    public var returnCode: ReturnCode {
        switch self {
        case .invalidParameters: .argumentsBad
        case .malformedShare, .checksumMismatch, .unsupportedVersion: .dataInvalid
        case .duplicateShare, .mismatchedShares, .tooFewShares: .argumentsBad
        }
    }

    public var description: String {
        switch self {
        case .invalidParameters(let s): "invalid sharing parameters: \(s)"
        case .malformedShare(let s): "malformed share: \(s)"
        case .checksumMismatch: "share checksum does not match (typo or truncated share?)"
        case .unsupportedVersion(let v): "share format version \(v) is not supported"
        case .duplicateShare(let x): "share \(x) was given twice"
        case .mismatchedShares(let s): "shares do not belong together: \(s)"
        case .tooFewShares(let given, let threshold): "\(given) shares given, \(threshold) needed"
        }
    }
}
