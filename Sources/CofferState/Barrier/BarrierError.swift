// The errors of sealing and unsealing. Each carries its PKCS#11 return code; the mapping lives here only.

import CofferCrypto

/// Why a record would not seal or open, or why a share or configuration was refused.
public enum BarrierError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The state is sealed: there is no domain key in memory, so nothing can be opened.
    case sealed
    /// A share was submitted after the state was already unsealed.
    case alreadyUnsealed
    /// A sealed record shorter than the smallest valid one.
    case recordTruncated(length: Int)
    /// A sealed record with a format version this build does not read.
    case recordVersionUnsupported(UInt8)
    /// The record failed authentication: tampered, moved to another record key, or another domain key.
    case recordAuthenticationFailed
    /// Threshold and share count outside 1 <= M <= N <= 255.
    case invalidSharing(String)
    /// A share that does not decode (bad text, bad length, checksum mismatch: likely a typo).
    case shareMalformed(ShamirError)
    /// A well-formed share from another initialization (another cluster, or an older split).
    case shareFromAnotherInitialization
    /// A share whose x-coordinate is beyond this configuration's share count.
    case shareOutOfRange(x: UInt8)
    /// A share of this initialization that fails its check digest: it was altered.
    case shareCheckFailed(x: UInt8)
    /// The same share was submitted twice.
    case shareDuplicate(x: UInt8)
    /// The rebuilt domain key does not open the sentinel record.
    case domainKeyMismatch
    /// The stored seal configuration does not decode.
    case configurationMalformed(String)
    /// The crypto library failed in a way that is not the caller's fault.
    case cryptoFailure(String)

    /// The PKCS#11 `CK_RV` value for this error.
    ///
    /// A sealed node answers `CKR_DEVICE_ERROR`: PKCS#11 has no "sealed" code, and to a client
    /// the token is present but unable to work. A record that fails to open is corrupt storage,
    /// also a device fault. Bad shares are bad arguments to the unseal call.
    public var returnCode: ReturnCode {
        switch self {
        case .sealed: .deviceError
        case .alreadyUnsealed: .operationActive
        case .recordTruncated, .recordVersionUnsupported, .recordAuthenticationFailed: .deviceError
        case .configurationMalformed: .deviceError
        case .invalidSharing, .shareMalformed, .shareFromAnotherInitialization, .shareOutOfRange,
            .shareCheckFailed, .shareDuplicate, .domainKeyMismatch:
            .argumentsBad
        case .cryptoFailure: .functionFailed
        }
    }

    public var description: String {
        switch self {
        case .sealed: "the state is sealed"
        case .alreadyUnsealed: "the state is already unsealed"
        case .recordTruncated(let length): "sealed record of \(length) bytes is truncated"
        case .recordVersionUnsupported(let v): "sealed record format version \(v) is not supported"
        case .recordAuthenticationFailed: "sealed record failed authentication (tampered, moved or wrong key)"
        case .invalidSharing(let s): "invalid sharing: \(s)"
        case .shareMalformed(let e): "share rejected: \(e)"
        case .shareFromAnotherInitialization: "share belongs to another initialization"
        case .shareOutOfRange(let x): "share \(x) is beyond this configuration's share count"
        case .shareCheckFailed(let x): "share \(x) fails its check digest"
        case .shareDuplicate(let x): "share \(x) was already given"
        case .domainKeyMismatch: "the rebuilt domain key does not match the sentinel"
        case .configurationMalformed(let s): "seal configuration malformed: \(s)"
        case .cryptoFailure(let s): "crypto failure: \(s)"
        }
    }
}
