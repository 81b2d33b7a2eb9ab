// Reading a caller's CK_ATTRIBUTE array into wire attributes. On 64-bit Linux a caller's CK_ULONG
// is eight little-endian bytes and CK_BBOOL one byte, which is exactly the wire's raw encoding,
// so values are copied as they are.
import CPKCS11
import CofferProtocol
import Foundation

/// A caller's template.
enum Template {
    /// Copies `count` attributes (bounded; NULL where values are needed is CKR_ARGUMENTS_BAD).
    static func attributes(_ template: UnsafeMutablePointer<CK_ATTRIBUTE>?, _ count: CK_ULONG) throws(CKRError) -> [Coffer_V1_Attribute] {
        guard count > 0 else { return [] }
        guard let template else { throw CKRError(CK_RV(CKR_ARGUMENTS_BAD)) }
        guard count <= CK_ULONG(Limits.templateAttributes) else { throw CKRError(CK_RV(CKR_ARGUMENTS_BAD)) }
        var attributes: [Coffer_V1_Attribute] = []
        for index in 0..<Int(count) {
            let attribute = template[index]
            let value = try inputBytes(
                attribute.pValue?.assumingMemoryBound(to: CK_BYTE.self), attribute.ulValueLen,
                tooLong: CK_RV(CKR_ATTRIBUTE_VALUE_INVALID))
            attributes.append(.bytes(UInt64(attribute.type), Data(value)))
        }
        return attributes
    }

    /// The attribute types of a template (for C_GetAttributeValue).
    static func types(_ template: UnsafeMutablePointer<CK_ATTRIBUTE>, _ count: CK_ULONG) throws(CKRError) -> [UInt64] {
        guard count <= CK_ULONG(Limits.templateAttributes) else { throw CKRError(CK_RV(CKR_ARGUMENTS_BAD)) }
        return (0..<Int(count)).map { UInt64(template[$0].type) }
    }

    /// Fills a C_GetAttributeValue template from the node's results (PKCS#11 2.40 section 5.7,
    /// C_GetAttributeValue): every attribute that can be filled is; the others get
    /// CK_UNAVAILABLE_INFORMATION and their CKR is returned.
    static func fill(
        _ template: UnsafeMutablePointer<CK_ATTRIBUTE>, _ count: CK_ULONG, from results: [Coffer_V1_AttributeResult]
    ) throws(CKRError) {
        var code = CK_RV(CKR_OK)
        for index in 0..<Int(count) {
            let type = UInt64(template[index].type)
            let result = results.first { $0.type == type }
            guard let value = result?.bytes else {
                template[index].ulValueLen = unavailableInformation
                code = CK_RV(result?.returnCode ?? UInt(CKR_ATTRIBUTE_TYPE_INVALID))
                continue
            }
            if let destination = template[index].pValue {
                guard template[index].ulValueLen >= CK_ULONG(value.count) else {
                    template[index].ulValueLen = unavailableInformation
                    code = CK_RV(CKR_BUFFER_TOO_SMALL)
                    continue
                }
                value.copyBytes(to: destination.assumingMemoryBound(to: UInt8.self), count: value.count)
            }
            template[index].ulValueLen = CK_ULONG(value.count)
        }
        guard code == CK_RV(CKR_OK) else { throw CKRError(code) }
    }
}
