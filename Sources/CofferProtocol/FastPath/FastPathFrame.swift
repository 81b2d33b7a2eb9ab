// The fast path's framing (docs/protocol.md, "The fast path"): each message is a 4-byte big-endian
// length and that many bytes of protobuf. Shared by the node's listener and the client.

import NIOCore
import SwiftProtobuf

/// Writing and bounds of fast-path frames.
public enum FastPathFrame {
    /// The ALPN protocol both ends offer; a TLS handshake that agrees on anything else is refused.
    public static let applicationProtocol = "coffer-fast/1"
    /// The largest frame either end accepts. A call carries at most 4 MiB of data, and each end
    /// splits its batches well below this.
    public static let maxLength = 16 << 20
    /// A batch or reply frame is closed once its payloads pass this many bytes.
    public static let splitLength = 4 << 20

    /// Appends `message` as one frame.
    public static func write(_ message: some SwiftProtobuf.Message, into buffer: inout ByteBuffer) throws {
        let bytes: [UInt8] = try message.serializedBytes()
        guard bytes.count <= maxLength else { throw FastPathFrameError.tooLong(bytes.count) }
        buffer.writeInteger(UInt32(bytes.count))
        buffer.writeBytes(bytes)
    }

    /// Splits `items` into runs of at most `countLimit` items whose `size`s add up to about
    /// `splitLength` at most (a single item larger than that is a run of its own).
    public static func runs<Item>(
        _ items: [Item], countLimit: Int, size: (Item) -> Int
    ) -> [ArraySlice<Item>] {
        var runs: [ArraySlice<Item>] = []
        var start = 0
        var bytes = 0
        for (index, item) in items.enumerated() {
            let itemSize = size(item)
            if index > start, index - start >= countLimit || bytes + itemSize > splitLength {
                runs.append(items[start..<index])
                start = index
                bytes = 0
            }
            bytes += itemSize
        }
        if start < items.count { runs.append(items[start...]) }
        return runs
    }
}

/// A frame that breaks the fast path's rules; the connection is closed.
public enum FastPathFrameError: Error, Sendable, Equatable {
    /// A length prefix beyond `FastPathFrame.maxLength`.
    case tooLong(Int)
}

/// Cuts a byte stream into frames (the bytes after each length prefix).
public struct FastPathFrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = ByteBuffer

    public init() {}

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return .needMoreData }
        guard length <= FastPathFrame.maxLength else { throw FastPathFrameError.tooLong(Int(length)) }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        context.fireChannelRead(Self.wrapInboundOut(buffer.readSlice(length: Int(length))!))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}
