// The errors CofferCrypto throws. Each carries its PKCS#11 return code; the mapping lives here only.

/// An error from a mechanism, a key parser or the self-test.
public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    case mechanismInvalid(MechanismType)
    case mechanismParamInvalid(String)
    case keyTypeInconsistent(String)
    case keySizeRange(String)
    case keyFunctionNotPermitted(String)
    case dataLenRange(String)
    case dataInvalid(String)
    case encryptedDataInvalid
    case encryptedDataLenRange(String)
    case signatureInvalid
    case signatureLenRange(String)
    case wrappedKeyInvalid
    case wrappedKeyLenRange(String)
    case curveNotSupported(String)
    case keyEncodingInvalid(String)
    /// A known-answer self-test failed; the library refuses to serve after this.
    case selfTestFailed(String)
    /// The library is in the failed state because a self-test failed.
    case libraryFailed
    /// The underlying crypto library failed in a way that is not the caller's fault.
    case backendFailure(String)

    /// The PKCS#11 `CK_RV` value for this error.
    public var returnCode: ReturnCode {
        switch self {
        case .mechanismInvalid: .mechanismInvalid
        case .mechanismParamInvalid: .mechanismParamInvalid
        case .keyTypeInconsistent: .keyTypeInconsistent
        case .keySizeRange: .keySizeRange
        case .keyFunctionNotPermitted: .keyFunctionNotPermitted
        case .dataLenRange: .dataLenRange
        case .dataInvalid: .dataInvalid
        case .encryptedDataInvalid: .encryptedDataInvalid
        case .encryptedDataLenRange: .encryptedDataLenRange
        case .signatureInvalid: .signatureInvalid
        case .signatureLenRange: .signatureLenRange
        case .wrappedKeyInvalid: .wrappedKeyInvalid
        case .wrappedKeyLenRange: .wrappedKeyLenRange
        case .curveNotSupported: .curveNotSupported
        case .keyEncodingInvalid: .attributeValueInvalid
        case .selfTestFailed, .libraryFailed: .generalError
        case .backendFailure: .functionFailed
        }
    }

    public var description: String {
        switch self {
        case .mechanismInvalid(let m): "mechanism \(m) is not supported"
        case .mechanismParamInvalid(let s): "invalid mechanism parameter: \(s)"
        case .keyTypeInconsistent(let s): "key type does not fit the mechanism: \(s)"
        case .keySizeRange(let s): "key size out of range: \(s)"
        case .keyFunctionNotPermitted(let s): "key may not be used this way: \(s)"
        case .dataLenRange(let s): "input length out of range: \(s)"
        case .dataInvalid(let s): "invalid input: \(s)"
        case .encryptedDataInvalid: "ciphertext failed to decrypt or authenticate"
        case .encryptedDataLenRange(let s): "ciphertext length out of range: \(s)"
        case .signatureInvalid: "signature is invalid"
        case .signatureLenRange(let s): "signature length out of range: \(s)"
        case .wrappedKeyInvalid: "wrapped key failed to unwrap"
        case .wrappedKeyLenRange(let s): "wrapped key length out of range: \(s)"
        case .curveNotSupported(let s): "curve not supported: \(s)"
        case .keyEncodingInvalid(let s): "key encoding invalid: \(s)"
        case .selfTestFailed(let s): "self-test failed: \(s)"
        case .libraryFailed: "crypto library is in the failed state after a self-test failure"
        case .backendFailure(let s): "crypto backend failure: \(s)"
        }
    }
}
