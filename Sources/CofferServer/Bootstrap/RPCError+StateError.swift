// The bootstrap listener's error mapping: a StateError becomes an RPCError carrying its CKR.

import CofferProtocol
import CofferState
import GRPCCore

extension RPCError {
    /// `error` as a gRPC status with the PKCS#11 return code in `CofferWire.returnCodeMetadataKey`.
    static func bootstrap(_ error: StateError) -> RPCError {
        let code: RPCError.Code =
            switch error {
            case .alreadyInitialized: .failedPrecondition
            case .notInitialized, .sealed: .failedPrecondition
            case .pinLenRange, .userExists, .userNotFound, .model: .invalidArgument
            default: .internalError
            }
        return bootstrap(code, error.description, returnCode: error.returnCode.rawValue)
    }

    /// A bootstrap failure with `message` and the PKCS#11 return code `returnCode`.
    static func bootstrap(_ code: RPCError.Code, _ message: String, returnCode: UInt) -> RPCError {
        var metadata = Metadata()
        metadata.addString(String(returnCode), forKey: CofferWire.returnCodeMetadataKey)
        return RPCError(code: code, message: message, metadata: metadata)
    }
}
