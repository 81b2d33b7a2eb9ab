// Key management (PKCS#11 2.40 section 5.13): generation on the node. Wrap, unwrap and derive are
// not wired yet (CKR_FUNCTION_NOT_SUPPORTED).
import CPKCS11
import CofferClient
import CofferProtocol

/// C_GenerateKey.
@_cdecl("C_GenerateKey")
public func cGenerateKey(
    _ session: CK_SESSION_HANDLE, _ mechanism: UnsafeMutablePointer<CK_MECHANISM>?, _ template: UnsafeMutablePointer<CK_ATTRIBUTE>?,
    _ count: CK_ULONG, _ key: UnsafeMutablePointer<CK_OBJECT_HANDLE>?
) -> CK_RV {
    returnCode { () throws(CKRError) in
        let remote = try Library.shared.session(session).remote
        let key = try required(key)
        let decoded = try MechanismParameters.decode(mechanism)
        let attributes = try Template.attributes(template, count)
        key.pointee = CK_OBJECT_HANDLE(
            try Library.shared.call { (client: CofferClient) async throws(CofferClientError) in
                try await client.generateKey(mechanism: decoded, template: attributes, session: remote)
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
        let remote = try Library.shared.session(session).remote
        let publicKey = try required(publicKey)
        let privateKey = try required(privateKey)
        let decoded = try MechanismParameters.decode(mechanism)
        let publicAttributes = try Template.attributes(publicTemplate, publicCount)
        let privateAttributes = try Template.attributes(privateTemplate, privateCount)
        let pair = try Library.shared.call { (client: CofferClient) async throws(CofferClientError) in
            try await client.generateKeyPair(
                mechanism: decoded, publicTemplate: publicAttributes, privateTemplate: privateAttributes, session: remote)
        }
        publicKey.pointee = CK_OBJECT_HANDLE(pair.publicKey)
        privateKey.pointee = CK_OBJECT_HANDLE(pair.privateKey)
    }
}

/// C_WrapKey: not wired yet.
@_cdecl("C_WrapKey")
public func cWrapKey(
    _ session: CK_SESSION_HANDLE, _ mechanism: UnsafeMutablePointer<CK_MECHANISM>?, _ wrappingKey: CK_OBJECT_HANDLE,
    _ key: CK_OBJECT_HANDLE, _ wrapped: UnsafeMutablePointer<CK_BYTE>?, _ wrappedLength: UnsafeMutablePointer<CK_ULONG>?
) -> CK_RV {
    CK_RV(CKR_FUNCTION_NOT_SUPPORTED)
}

/// C_UnwrapKey: not wired yet.
@_cdecl("C_UnwrapKey")
public func cUnwrapKey(
    _ session: CK_SESSION_HANDLE, _ mechanism: UnsafeMutablePointer<CK_MECHANISM>?, _ unwrappingKey: CK_OBJECT_HANDLE,
    _ wrapped: UnsafeMutablePointer<CK_BYTE>?, _ wrappedLength: CK_ULONG, _ template: UnsafeMutablePointer<CK_ATTRIBUTE>?,
    _ count: CK_ULONG, _ key: UnsafeMutablePointer<CK_OBJECT_HANDLE>?
) -> CK_RV {
    CK_RV(CKR_FUNCTION_NOT_SUPPORTED)
}

/// C_DeriveKey: not wired yet (ECDH and HKDF parameters are not decoded).
@_cdecl("C_DeriveKey")
public func cDeriveKey(
    _ session: CK_SESSION_HANDLE, _ mechanism: UnsafeMutablePointer<CK_MECHANISM>?, _ baseKey: CK_OBJECT_HANDLE,
    _ template: UnsafeMutablePointer<CK_ATTRIBUTE>?, _ count: CK_ULONG, _ key: UnsafeMutablePointer<CK_OBJECT_HANDLE>?
) -> CK_RV {
    CK_RV(CKR_FUNCTION_NOT_SUPPORTED)
}
