// The fast path's framing: frames split across reads and several in one read come out whole, a
// length over the limit is an error, and batches split by count and by size.

import CofferProtocol
import NIOCore
import NIOEmbedded
import Testing

@Suite struct FastPathFrameTests {
    @Test func framesComeOutWholeHoweverTheBytesArrive() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FastPathFrameDecoder()))
        var hello = Coffer_V1_FastPathHello()
        hello.ticket = .init(repeating: 7, count: 32)
        var bytes = channel.allocator.buffer(capacity: 128)
        try FastPathFrame.write(hello, into: &bytes)
        try FastPathFrame.write(Coffer_V1_FastPathHello(), into: &bytes)  // an empty message: length 0
        try FastPathFrame.write(hello, into: &bytes)
        // The first frame in two pieces, then the rest in one read.
        try channel.writeInbound(bytes.readSlice(length: 3)!)
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        try channel.writeInbound(bytes.readSlice(length: 35)!)  // 4 + 34 bytes in all
        let first = try #require(try channel.readInbound(as: ByteBuffer.self))
        #expect(try Coffer_V1_FastPathHello(serializedBytes: Array(first.readableBytesView)) == hello)
        try channel.writeInbound(bytes)
        #expect(try channel.readInbound(as: ByteBuffer.self)?.readableBytes == 0)
        let third = try #require(try channel.readInbound(as: ByteBuffer.self))
        #expect(try Coffer_V1_FastPathHello(serializedBytes: Array(third.readableBytesView)) == hello)
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        _ = try channel.finish()
    }

    @Test func aLengthOverTheLimitIsAnError() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FastPathFrameDecoder()))
        var bytes = channel.allocator.buffer(capacity: 8)
        bytes.writeInteger(UInt32(FastPathFrame.maxLength + 1))
        #expect(throws: FastPathFrameError.tooLong(FastPathFrame.maxLength + 1)) { try channel.writeInbound(bytes) }
    }

    @Test func runsSplitByCountAndBySize() {
        let counted = FastPathFrame.runs(Array(0..<10), countLimit: 4) { _ in 1 }
        #expect(counted.map(Array.init) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        let half = FastPathFrame.splitLength / 2
        let sized = FastPathFrame.runs([half, half, 1, FastPathFrame.splitLength * 2, 1], countLimit: 100) { $0 }
        #expect(sized.map(Array.init) == [[half, half], [1], [FastPathFrame.splitLength * 2], [1]])
        #expect(FastPathFrame.runs([Int](), countLimit: 4) { _ in 1 }.isEmpty)
    }
}
