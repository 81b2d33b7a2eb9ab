// Key attestation through PKCS#11 (docs/attestation.md): a vendor-defined signing mechanism,
// CKM_COFFER_KEY_ATTESTATION. C_SignInit names the key to attest; the data given to C_Sign (or
// C_SignUpdate) is the relying party's nonce; the "signature" is the cluster's attestation
// certificate for the key (DER), the one `coffer key attest` writes. It does not use the key, so
// the key need not allow signing (a secret key or a key under a key-usage quorum is attested too).
import CPKCS11
import CofferClient
import CofferProtocol
import Foundation

enum KeyAttestation {
    /// CKM_VENDOR_DEFINED (0x80000000) | 0x434B4154 ("CKAT"): 0xC34B4154.
    static let mechanism: UInt64 = 0x8000_0000 | 0x434B_4154

    /// The nonce lengths the node accepts (NodeAttestation.nonceLengths).
    static let nonceLengths = 16...64

    /// How C_GetMechanismList and C_GetMechanismInfo show it.
    static var info: Coffer_V1_MechanismInfo {
        var info = Coffer_V1_MechanismInfo()
        info.type = mechanism
        info.flags = UInt64(CKF_HW) | UInt64(CKF_SIGN)
        return info
    }

    /// The C_SignInit of an attestation: no parameter; the key must be one the caller can see
    /// (CKR_KEY_HANDLE_INVALID otherwise). Nothing starts on the node: the attestation is made when
    /// the nonce comes.
    static func start(_ library: Library, session handle: CK_SESSION_HANDLE, mechanism: CK_MECHANISM, key: CK_OBJECT_HANDLE) throws(CKRError) {
        guard mechanism.pParameter == nil, mechanism.ulParameterLen == 0 else { throw CKRError(CK_RV(CKR_MECHANISM_PARAM_INVALID)) }
        guard key != 0 else { throw CKRError(CK_RV(CKR_KEY_HANDLE_INVALID)) }
        try library.change { (state: inout Library.State) throws(CKRError) in
            guard var session = state.sessions[handle] else { throw CKRError(CK_RV(CKR_SESSION_HANDLE_INVALID)) }
            guard session.operations[.sign] == nil else { throw CKRError(CK_RV(CKR_OPERATION_ACTIVE)) }
            var operation = Session.Operation(mechanism: .with { $0.type = Self.mechanism }, key: UInt64(key))
            operation.startedOnNode = false
            session.operations[.sign] = operation
            state.sessions[handle] = session
        }
        do throws(CKRError) {
            let classes = try library.callOnSession(handle, .safe) { (client: CofferClient, remote: UInt64) async throws(CofferClientError) in
                try await client.getAttributes(UInt64(key), types: [UInt64(CKA_CLASS)], session: remote)
            }
            let keyClasses = [CKO_PRIVATE_KEY, CKO_SECRET_KEY, CKO_PUBLIC_KEY].map { CK_OBJECT_CLASS($0) }
            guard let value = classes.first?.bytes, value.count == MemoryLayout<CK_OBJECT_CLASS>.size,
                keyClasses.contains(value.withUnsafeBytes { $0.loadUnaligned(as: CK_OBJECT_CLASS.self) })
            else { throw CKRError(CK_RV(CKR_KEY_HANDLE_INVALID)) }
        } catch {
            library.end(.sign, session: handle)
            throw error.code == CK_RV(CKR_OBJECT_HANDLE_INVALID) ? CKRError(CK_RV(CKR_KEY_HANDLE_INVALID)) : error
        }
    }

    /// The attestation certificate (DER) of `operation`'s key for `nonce`.
    static func make(_ library: Library, _ operation: Session.Operation, nonce: [UInt8], session handle: CK_SESSION_HANDLE) throws(CKRError) -> [UInt8] {
        guard nonceLengths.contains(nonce.count) else { throw CKRError(CK_RV(CKR_DATA_LEN_RANGE)) }
        let key = operation.key
        let pem = try library.callOnSession(handle, .safe) { (client: CofferClient, _: UInt64) async throws(CofferClientError) in
            try await client.attestKey(key, nonce: nonce).certificatePEM
        }
        guard let der = Self.der(pem) else { throw CKRError(CK_RV(CKR_DEVICE_ERROR)) }
        return der
    }

    /// The bytes of a PEM document's one block.
    static func der(_ pem: String) -> [UInt8]? {
        let body = pem.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }.joined()
        guard let data = Data(base64Encoded: body), !data.isEmpty else { return nil }
        return Array(data)
    }
}
