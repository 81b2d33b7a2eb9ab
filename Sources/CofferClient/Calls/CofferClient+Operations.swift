// TokenService cryptographic operations: single-part (one call, no node state) and multi-part
// (Init, Update..., Final on one session), plus digest and random.

import CofferProtocol
import Foundation
import GRPCCore

extension CofferClient {
    /// Signs `data` in one call (on the connection's pipeline stream; as a unary call when a quorum
    /// token is set, since only a unary call carries one: a key under a key-usage quorum).
    public func sign(
        mechanism: Coffer_V1_Mechanism, key: UInt64, data: Data, session: UInt64 = 0
    ) async throws(CofferClientError) -> Data {
        var request = Coffer_V1_SignRequest()
        request.mechanism = mechanism
        request.key = key
        request.data = data
        if !quorumToken.isEmpty {
            try Self.checkDataLength(data.count)
            let response: Coffer_V1_SignResponse = try await call(Coffer_V1_TokenService.Method.Sign.descriptor, request, session: session)
            return response.signature
        }
        var call = Coffer_V1_PipelineCall()
        call.sign = request
        return try await pipelined(call, session: session)
    }

    /// Verifies a signature; returns normally when it is valid and throws CKR_SIGNATURE_INVALID
    /// (or CKR_SIGNATURE_LEN_RANGE) when it is not.
    public func verify(
        mechanism: Coffer_V1_Mechanism, key: UInt64, data: Data, signature: Data, session: UInt64 = 0
    ) async throws(CofferClientError) {
        var request = Coffer_V1_VerifyRequest()
        request.mechanism = mechanism
        request.key = key
        request.data = data
        request.signature = signature
        var call = Coffer_V1_PipelineCall()
        call.verify = request
        _ = try await pipelined(call, session: session)
    }

    /// Encrypts `data` in one call.
    public func encrypt(
        mechanism: Coffer_V1_Mechanism, key: UInt64, data: Data, session: UInt64 = 0
    ) async throws(CofferClientError) -> Data {
        if !quorumToken.isEmpty {
            return try await unaryCipher(Coffer_V1_TokenService.Method.Encrypt.descriptor, mechanism, key, data, session)
        }
        var call = Coffer_V1_PipelineCall()
        call.encrypt = Self.cipherRequest(mechanism, key, data)
        return try await pipelined(call, session: session)
    }

    /// Decrypts `data` in one call.
    public func decrypt(
        mechanism: Coffer_V1_Mechanism, key: UInt64, data: Data, session: UInt64 = 0
    ) async throws(CofferClientError) -> Data {
        if !quorumToken.isEmpty {
            return try await unaryCipher(Coffer_V1_TokenService.Method.Decrypt.descriptor, mechanism, key, data, session)
        }
        var call = Coffer_V1_PipelineCall()
        call.decrypt = Self.cipherRequest(mechanism, key, data)
        return try await pipelined(call, session: session)
    }

    /// Encrypt or Decrypt as a unary call, which carries the quorum token.
    private func unaryCipher(
        _ method: MethodDescriptor, _ mechanism: Coffer_V1_Mechanism, _ key: UInt64, _ data: Data, _ session: UInt64
    ) async throws(CofferClientError) -> Data {
        try Self.checkDataLength(data.count)
        let response: Coffer_V1_CipherResponse = try await call(method, Self.cipherRequest(mechanism, key, data), session: session)
        return response.data
    }

    private static func cipherRequest(_ mechanism: Coffer_V1_Mechanism, _ key: UInt64, _ data: Data) -> Coffer_V1_CipherRequest {
        var request = Coffer_V1_CipherRequest()
        request.mechanism = mechanism
        request.key = key
        request.data = data
        return request
    }

    /// Digests `data` in one call.
    public func digest(mechanism: Coffer_V1_Mechanism, data: Data, session: UInt64 = 0) async throws(CofferClientError)
        -> Data
    {
        try Self.checkDataLength(data.count)
        var request = Coffer_V1_DigestRequest()
        request.mechanism = mechanism
        request.data = data
        let response: Coffer_V1_DigestResponse = try await call(
            Coffer_V1_TokenService.Method.Digest.descriptor, request, session: session)
        return response.digest
    }

    /// `length` random bytes from the node.
    public func generateRandom(length: UInt32, session: UInt64 = 0) async throws(CofferClientError) -> Data {
        var request = Coffer_V1_GenerateRandomRequest()
        request.length = length
        let response: Coffer_V1_GenerateRandomResponse = try await call(
            Coffer_V1_TokenService.Method.GenerateRandom.descriptor, request, session: session)
        return response.data
    }

    /// Starts a multi-part operation on `session` (`key` is ignored for digests).
    public func operationInit(
        _ kind: Coffer_V1_OperationKind, mechanism: Coffer_V1_Mechanism, key: UInt64 = 0, session: UInt64,
        quorumToken token: String = ""
    ) async throws(CofferClientError) {
        var request = Coffer_V1_OperationInitRequest()
        request.kind = kind
        request.mechanism = mechanism
        request.key = key
        request.header.quorumToken = token
        let _: Coffer_V1_OperationInitResponse = try await call(
            Coffer_V1_TokenService.Method.OperationInit.descriptor, request, session: session)
    }

    /// Feeds data to the session's operation of `kind`; returns any output released so far. For a
    /// digest, a non-zero `digestKey` also digests that secret key's value on the node (C_DigestKey).
    public func operationUpdate(
        _ kind: Coffer_V1_OperationKind, data: Data, digestKey: UInt64 = 0, session: UInt64
    ) async throws(CofferClientError) -> Data {
        try Self.checkDataLength(data.count)
        var request = Coffer_V1_OperationUpdateRequest()
        request.kind = kind
        request.data = data
        request.digestKey = digestKey
        let response: Coffer_V1_OperationUpdateResponse = try await call(
            Coffer_V1_TokenService.Method.OperationUpdate.descriptor, request, session: session)
        return response.data
    }

    /// Gives the logged-in user's password again for the session's active operation of `kind`: a
    /// context-specific login, which each use of a key with CKA_ALWAYS_AUTHENTICATE needs.
    public func operationAuthenticate(
        _ kind: Coffer_V1_OperationKind, password: [UInt8], session: UInt64
    ) async throws(CofferClientError) {
        var request = Coffer_V1_OperationAuthenticateRequest()
        request.kind = kind
        request.password = Data(password)
        let _: Coffer_V1_OperationAuthenticateResponse = try await call(
            Coffer_V1_TokenService.Method.OperationAuthenticate.descriptor, request, session: session)
    }

    /// Finishes the session's operation of `kind` over the updates so far plus `data`; for verify,
    /// pass the signature to check.
    public func operationFinal(
        _ kind: Coffer_V1_OperationKind, data: Data = Data(), signature: Data = Data(), session: UInt64
    ) async throws(CofferClientError) -> Data {
        try Self.checkDataLength(data.count)
        var request = Coffer_V1_OperationFinalRequest()
        request.kind = kind
        request.data = data
        request.signature = signature
        let response: Coffer_V1_OperationFinalResponse = try await call(
            Coffer_V1_TokenService.Method.OperationFinal.descriptor, request, session: session)
        return response.data
    }
}
