// A CK_ATTRIBUTE array whose values live in memory the template owns, so that the pointers stay
// valid for as long as a C call needs them.

import CPKCS11

/// An owned attribute template.
final class AttributeTemplate {
    private let storage: UnsafeMutableRawPointer
    private let attributes: UnsafeMutablePointer<CK_ATTRIBUTE>
    /// The number of attributes.
    let count: Int

    /// One attribute before it is laid out.
    struct Entry {
        let type: CK_ATTRIBUTE_TYPE
        let bytes: [UInt8]

        static func bool(_ type: CK_ATTRIBUTE_TYPE, _ value: Bool) -> Entry {
            Entry(type: type, bytes: [value ? 1 : 0])
        }

        static func ulong(_ type: CK_ATTRIBUTE_TYPE, _ value: CK_ULONG) -> Entry {
            Entry(type: type, bytes: withUnsafeBytes(of: value) { Array($0) })
        }

        static func string(_ type: CK_ATTRIBUTE_TYPE, _ value: String) -> Entry {
            Entry(type: type, bytes: Array(value.utf8))
        }

        static func bytes(_ type: CK_ATTRIBUTE_TYPE, _ value: [UInt8]) -> Entry {
            Entry(type: type, bytes: value)
        }
    }

    init(_ entries: [Entry]) {
        count = entries.count
        let total = entries.reduce(0) { $0 + $1.bytes.count }
        storage = UnsafeMutableRawPointer.allocate(byteCount: max(total, 1), alignment: 8)
        attributes = UnsafeMutablePointer<CK_ATTRIBUTE>.allocate(capacity: max(entries.count, 1))
        var offset = 0
        for (index, entry) in entries.enumerated() {
            let value = storage + offset
            entry.bytes.withUnsafeBytes { bytes in
                if let base = bytes.baseAddress { value.copyMemory(from: base, byteCount: bytes.count) }
            }
            attributes[index] = CK_ATTRIBUTE(type: entry.type, pValue: value, ulValueLen: CK_ULONG(entry.bytes.count))
            offset += entry.bytes.count
        }
    }

    deinit {
        storage.deallocate()
        attributes.deallocate()
    }

    /// The array to pass as CK_ATTRIBUTE_PTR (valid while the template lives).
    var pointer: UnsafeMutablePointer<CK_ATTRIBUTE> { attributes }
}
