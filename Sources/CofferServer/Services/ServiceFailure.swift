// Every error a service reports, as a PKCS#11 return code and a one-line message, and its mapping to
// a gRPC RPCError with the code in the "coffer-ckr" metadata. The mapping happens here only.

import CofferCrypto
import CofferModel
import CofferProtocol
import CofferState
import GRPCCore

/// A failed request: the CKR_* to report and a one-line message that names no secret.
public struct ServiceFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var returnCode: ReturnCode
    public var message: String
    /// CKR_USER_NOT_LOGGED_IN because this node does not hold the request's login (no token, an
    /// unknown or expired one, another connection's, or its user was deleted). A client that logged
    /// in here earlier may log in again; without this flag the login is there but does not suffice (a
    /// context-specific login, a role that may not make the call).
    public var loginUnknown = false

    public init(_ returnCode: ReturnCode, _ message: String) {
        self.returnCode = returnCode
        self.message = message
    }

    /// Any error from the layers below, with its own return code.
    public init(_ error: any Error) {
        switch error {
        case let e as ServiceFailure: self = e
        case let e as StateError: self.init(e.returnCode, e.description)
        case let e as ModelError: self.init(e.returnCode, e.description)
        case let e as CryptoError: self.init(e.returnCode, e.description)
        case let e as StoreError: self.init(StateError(e))
        default: self.init(.generalError, "internal error (\(type(of: error)))")
        }
    }

    public var description: String { "\(message) (CKR 0x\(String(returnCode.rawValue, radix: 16)))" }

    static func argumentsBad(_ why: String) -> ServiceFailure { ServiceFailure(.argumentsBad, why) }
    static let contextLoginNeeded = ServiceFailure(
        .userNotLoggedIn, "the key needs the user's password for each use (CKA_ALWAYS_AUTHENTICATE): authenticate the operation after its Init")
    static let notLoggedIn: ServiceFailure = {
        var failure = ServiceFailure(.userNotLoggedIn, "not logged in (missing, unknown, expired or foreign login token)")
        failure.loginUnknown = true
        return failure
    }()

    /// Trailing metadata key carrying the state's revision on a failed call, as ResponseHeader.revision does on success.
    public static let revisionMetadataKey = "coffer-revision"

    /// The RPCError a client receives.
    func rpcError(revision: Int64) -> RPCError {
        var metadata = Metadata()
        metadata.addString(String(returnCode.rawValue), forKey: CofferWire.returnCodeMetadataKey)
        metadata.addString(String(revision), forKey: Self.revisionMetadataKey)
        if loginUnknown { metadata.addString("unknown", forKey: CofferWire.loginMetadataKey) }
        return RPCError(code: statusCode, message: message, metadata: metadata)
    }

    /// The gRPC status that best describes the return code (clients act on the CKR, not on this).
    var statusCode: RPCError.Code {
        switch returnCode {
        case .userNotLoggedIn, .pinIncorrect, .pinExpired: .unauthenticated
        case .pinLocked, .functionRejected, .keyUnextractable, .keyNotWrappable, .keyFunctionNotPermitted, .attributeSensitive,
            .attributeReadOnly, .actionProhibited, .sessionReadOnly:
            .permissionDenied
        case .objectHandleInvalid, .keyHandleInvalid, .sessionHandleInvalid, .wrappingKeyHandleInvalid,
            .unwrappingKeyHandleInvalid:
            .notFound
        case .operationActive, .operationNotInitialized, .userPINNotInitialized: .failedPrecondition
        case .sessionCount, .deviceMemory, .hostMemory: .resourceExhausted
        case .deviceError: .unavailable
        case .functionFailed: .aborted
        case .generalError: .internalError
        case .functionNotSupported: .unimplemented
        default: .invalidArgument
        }
    }
}
