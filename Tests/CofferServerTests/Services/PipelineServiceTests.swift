// TokenService.Pipeline over the in-process transport: a batch of calls is answered call by call, by
// id, each with the output or the CKR its unary RPC would give, and a stream carries many batches.

import CofferCrypto
import CofferModel
import CofferProtocol
import Foundation
import GRPCCore
import Testing
@testable import CofferServer

@Suite struct PipelineServiceTests {
    static func call(_ id: UInt64, encrypt request: Coffer_V1_CipherRequest) -> Coffer_V1_PipelineCall {
        var call = Coffer_V1_PipelineCall()
        call.id = id
        call.encrypt = request
        return call
    }

    /// Sends `batches` on one stream and returns every reply by id.
    static func run(_ c: Clients, _ batches: [[Coffer_V1_PipelineCall]]) async throws -> [UInt64: Coffer_V1_PipelineReply] {
        let request = StreamingClientRequest<Coffer_V1_PipelineBatch> { writer in
            for calls in batches {
                var batch = Coffer_V1_PipelineBatch()
                batch.calls = calls
                try await writer.write(batch)
            }
        }
        return try await c.token.pipeline(request: request) { response in
            var replies: [UInt64: Coffer_V1_PipelineReply] = [:]
            for try await message in response.messages {
                for reply in message.replies { replies[reply.id] = reply }
            }
            return replies
        }
    }

    @Test func eachCallIsAnsweredByIdWithItsOutputOrItsCKR() async throws {
        let f = try await ServerFixture.make()
        try await f.run { c in
            let admin = try await c.login("admin", ServerFixture.adminPassword)
            let alice = try await c.cryptoUser("alice", admin: admin)
            let bob = try await c.cryptoUser("bob", admin: admin)
            let key = try await TokenServiceTests.generateAES(c, alice, label: "k")
            let unary = try await c.token.encrypt(TokenServiceTests.cipher(key, alice, [1, 2, 3])).data

            var decrypt = Coffer_V1_PipelineCall()
            decrypt.id = 5
            decrypt.decrypt = TokenServiceTests.cipher(key, alice, Array(unary))
            let replies = try await Self.run(c, [
                [
                    Self.call(1, encrypt: TokenServiceTests.cipher(key, alice, [1, 2, 3])),
                    Self.call(2, encrypt: TokenServiceTests.cipher(key, bob, [1, 2, 3])),
                    Self.call(3, encrypt: TokenServiceTests.cipher(key + 999, alice, [1])),
                ],
                [Coffer_V1_PipelineCall.with { $0.id = 4 }, decrypt],
                (10..<60).map { Self.call(UInt64($0), encrypt: TokenServiceTests.cipher(key, alice, [UInt8($0)])) },
            ])
            #expect(replies.count == 55)
            // The same key, IV and data give the unary call's bytes.
            #expect(replies[1]?.returnCode == 0)
            #expect(replies[1]?.output == unary)
            #expect(replies[1]?.revision ?? 0 > 0)
            // Another user's key, an unknown key and an empty call get the unary call's codes.
            #expect(replies[2]?.returnCode == UInt64(ReturnCode.keyHandleInvalid.rawValue))
            #expect(replies[3]?.returnCode == UInt64(ReturnCode.keyHandleInvalid.rawValue))
            #expect(replies[4]?.returnCode == UInt64(ReturnCode.argumentsBad.rawValue))
            #expect(replies[2]?.message.isEmpty == false)
            #expect(replies[5]?.returnCode == 0)
            #expect(replies[5]?.output == Data([1, 2, 3]))
            for id in UInt64(10)..<60 { #expect(replies[id]?.returnCode == 0) }
        }
    }

    @Test func anOversizedBatchEndsTheStream() async throws {
        let f = try await ServerFixture.make()
        try await f.run { c in
            let admin = try await c.login("admin", ServerFixture.adminPassword)
            let alice = try await c.cryptoUser("alice", admin: admin)
            let call = Self.call(1, encrypt: TokenServiceTests.cipher(1, alice, [1]))
            let error = await #expect(throws: RPCError.self) {
                _ = try await Self.run(c, [Array(repeating: call, count: TokenService.pipelineBatchLimit + 1)])
            }
            #expect(error?.code == .resourceExhausted)
        }
    }
}
