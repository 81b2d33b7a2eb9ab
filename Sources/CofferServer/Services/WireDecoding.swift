// Turning hostile request bytes into typed values: templates, mechanisms with their parameters,
// enums and bounded byte strings. Anything malformed fails here, before any state is touched.

import CofferCrypto
import CofferModel
import CofferProtocol
import Foundation

/// Decoding and bounding of request fields.
enum WireDecoding {
    /// Most attributes in one template or attribute list.
    static let maxAttributes = 256
    /// Most bytes in one attribute value (certificates and data objects included).
    static let maxAttributeBytes = 1 << 20
    /// Most input to a single-part operation or one Update.
    static let maxDataBytes = CofferWire.maxDataBytes
    /// Most bytes GenerateRandom returns.
    static let maxRandomBytes = 1 << 20
    /// Most bytes in one mechanism parameter field.
    static let maxParameterBytes = 64 << 10
    /// FindObjects' page when the request names none, and the most it may ask for. A search with
    /// more matches answers `more`, and the caller pages on with `after` (never a silent cap).
    static let defaultFindLimit = 1000
    static let maxFindLimit = 10_000
    /// A page that carries attributes ends once they pass this many bytes (gRPC's message limit is 4 MiB).
    static let maxFoundAttributeBytes = 1 << 20

    /// A template's typed attributes.
    static func template(_ attributes: [Coffer_V1_Attribute]) throws(ServiceFailure) -> AttributeSet {
        guard attributes.count <= maxAttributes else { throw .argumentsBad("more than \(maxAttributes) attributes") }
        var raw: [RawAttribute] = []
        raw.reserveCapacity(attributes.count)
        for attribute in attributes {
            guard attribute.value.count <= maxAttributeBytes else {
                throw ServiceFailure(.attributeValueInvalid, "attribute value longer than \(maxAttributeBytes) bytes")
            }
            raw.append(RawAttribute(type: AttributeType(rawValue: attribute.type), value: Array(attribute.value)))
        }
        do { return try AttributeSet(template: raw) } catch { throw ServiceFailure(error) }
    }

    /// Input bytes of an operation, bounded.
    static func data(_ data: Data) throws(ServiceFailure) -> [UInt8] {
        guard data.count <= maxDataBytes else { throw ServiceFailure(.dataLenRange, "input longer than \(maxDataBytes) bytes") }
        return Array(data)
    }

    /// A mechanism that takes no parameter (CKM_ML_KEM): one given is CKR_MECHANISM_PARAM_INVALID.
    static func unparameterised(_ mechanism: Coffer_V1_Mechanism, present: Bool) throws(ServiceFailure) -> MechanismType {
        let (type, parameters) = try self.mechanism(mechanism, present: present)
        guard parameters == .none else { throw ServiceFailure(.mechanismParamInvalid, "this mechanism takes no parameter") }
        return type
    }

    /// A mechanism and its parameter. A missing mechanism is CKR_ARGUMENTS_BAD; a parameter that cannot be
    /// what it claims is CKR_MECHANISM_PARAM_INVALID (the mechanism itself checks that the kind fits it).
    static func mechanism(_ mechanism: Coffer_V1_Mechanism, present: Bool) throws(ServiceFailure) -> (MechanismType, MechanismParameters) {
        guard present else { throw .argumentsBad("no mechanism given") }
        let type = MechanismType(rawValue: UInt(mechanism.type))
        guard let parameter = mechanism.parameter else { return (type, .none) }
        let parameters: MechanismParameters
        switch parameter {
        case .iv(let iv):
            parameters = .iv(try bytes(iv))
        case .gcm(let gcm):
            parameters = .gcm(iv: try bytes(gcm.iv), additionalData: try bytes(gcm.additionalData), tagBits: Int(gcm.tagBits))
        case .ctr(let ctr):
            parameters = .ctr(counterBits: Int(ctr.counterBits), counterBlock: try bytes(ctr.counterBlock))
        case .pss(let pss):
            parameters = .pss(hash: MechanismType(rawValue: UInt(pss.hash)), mgf: try mgf(pss.mgf), saltLength: Int(pss.saltLength))
        case .oaep(let oaep):
            parameters = .oaep(hash: MechanismType(rawValue: UInt(oaep.hash)), mgf: try mgf(oaep.mgf), label: try bytes(oaep.label))
        case .ecdh(let ecdh):
            guard let kdf = UInt(exactly: ecdh.kdf).flatMap(ECDHKDF.init(rawValue:)) else {
                throw ServiceFailure(.mechanismParamInvalid, "unsupported ECDH KDF \(ecdh.kdf)")
            }
            parameters = .ecdh(kdf: kdf, sharedData: try bytes(ecdh.sharedData), publicData: try bytes(ecdh.publicData))
        case .hkdf(let hkdf):
            parameters = .hkdf(
                HKDFParameters(
                    extract: hkdf.extract, expand: hkdf.expand, hash: MechanismType(rawValue: UInt(hkdf.hash)),
                    salt: try bytes(hkdf.salt), info: try bytes(hkdf.info)))
        case .eddsa(let eddsa):
            parameters = .eddsa(prehash: eddsa.prehash, context: try bytes(eddsa.context))
        case .signatureContext(let context):
            parameters = .signatureContext(try bytes(context))
        }
        return (type, parameters)
    }

    /// A role from the wire; unspecified or unknown is CKR_ARGUMENTS_BAD.
    static func role(_ role: Coffer_V1_Role) throws(ServiceFailure) -> Role {
        switch role {
        case .admin: .admin
        case .cryptoUser: .cryptoUser
        case .auditor: .auditor
        case .unspecified, .UNRECOGNIZED: throw .argumentsBad("unknown role")
        }
    }

    /// A role for the wire.
    static func wire(_ role: Role) -> Coffer_V1_Role {
        switch role {
        case .admin: .admin
        case .cryptoUser: .cryptoUser
        case .auditor: .auditor
        }
    }

    /// An operation kind from the wire.
    static func operationKind(_ kind: Coffer_V1_OperationKind) throws(ServiceFailure) -> OperationKind {
        switch kind {
        case .encrypt: .encrypt
        case .decrypt: .decrypt
        case .sign: .sign
        case .verify: .verify
        case .digest: .digest
        case .unspecified, .UNRECOGNIZED: throw .argumentsBad("unknown operation kind")
        }
    }

    /// A password, bounded well above the accepted lengths so that no huge input reaches the verifier.
    static func password(_ data: Data) throws(ServiceFailure) -> SecretBytes {
        guard data.count <= 1024 else { throw ServiceFailure(.pinLenRange, "password too long") }
        var bytes = Array(data)
        return SecretBytes(consuming: &bytes)
    }

    private static func bytes(_ data: Data) throws(ServiceFailure) -> [UInt8] {
        guard data.count <= maxParameterBytes else {
            throw ServiceFailure(.mechanismParamInvalid, "parameter longer than \(maxParameterBytes) bytes")
        }
        return Array(data)
    }

    private static func mgf(_ raw: UInt64) throws(ServiceFailure) -> MGF {
        guard let mgf = UInt(exactly: raw).flatMap(MGF.init(rawValue:)) else {
            throw ServiceFailure(.mechanismParamInvalid, "unknown MGF \(raw)")
        }
        return mgf
    }
}
