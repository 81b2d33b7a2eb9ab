// Which calls may be sent again to another node after a transport failure: those that change
// nothing, and those that change token objects when they carry a request id (a repeat answers with
// the first attempt's objects, or finds the first attempt's receipt), so a retry cannot do a thing
// twice. Login (it counts failed attempts), unseal (it counts shares), user management and the rest
// are never retried. This is the one list.
// OpenSession is retried too: a session left behind on a node that failed mid-call is freed when
// that node sees the connection close, and nothing else changes.

import CofferProtocol
import GRPCCore

/// The idempotent RPCs.
enum RetryPolicy {
    static let idempotent: Set<MethodDescriptor> = [
        Coffer_V1_NodeService.Method.GetStatus.descriptor,
        Coffer_V1_UserService.Method.ListUsers.descriptor,
        Coffer_V1_TokenService.Method.ListMechanisms.descriptor,
        Coffer_V1_TokenService.Method.GetMechanismInfo.descriptor,
        Coffer_V1_TokenService.Method.FindObjects.descriptor,
        Coffer_V1_TokenService.Method.GetAttributes.descriptor,
        Coffer_V1_TokenService.Method.Sign.descriptor,
        Coffer_V1_TokenService.Method.Verify.descriptor,
        Coffer_V1_TokenService.Method.Encrypt.descriptor,
        Coffer_V1_TokenService.Method.Decrypt.descriptor,
        Coffer_V1_TokenService.Method.Digest.descriptor,
        Coffer_V1_TokenService.Method.GenerateRandom.descriptor,
        Coffer_V1_TokenService.Method.OpenSession.descriptor,
    ]

    /// The RPCs that create token objects and, sent with a request id, answer a repeat with the
    /// objects the first attempt made; and those that change or destroy one and, sent with a request
    /// id, answer a repeat of an attempt that landed as that attempt (a receipt, `RequestID`).
    static let repeatable: Set<MethodDescriptor> = [
        Coffer_V1_TokenService.Method.GenerateKey.descriptor,
        Coffer_V1_TokenService.Method.GenerateKeys.descriptor,
        Coffer_V1_TokenService.Method.GenerateKeyPair.descriptor,
        Coffer_V1_TokenService.Method.CreateObject.descriptor,
        Coffer_V1_TokenService.Method.CopyObject.descriptor,
        Coffer_V1_TokenService.Method.UnwrapKey.descriptor,
        Coffer_V1_TokenService.Method.DeriveKey.descriptor,
        Coffer_V1_TokenService.Method.DecapsulateKey.descriptor,
        Coffer_V1_TokenService.Method.DestroyObject.descriptor,
        Coffer_V1_TokenService.Method.SetAttributes.descriptor,
        Coffer_V1_TokenService.Method.ShareObject.descriptor,
    ]

    /// Whether `method` may be retried on another endpoint. Calls inside a session never are:
    /// the session exists only on the node that opened it (the PKCS#11 library opens it again
    /// elsewhere and repeats the call itself).
    static func mayRetry(_ method: MethodDescriptor, session: UInt64, requestID: Bool = false) -> Bool {
        session == 0 && (idempotent.contains(method) || (requestID && repeatable.contains(method)))
    }
}
