// PKCS#11's fixed-width text fields: UTF-8, padded with blanks, never NUL-terminated.
import CPKCS11

/// Blank-padded fixed-width fields.
enum PaddedText {
    /// Writes `text` into a fixed-size field (a C char array imported as a tuple), cut to fit.
    static func write<Field>(_ text: String, into field: inout Field) {
        withUnsafeMutableBytes(of: &field) { bytes in
            _ = bytes.initializeMemory(as: UInt8.self, repeating: 0x20)
            for (index, byte) in text.utf8.prefix(bytes.count).enumerated() { bytes[index] = byte }
        }
    }
}
