// PKCS#11 3.2 key encapsulation (section 5.18): C_EncapsulateKey and C_DecapsulateKey, in the 3.2
// function list only. CKM_ML_KEM is the one mechanism; the shared secret becomes a secret key object.
import CPKCS11
import CofferClient
import CofferProtocol
import Foundation

/// C_EncapsulateKey: two-call convention for the ciphertext. A length query (pCiphertext NULL) or
/// a short buffer makes no key: the length comes from the public key's parameter set, so the key
/// is made only when its ciphertext has room. Not repeated on another node if the answer is lost
/// (a repeat would make a different secret): the caller sees CKR_DEVICE_REMOVED and asks again.
@_cdecl("C_EncapsulateKey")
public func cEncapsulateKey(
    _ session: CK_SESSION_HANDLE, _ mechanism: UnsafeMutablePointer<CK_MECHANISM>?, _ publicKey: CK_OBJECT_HANDLE,
    _ template: UnsafeMutablePointer<CK_ATTRIBUTE>?, _ count: CK_ULONG, _ ciphertext: UnsafeMutablePointer<CK_BYTE>?,
    _ ciphertextLength: UnsafeMutablePointer<CK_ULONG>?, _ key: UnsafeMutablePointer<CK_OBJECT_HANDLE>?
) -> CK_RV {
    returnCode { () throws(CKRError) in
        _ = try Library.shared.session(session)
        let decoded = try MechanismParameters.decode(mechanism)
        let ciphertextLength = try required(ciphertextLength)
        guard publicKey != 0 else { throw CKRError(CK_RV(CKR_KEY_HANDLE_INVALID)) }
        let attributes = try Template.attributes(template, count)
        let needed = try Encapsulation.ciphertextLength(session, mechanism: decoded.type, publicKey: publicKey)
        guard let ciphertext else {
            ciphertextLength.pointee = needed
            return
        }
        let key = try required(key)
        guard ciphertextLength.pointee >= needed else {
            ciphertextLength.pointee = needed
            throw CKRError(CK_RV(CKR_BUFFER_TOO_SMALL))
        }
        let made = try Library.shared.callOnSession(session, .once) { (client: CofferClient, remote: UInt64) async throws(CofferClientError) in
            try await client.encapsulateKey(mechanism: decoded, publicKey: UInt64(publicKey), template: attributes, session: remote)
        }
        // The node's ciphertext has the parameter set's length; anything else is the node's fault.
        guard made.ciphertext.count <= Int(clamping: ciphertextLength.pointee) else { throw CKRError(CK_RV(CKR_DEVICE_ERROR)) }
        ciphertext.update(from: made.ciphertext, count: made.ciphertext.count)
        ciphertextLength.pointee = CK_ULONG(made.ciphertext.count)
        key.pointee = CK_OBJECT_HANDLE(made.handle)
    }
}

/// C_DecapsulateKey: the ciphertext opened with the private key into a new secret key. Repeated
/// on the next node if its node fails (the same request id makes no second key).
@_cdecl("C_DecapsulateKey")
public func cDecapsulateKey(
    _ session: CK_SESSION_HANDLE, _ mechanism: UnsafeMutablePointer<CK_MECHANISM>?, _ privateKey: CK_OBJECT_HANDLE,
    _ template: UnsafeMutablePointer<CK_ATTRIBUTE>?, _ count: CK_ULONG, _ ciphertext: UnsafeMutablePointer<CK_BYTE>?,
    _ ciphertextLength: CK_ULONG, _ key: UnsafeMutablePointer<CK_OBJECT_HANDLE>?
) -> CK_RV {
    returnCode { () throws(CKRError) in
        _ = try Library.shared.session(session)
        let decoded = try MechanismParameters.decode(mechanism)
        let key = try required(key)
        guard privateKey != 0 else { throw CKRError(CK_RV(CKR_KEY_HANDLE_INVALID)) }
        guard let ciphertext, ciphertextLength > 0 else { throw CKRError(CK_RV(CKR_ARGUMENTS_BAD)) }
        let bytes = try inputBytes(ciphertext, ciphertextLength, tooLong: CK_RV(CKR_ENCRYPTED_DATA_LEN_RANGE))
        let attributes = try Template.attributes(template, count)
        let request = RequestID()
        key.pointee = CK_OBJECT_HANDLE(
            try Library.shared.callOnSession(session, .repeatable) { (client: CofferClient, remote: UInt64) async throws(CofferClientError) in
                try await client.decapsulateKey(
                    mechanism: decoded, privateKey: UInt64(privateKey), ciphertext: bytes, template: attributes, session: remote,
                    request: request)
            })
    }
}

enum Encapsulation {
    /// FIPS 203's ciphertext length for each CKA_PARAMETER_SET Coffer makes (CKP_ML_KEM_512 keys
    /// are not made or imported).
    static let ciphertextLengths: [UInt64: CK_ULONG] = [UInt64(CKP_ML_KEM_768): 1088, UInt64(CKP_ML_KEM_1024): 1568]

    /// The ciphertext length an encapsulation to `publicKey` with `mechanism` produces, from the
    /// key's type and parameter set (cached from a search, or asked of the node).
    static func ciphertextLength(_ session: CK_SESSION_HANDLE, mechanism: UInt64, publicKey: CK_OBJECT_HANDLE) throws(CKRError) -> CK_ULONG {
        guard mechanism == UInt64(CKM_ML_KEM) else { throw CKRError(CK_RV(CKR_MECHANISM_INVALID)) }
        let types = [UInt64(CKA_CLASS), UInt64(CKA_KEY_TYPE), UInt64(CKA_PARAMETER_SET)]
        let results: [Coffer_V1_AttributeResult]
        do throws(CKRError) {
            // From the last search's attributes when it found the key (AttributeCache), else one call.
            if let cached = try Library.shared.cachedAttributes(UInt64(publicKey), types: types) {
                results = cached
            } else {
                results = try Library.shared.callOnSession(session, .safe) { (client: CofferClient, remote: UInt64) async throws(CofferClientError) in
                    try await client.getAttributes(UInt64(publicKey), types: types, session: remote)
                }
            }
        } catch where error.code == CK_RV(CKR_OBJECT_HANDLE_INVALID) {
            throw CKRError(CK_RV(CKR_KEY_HANDLE_INVALID))
        }
        func value(_ type: CK_ATTRIBUTE_TYPE) -> UInt64? {
            guard let bytes = results.first(where: { $0.type == UInt64(type) })?.bytes, bytes.count == 8 else { return nil }
            return bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        }
        // As the node would answer: the key type first, then whether this key can encapsulate at all.
        guard value(CKA_KEY_TYPE) == UInt64(CKK_ML_KEM), let set = value(CKA_PARAMETER_SET), let length = ciphertextLengths[set] else {
            throw CKRError(CK_RV(CKR_KEY_TYPE_INCONSISTENT))
        }
        guard value(CKA_CLASS) == UInt64(CKO_PUBLIC_KEY) else { throw CKRError(CK_RV(CKR_KEY_FUNCTION_NOT_PERMITTED)) }
        return length
    }
}
