// Key management (PKCS#11 2.40 section 5.13): generation, wrapping, unwrapping and derivation, each
// one call to the node, which enforces CKA_EXTRACTABLE, CKA_WRAP/CKA_UNWRAP/CKA_DERIVE and the templates.
import CPKCS11
import CofferClient
import CofferProtocol
import Foundation

/// C_GenerateKey.
@_cdecl("C_GenerateKey")
public func cGenerateKey(
    _ session: CK_SESSION_HANDLE, _ mechanism: UnsafeMutablePointer<CK_MECHANISM>?, _ template: UnsafeMutablePointer<CK_ATTRIBUTE>?,
    _ count: CK_ULONG, _ key: UnsafeMutablePointer<CK_OBJECT_HANDLE>?
) -> CK_RV {
    returnCode { () throws(CKRError) in
        _ = try Library.shared.session(session)
        let key = try required(key)
        let decoded = try MechanismParameters.decode(mechanism)
        let attributes = try Template.attributes(template, count)
        let request = RequestID()
        key.pointee = CK_OBJECT_HANDLE(
            try Library.shared.callOnSession(session, .repeatable) { (client: CofferClient, remote: UInt64) async throws(CofferClientError) in
                try await client.generateKey(mechanism: decoded, template: attributes, session: remote, request: request)
            })
    }
}

/// C_GenerateKeyPair.
@_cdecl("C_GenerateKeyPair")
public func cGenerateKeyPair(
    _ session: CK_SESSION_HANDLE, _ mechanism: UnsafeMutablePointer<CK_MECHANISM>?,
    _ publicTemplate: UnsafeMutablePointer<CK_ATTRIBUTE>?, _ publicCount: CK_ULONG,
    _ privateTemplate: UnsafeMutablePointer<CK_ATTRIBUTE>?, _ privateCount: CK_ULONG,
    _ publicKey: UnsafeMutablePointer<CK_OBJECT_HANDLE>?, _ privateKey: UnsafeMutablePointer<CK_OBJECT_HANDLE>?
) -> CK_RV {
    returnCode { () throws(CKRError) in
        _ = try Library.shared.session(session)
        let publicKey = try required(publicKey)
        let privateKey = try required(privateKey)
        let decoded = try MechanismParameters.decode(mechanism)
        let publicAttributes = try Template.attributes(publicTemplate, publicCount)
        let privateAttributes = try Template.attributes(privateTemplate, privateCount)
        let request = RequestID()
        let pair = try Library.shared.callOnSession(session, .repeatable) { (client: CofferClient, remote: UInt64) async throws(CofferClientError) in
            try await client.generateKeyPair(
                mechanism: decoded, publicTemplate: publicAttributes, privateTemplate: privateAttributes, session: remote, request: request)
        }
        publicKey.pointee = CK_OBJECT_HANDLE(pair.publicKey)
        privateKey.pointee = CK_OBJECT_HANDLE(pair.privateKey)
    }
}

/// C_WrapKey: two-call convention for the wrapped bytes. A length query (or a short buffer) wraps
/// on the node and keeps the result for the retry with the same arguments, so the retry returns
/// exactly the bytes whose length was reported.
@_cdecl("C_WrapKey")
public func cWrapKey(
    _ session: CK_SESSION_HANDLE, _ mechanism: UnsafeMutablePointer<CK_MECHANISM>?, _ wrappingKey: CK_OBJECT_HANDLE,
    _ key: CK_OBJECT_HANDLE, _ wrapped: UnsafeMutablePointer<CK_BYTE>?, _ wrappedLength: UnsafeMutablePointer<CK_ULONG>?
) -> CK_RV {
    returnCode { () throws(CKRError) in
        _ = try Library.shared.session(session)
        let decoded = try MechanismParameters.decode(mechanism)
        let wrappedLength = try required(wrappedLength)
        guard wrappingKey != 0 else { throw CKRError(CK_RV(CKR_WRAPPING_KEY_HANDLE_INVALID)) }
        guard key != 0 else { throw CKRError(CK_RV(CKR_KEY_HANDLE_INVALID)) }
        let request = WrapRequest(mechanism: decoded, wrappingKey: UInt64(wrappingKey), key: UInt64(key))
        let result: [UInt8]
        if let kept = try Library.shared.withSession(session, { $0.wrapped }), kept.request == request {
            result = kept.bytes
        } else {
            // A presented token is spent by the node: never sent twice.
            let approval = try Library.shared.takeApproval(session)
            result = Array(
                try Library.shared.callOnSession(session, approval.isEmpty ? .safe : .once) {
                    (client: CofferClient, remote: UInt64) async throws(CofferClientError) in
                    try await client.wrapKey(
                        mechanism: decoded, wrappingKey: request.wrappingKey, key: request.key, session: remote, quorumToken: approval)
                })
        }
        let outcome: OutputBuffer.Outcome
        do throws(CKRError) {
            outcome = try OutputBuffer.write(result, to: wrapped, count: wrappedLength)
        } catch {
            _ = try? Library.shared.withSession(session) { $0.wrapped = (request, result) }
            throw error
        }
        try Library.shared.withSession(session) { (state: inout Session) in
            state.wrapped = outcome == .lengthOnly ? (request, result) : nil
        }
    }
}

/// C_UnwrapKey.
@_cdecl("C_UnwrapKey")
public func cUnwrapKey(
    _ session: CK_SESSION_HANDLE, _ mechanism: UnsafeMutablePointer<CK_MECHANISM>?, _ unwrappingKey: CK_OBJECT_HANDLE,
    _ wrapped: UnsafeMutablePointer<CK_BYTE>?, _ wrappedLength: CK_ULONG, _ template: UnsafeMutablePointer<CK_ATTRIBUTE>?,
    _ count: CK_ULONG, _ key: UnsafeMutablePointer<CK_OBJECT_HANDLE>?
) -> CK_RV {
    returnCode { () throws(CKRError) in
        _ = try Library.shared.session(session)
        let decoded = try MechanismParameters.decode(mechanism)
        let key = try required(key)
        guard let wrapped else { throw CKRError(CK_RV(CKR_ARGUMENTS_BAD)) }
        guard unwrappingKey != 0 else { throw CKRError(CK_RV(CKR_UNWRAPPING_KEY_HANDLE_INVALID)) }
        let bytes = Data(try inputBytes(wrapped, wrappedLength, tooLong: CK_RV(CKR_WRAPPED_KEY_LEN_RANGE)))
        let attributes = try Template.attributes(template, count)
        let request = RequestID()
        let approval = try Library.shared.takeApproval(session)
        key.pointee = CK_OBJECT_HANDLE(
            try Library.shared.callOnSession(session, .repeatable) { (client: CofferClient, remote: UInt64) async throws(CofferClientError) in
                try await client.unwrapKey(
                    mechanism: decoded, unwrappingKey: UInt64(unwrappingKey), wrappedKey: bytes, template: attributes, session: remote,
                    request: request, quorumToken: approval)
            })
    }
}

/// C_DeriveKey (CKM_ECDH1_DERIVE, CKM_HKDF_DERIVE).
@_cdecl("C_DeriveKey")
public func cDeriveKey(
    _ session: CK_SESSION_HANDLE, _ mechanism: UnsafeMutablePointer<CK_MECHANISM>?, _ baseKey: CK_OBJECT_HANDLE,
    _ template: UnsafeMutablePointer<CK_ATTRIBUTE>?, _ count: CK_ULONG, _ key: UnsafeMutablePointer<CK_OBJECT_HANDLE>?
) -> CK_RV {
    returnCode { () throws(CKRError) in
        _ = try Library.shared.session(session)
        let decoded = try MechanismParameters.decode(mechanism)
        let key = try required(key)
        guard baseKey != 0 else { throw CKRError(CK_RV(CKR_KEY_HANDLE_INVALID)) }
        let attributes = try Template.attributes(template, count)
        let request = RequestID()
        key.pointee = CK_OBJECT_HANDLE(
            try Library.shared.callOnSession(session, .repeatable) { (client: CofferClient, remote: UInt64) async throws(CofferClientError) in
                try await client.deriveKey(mechanism: decoded, baseKey: UInt64(baseKey), template: attributes, session: remote, request: request)
            })
    }
}
