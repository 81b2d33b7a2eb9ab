// Random number generation (PKCS#11 2.40 section 5.15): bytes come from the node's generator.
import CPKCS11
import CofferClient
import Foundation

/// C_SeedRandom: the node's generator takes no seed from callers.
@_cdecl("C_SeedRandom")
public func cSeedRandom(_ session: CK_SESSION_HANDLE, _ seed: UnsafeMutablePointer<CK_BYTE>?, _ seedLength: CK_ULONG) -> CK_RV {
    returnCode { () throws(CKRError) in
        _ = try Library.shared.session(session)
        guard seed != nil || seedLength == 0 else { throw CKRError(CK_RV(CKR_ARGUMENTS_BAD)) }
        throw CKRError(CK_RV(CKR_RANDOM_SEED_NOT_SUPPORTED))
    }
}

/// C_GenerateRandom: asks the node in pieces of at most 1 MiB.
@_cdecl("C_GenerateRandom")
public func cGenerateRandom(_ session: CK_SESSION_HANDLE, _ buffer: UnsafeMutablePointer<CK_BYTE>?, _ length: CK_ULONG) -> CK_RV {
    returnCode { () throws(CKRError) in
        _ = try Library.shared.session(session)
        guard length > 0 else { return }
        let buffer = try required(buffer)
        var filled = 0
        while filled < Int(length) {
            let piece = UInt32(min(Int(length) - filled, Limits.randomPerRequest))
            let bytes = try Library.shared.callOnSession(session, .safe) { (client: CofferClient, remote: UInt64) async throws(CofferClientError) in
                try await client.generateRandom(length: piece, session: remote)
            }
            guard bytes.count == Int(piece) else { throw CKRError(CK_RV(CKR_DEVICE_ERROR)) }
            bytes.copyBytes(to: buffer + filled, count: bytes.count)
            filled += bytes.count
        }
    }
}
