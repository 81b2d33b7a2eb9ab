// The two-call convention for output (PKCS#11 2.40 section 5.2): a NULL buffer asks for the
// length; a short buffer gets CKR_BUFFER_TOO_SMALL and the needed length.
import CPKCS11

/// Writing results into a caller's buffer.
enum OutputBuffer {
    /// What happened to the caller's buffer.
    enum Outcome {
        /// Only the length was asked for or the buffer was short: the operation stays active.
        case lengthOnly
        /// The bytes were copied.
        case delivered
    }

    /// Writes `values` (bytes or handles) and their count; throws CKR_BUFFER_TOO_SMALL when short.
    @discardableResult
    static func write<T>(_ values: [T], to buffer: UnsafeMutablePointer<T>?, count: UnsafeMutablePointer<CK_ULONG>) throws(CKRError) -> Outcome {
        guard let buffer else {
            count.pointee = CK_ULONG(values.count)
            return .lengthOnly
        }
        guard count.pointee >= CK_ULONG(values.count) else {
            count.pointee = CK_ULONG(values.count)
            throw CKRError(CK_RV(CKR_BUFFER_TOO_SMALL))
        }
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { buffer.update(from: base, count: values.count) }
        }
        count.pointee = CK_ULONG(values.count)
        return .delivered
    }
}
