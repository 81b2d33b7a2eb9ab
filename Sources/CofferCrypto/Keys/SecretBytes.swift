// A heap buffer for secret bytes that is zeroised when released, for key material
// that passes through Coffer outside swift-crypto's own types.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Secret bytes, zeroised on deinit. Copying the reference does not copy the bytes.
public final class SecretBytes: @unchecked Sendable {
    private let buffer: UnsafeMutableRawBufferPointer

    public init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        buffer = .allocate(byteCount: Swift.max(bytes.count, 1), alignment: 16)
        _ = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<bytes.count]).initializeMemory(as: UInt8.self, from: bytes)
        count = bytes.count
    }

    /// Takes ownership of the bytes in `array` and zeroises the array's storage.
    public convenience init(consuming array: inout [UInt8]) {
        self.init(array)
        array.withUnsafeMutableBytes { SecretBytes.zeroise($0) }
        array = []
    }

    /// The number of secret bytes.
    public let count: Int

    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
    }

    /// A copy as an array. The caller owns zeroising it; prefer `withUnsafeBytes`.
    public var unsafeCopy: [UInt8] { withUnsafeBytes { Array($0) } }

    deinit {
        SecretBytes.zeroise(buffer)
        buffer.deallocate()
    }

    /// Overwrites memory with zeros in a way the optimiser does not remove.
    public static func zeroise(_ memory: UnsafeMutableRawBufferPointer) {
        guard let base = memory.baseAddress, memory.count > 0 else { return }
        #if canImport(Darwin)
        _ = memset_s(base, memory.count, 0, memory.count)
        #else
        explicit_bzero(base, memory.count)
        #endif
    }
}
