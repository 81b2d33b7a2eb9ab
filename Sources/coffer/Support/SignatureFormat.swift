// `--format` of `coffer crypto sign` and `verify`: an ECDSA signature as PKCS#11 gives it (r || s,
// each the curve's size) or DER (an ASN.1 SEQUENCE of the two INTEGERs, as OpenSSL, X.509 and most
// libraries write it). The curve comes from the key's CKA_EC_PARAMS; swift-crypto does the encoding.

import ArgumentParser
import CofferClient
import Crypto
import Foundation

/// The signature layout on disk.
enum SignatureFormat: String, ExpressibleByArgument, CaseIterable {
    case raw, der

    /// The named curves by their DER-encoded OID (CKA_EC_PARAMS).
    private enum Curve {
        case p256, p384, p521

        init?(parameters: Data) {
            switch Array(parameters) {
            case [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]: self = .p256
            case [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22]: self = .p384
            case [0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x23]: self = .p521
            default: return nil
            }
        }
    }

    /// The EC key's curve, or a CLI error naming why `--format der` does not apply.
    private static func curve(_ client: CofferClient, key handle: UInt64) async throws -> Curve {
        let ecParams: UInt64 = 0x180  // CKA_EC_PARAMS
        let kind = try await KeyLookup.kind(client, handle)
        guard kind.keyType == 0x3 else { throw CLIError("--format der is for ECDSA signatures; this key is not an EC key") }
        let read = try await client.getAttributes(handle, types: [ecParams])
        guard let parameters = read.first?.bytes, let curve = Curve(parameters: parameters) else {
            throw CLIError("--format der: the key's curve is not P-256, P-384 or P-521")
        }
        return curve
    }

    /// `raw` (as the node made it) in this format.
    func encode(_ raw: Data, client: CofferClient, key: UInt64) async throws -> Data {
        guard self == .der else { return raw }
        do {
            switch try await Self.curve(client, key: key) {
            case .p256: return try P256.Signing.ECDSASignature(rawRepresentation: raw).derRepresentation
            case .p384: return try P384.Signing.ECDSASignature(rawRepresentation: raw).derRepresentation
            case .p521: return try P521.Signing.ECDSASignature(rawRepresentation: raw).derRepresentation
            }
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("--format der: the signature is not an ECDSA signature of the key's curve")
        }
    }

    /// A signature in this format as the node takes it (raw).
    func decode(_ signature: Data, client: CofferClient, key: UInt64) async throws -> Data {
        guard self == .der else { return signature }
        do {
            switch try await Self.curve(client, key: key) {
            case .p256: return try P256.Signing.ECDSASignature(derRepresentation: signature).rawRepresentation
            case .p384: return try P384.Signing.ECDSASignature(derRepresentation: signature).rawRepresentation
            case .p521: return try P521.Signing.ECDSASignature(derRepresentation: signature).rawRepresentation
            }
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("--format der: the signature file is not a DER ECDSA signature for the key's curve")
        }
    }
}
