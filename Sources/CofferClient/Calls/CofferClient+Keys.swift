// TokenService key lifecycle calls: generate, wrap, unwrap, derive.

import CofferProtocol
import Foundation

extension CofferClient {
    /// Generates a secret key; returns its handle. Repeating the call with the same `request` makes
    /// no second key (see `RequestID`).
    public func generateKey(
        mechanism: Coffer_V1_Mechanism, template: [Coffer_V1_Attribute], session: UInt64 = 0,
        request id: RequestID = RequestID()
    ) async throws(CofferClientError) -> UInt64 {
        var request = Coffer_V1_GenerateKeyRequest()
        request.mechanism = mechanism
        request.template = template
        let response: Coffer_V1_GenerateKeyResponse = try await call(
            Coffer_V1_TokenService.Method.GenerateKey.descriptor, request, session: session, requestID: id)
        return response.handle
    }

    /// Generates `count` token secret keys (at most 1,000) in one transaction; returns their handles.
    /// With a `labelPrefix`, key i is labelled `labelPrefix` followed by `firstNumber + i`.
    public func generateKeys(
        mechanism: Coffer_V1_Mechanism, template: [Coffer_V1_Attribute], count: Int, labelPrefix: String = "",
        firstNumber: UInt64 = 0, session: UInt64 = 0, request id: RequestID = RequestID()
    ) async throws(CofferClientError) -> [UInt64] {
        var request = Coffer_V1_GenerateKeysRequest()
        request.mechanism = mechanism
        request.template = template
        request.count = UInt32(clamping: count)
        request.labelPrefix = labelPrefix
        request.firstNumber = firstNumber
        let response: Coffer_V1_GenerateKeysResponse = try await call(
            Coffer_V1_TokenService.Method.GenerateKeys.descriptor, request, session: session, requestID: id)
        return response.handles
    }

    /// Generates a key pair; returns both handles. Repeating the call with the same `request` makes
    /// no second pair (see `RequestID`).
    public func generateKeyPair(
        mechanism: Coffer_V1_Mechanism, publicTemplate: [Coffer_V1_Attribute], privateTemplate: [Coffer_V1_Attribute],
        session: UInt64 = 0, request id: RequestID = RequestID()
    ) async throws(CofferClientError) -> (publicKey: UInt64, privateKey: UInt64) {
        var request = Coffer_V1_GenerateKeyPairRequest()
        request.mechanism = mechanism
        request.publicTemplate = publicTemplate
        request.privateTemplate = privateTemplate
        let response: Coffer_V1_GenerateKeyPairResponse = try await call(
            Coffer_V1_TokenService.Method.GenerateKeyPair.descriptor, request, session: session, requestID: id)
        return (response.publicHandle, response.privateHandle)
    }

    /// Wraps `key` under `wrappingKey`; returns the wrapped bytes. `quorumToken`, when given, is
    /// sent instead of the client's (a PKCS#11 session's token).
    public func wrapKey(
        mechanism: Coffer_V1_Mechanism, wrappingKey: UInt64, key: UInt64, session: UInt64 = 0, quorumToken token: String = ""
    ) async throws(CofferClientError) -> Data {
        var request = Coffer_V1_WrapKeyRequest()
        request.header.quorumToken = token
        request.mechanism = mechanism
        request.wrappingKey = wrappingKey
        request.key = key
        let response: Coffer_V1_WrapKeyResponse = try await call(
            Coffer_V1_TokenService.Method.WrapKey.descriptor, request, session: session)
        return response.wrappedKey
    }

    /// Unwraps `wrappedKey` into a new object described by `template`; returns its handle. Repeating
    /// the call with the same `request` makes no second key (see `RequestID`). `quorumToken` as for `wrapKey`.
    public func unwrapKey(
        mechanism: Coffer_V1_Mechanism, unwrappingKey: UInt64, wrappedKey: Data, template: [Coffer_V1_Attribute],
        session: UInt64 = 0, request id: RequestID = RequestID(), quorumToken token: String = ""
    ) async throws(CofferClientError) -> UInt64 {
        var request = Coffer_V1_UnwrapKeyRequest()
        request.header.quorumToken = token
        request.mechanism = mechanism
        request.unwrappingKey = unwrappingKey
        request.wrappedKey = wrappedKey
        request.template = template
        let response: Coffer_V1_UnwrapKeyResponse = try await call(
            Coffer_V1_TokenService.Method.UnwrapKey.descriptor, request, session: session, requestID: id)
        return response.handle
    }

    /// Derives a key from `baseKey` (ECDH, HKDF); returns its handle. Repeating the call with the
    /// same `request` makes no second key (see `RequestID`).
    public func deriveKey(
        mechanism: Coffer_V1_Mechanism, baseKey: UInt64, template: [Coffer_V1_Attribute], session: UInt64 = 0,
        request id: RequestID = RequestID()
    ) async throws(CofferClientError) -> UInt64 {
        var request = Coffer_V1_DeriveKeyRequest()
        request.mechanism = mechanism
        request.baseKey = baseKey
        request.template = template
        let response: Coffer_V1_DeriveKeyResponse = try await call(
            Coffer_V1_TokenService.Method.DeriveKey.descriptor, request, session: session, requestID: id)
        return response.handle
    }

    /// Encapsulates a new secret key to `publicKey` (ML-KEM); returns its handle and the ciphertext.
    /// Not repeatable: a repeat would make a different secret, so a lost answer is an error.
    public func encapsulateKey(
        mechanism: Coffer_V1_Mechanism, publicKey: UInt64, template: [Coffer_V1_Attribute], session: UInt64 = 0,
        request id: RequestID = RequestID()
    ) async throws(CofferClientError) -> (handle: UInt64, ciphertext: [UInt8]) {
        var request = Coffer_V1_EncapsulateKeyRequest()
        request.mechanism = mechanism
        request.publicKey = publicKey
        request.template = template
        let response: Coffer_V1_EncapsulateKeyResponse = try await call(
            Coffer_V1_TokenService.Method.EncapsulateKey.descriptor, request, session: session, requestID: id)
        return (response.handle, Array(response.ciphertext))
    }

    /// Decapsulates `ciphertext` with `privateKey` (ML-KEM) into a new secret key; returns its
    /// handle. Repeating the call with the same `request` makes no second key (see `RequestID`).
    public func decapsulateKey(
        mechanism: Coffer_V1_Mechanism, privateKey: UInt64, ciphertext: [UInt8], template: [Coffer_V1_Attribute],
        session: UInt64 = 0, request id: RequestID = RequestID()
    ) async throws(CofferClientError) -> UInt64 {
        var request = Coffer_V1_DecapsulateKeyRequest()
        request.mechanism = mechanism
        request.privateKey = privateKey
        request.ciphertext = Data(ciphertext)
        request.template = template
        let response: Coffer_V1_DecapsulateKeyResponse = try await call(
            Coffer_V1_TokenService.Method.DecapsulateKey.descriptor, request, session: session, requestID: id)
        return response.handle
    }
}

extension CofferClient {
    /// The cluster CA's attestation of key `handle` for `nonce` (docs/attestation.md): the
    /// certificate and the CA certificate, PEM, unchecked.
    public func attestKey(_ handle: UInt64, nonce: [UInt8]) async throws(CofferClientError) -> (certificatePEM: String, caPEM: String) {
        var request = Coffer_V1_AttestKeyRequest()
        request.handle = handle
        request.nonce = Data(nonce)
        let response: Coffer_V1_AttestKeyResponse = try await call(Coffer_V1_TokenService.Method.AttestKey.descriptor, request)
        return (response.certificatePem, response.caCertificatePem)
    }
}
