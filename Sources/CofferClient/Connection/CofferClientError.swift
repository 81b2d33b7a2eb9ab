// The one error type of CofferClient: every failed call, whether the node refused it or the network
// lost it, becomes a PKCS#11 return code plus a one-line message. The mapping happens here only.

import CofferProtocol
import GRPCCore

/// A failed call to a Coffer node.
public struct CofferClientError: Error, Sendable, CustomStringConvertible {
    /// Where the failure came from.
    public enum Kind: Sendable, Equatable {
        /// The node answered with a PKCS#11 error (its CKR is `returnCode`).
        case rejected
        /// No node could be reached, or the connection broke before an answer
        /// (CKR_DEVICE_REMOVED: connection-bound logins and sessions are gone with it).
        case unreachable
        /// The call's deadline passed (CKR_DEVICE_ERROR; the call may or may not have taken effect).
        case timedOut
        /// Any other transport or protocol failure (CKR_DEVICE_ERROR).
        case transport
    }

    public var kind: Kind
    /// The PKCS#11 `CK_RV`.
    public var returnCode: UInt
    /// The node's one-line message, or the client's description of the failure.
    public var message: String
    /// The endpoint that produced the error, if one did.
    public var endpoint: Endpoint?
    /// A CKR_USER_NOT_LOGGED_IN from a node that does not hold the call's login (it restarted, or the
    /// connection the login belonged to was made again), rather than one whose login is there but does
    /// not suffice (a context-specific login is needed, or the role may not make the call).
    public var loginUnknown: Bool

    public init(kind: Kind, returnCode: UInt, message: String, endpoint: Endpoint? = nil, loginUnknown: Bool = false) {
        self.kind = kind
        self.returnCode = returnCode
        self.message = message
        self.endpoint = endpoint
        self.loginUnknown = loginUnknown
    }

    /// `CKR_NAME: message`.
    public var description: String {
        "\(ReturnCodeNames.name(of: returnCode)): \(message)"
    }

    /// Maps anything a gRPC call can throw.
    ///
    /// - A status with "coffer-ckr" metadata is the node's verdict, kept as sent ("coffer-login:
    ///   unknown" sets `loginUnknown`).
    /// - `unavailable`: CKR_DEVICE_REMOVED (the node is gone for this connection).
    /// - `deadlineExceeded`: CKR_DEVICE_ERROR rather than CKR_FUNCTION_FAILED, because the fault is
    ///   the device's (slow or partitioned node, or a node that could not catch up to min_revision,
    ///   which the node itself reports as CKR_DEVICE_ERROR) and the call's effect is unknown.
    /// - `unimplemented`: CKR_FUNCTION_NOT_SUPPORTED (an older node).
    /// - everything else: CKR_DEVICE_ERROR.
    public static func mapping(_ error: any Error, endpoint: Endpoint?) -> CofferClientError {
        if let error = error as? CofferClientError { return error }
        guard let rpc = error as? RPCError else {
            return CofferClientError(
                kind: .transport, returnCode: CofferReturnCode.deviceError,
                message: "transport failure: \(error)", endpoint: endpoint)
        }
        if let text = rpc.metadata[stringValues: CofferWire.returnCodeMetadataKey].first(where: { _ in true }),
            let code = UInt(text)
        {
            let loginUnknown = rpc.metadata[stringValues: CofferWire.loginMetadataKey].contains("unknown")
            return CofferClientError(
                kind: .rejected, returnCode: code, message: rpc.message, endpoint: endpoint, loginUnknown: loginUnknown)
        }
        let place = endpoint.map { " (\($0))" } ?? ""
        switch rpc.code {
        case .unavailable:
            return CofferClientError(
                kind: .unreachable, returnCode: CofferReturnCode.deviceRemoved,
                message: "node unreachable\(place): \(rpc.message)", endpoint: endpoint)
        case .deadlineExceeded:
            return CofferClientError(
                kind: .timedOut, returnCode: CofferReturnCode.deviceError,
                message: "no answer before the deadline\(place)", endpoint: endpoint)
        case .unimplemented:
            return CofferClientError(
                kind: .transport, returnCode: CofferReturnCode.functionNotSupported,
                message: "the node does not implement this call\(place)", endpoint: endpoint)
        default:
            return CofferClientError(
                kind: .transport, returnCode: CofferReturnCode.deviceError,
                message: "\(rpc.code)\(place): \(rpc.message)", endpoint: endpoint)
        }
    }
}
