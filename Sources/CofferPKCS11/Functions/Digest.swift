// Message digesting (PKCS#11 2.40 section 5.10) on the node; multi-part data is buffered and
// digested in one call at C_DigestFinal, and C_DigestKey moves the digest onto the node.
import CPKCS11
import CofferClient
import CofferProtocol
import Foundation

/// C_DigestInit.
@_cdecl("C_DigestInit")
public func cDigestInit(_ session: CK_SESSION_HANDLE, _ mechanism: UnsafeMutablePointer<CK_MECHANISM>?) -> CK_RV {
    returnCode { () throws(CKRError) in
        try Library.shared.startOperation(.digest, session: session, mechanism: mechanism, key: 0)
    }
}

/// C_Digest.
@_cdecl("C_Digest")
public func cDigest(
    _ session: CK_SESSION_HANDLE, _ data: UnsafeMutablePointer<CK_BYTE>?, _ dataLength: CK_ULONG,
    _ digest: UnsafeMutablePointer<CK_BYTE>?, _ digestLength: UnsafeMutablePointer<CK_ULONG>?
) -> CK_RV {
    returnCode { () throws(CKRError) in
        let input = try operationInput(.digest, session, data, dataLength)
        try Library.shared.finishOperation(
            .digest, session: session, input: input, output: digest, outputLength: digestLength)
    }
}

/// C_DigestUpdate.
@_cdecl("C_DigestUpdate")
public func cDigestUpdate(_ session: CK_SESSION_HANDLE, _ part: UnsafeMutablePointer<CK_BYTE>?, _ partLength: CK_ULONG) -> CK_RV {
    returnCode { () throws(CKRError) in
        try Library.shared.append(.digest, session: session, try operationInput(.digest, session, part, partLength))
    }
}

/// C_DigestKey (PKCS#11 3.0 section 5.12): the node digests the secret key's value, which never
/// leaves it, after the data given so far. Only secret keys with CKA_EXTRACTABLE true
/// (CKR_KEY_INDIGESTIBLE otherwise); an error ends the digest.
@_cdecl("C_DigestKey")
public func cDigestKey(_ session: CK_SESSION_HANDLE, _ key: CK_OBJECT_HANDLE) -> CK_RV {
    returnCode { () throws(CKRError) in
        try Library.shared.digestKey(session: session, key: UInt64(key))
    }
}

/// C_DigestFinal.
@_cdecl("C_DigestFinal")
public func cDigestFinal(
    _ session: CK_SESSION_HANDLE, _ digest: UnsafeMutablePointer<CK_BYTE>?, _ digestLength: UnsafeMutablePointer<CK_ULONG>?
) -> CK_RV {
    returnCode { () throws(CKRError) in
        try Library.shared.finishOperation(
            .digest, session: session, input: nil, output: digest, outputLength: digestLength)
    }
}
