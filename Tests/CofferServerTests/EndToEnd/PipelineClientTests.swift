// CofferClient's pipeline against a real `cofferd --dev`: a thousand and more concurrent single-part calls on
// one connection (batched, and split when a burst is larger than a batch may be), each answered with
// its own result, and a node-side refusal arriving as the unary call's CKR.

import CofferClient
import CofferProtocol
import CofferTestSupport
import Foundation
import Testing

@Suite struct PipelineClientTests {
    static func gcm(iv: UInt8) -> Coffer_V1_Mechanism {
        var parameters = Coffer_V1_GcmParameters()
        parameters.iv = Data(repeating: iv, count: 12)
        parameters.tagBits = 128
        var mechanism = Coffer_V1_Mechanism()
        mechanism.type = 0x1087  // CKM_AES_GCM
        mechanism.gcm = parameters
        return mechanism
    }

    /// A client logged in as a new crypto-user alice on `node`, and an AES-256 key of hers labelled `label`.
    static func aliceWithKey(
        on node: DevNode, configuration: ClientConfiguration, label: String
    ) async throws -> (CofferClient, UInt64) {
        let admin = try CofferClient(configuration: configuration)
        _ = try await admin.login(user: "admin", password: Array(try node.adminPassword.utf8), scope: .connection)
        _ = try await admin.createUser(name: "alice", role: .cryptoUser, password: Array("correct horse".utf8))
        await admin.close()
        let client = try CofferClient(configuration: configuration)
        _ = try await client.login(user: "alice", password: Array("correct horse".utf8), scope: .connection)
        var keyGen = Coffer_V1_Mechanism()
        keyGen.type = 0x1080  // CKM_AES_KEY_GEN
        let key = try await client.generateKey(
            mechanism: keyGen,
            template: [
                .ulong(0x0, 4), .ulong(0x100, 0x1F), .ulong(0x161, 32), .bool(0x1, true), .string(0x3, label),
                .bool(0x104, true), .bool(0x105, true),
            ])
        return (client, key)
    }

    @Test func concurrentCallsOnOneConnectionEachGetTheirOwnAnswer() async throws {
        let node = try DevNode()
        defer { node.remove() }
        // A generous deadline: in a loaded test run the debug node's password hashing is slow, and
        // the last of the queued calls may wait a while; the deadline is not what this test is about.
        var configuration = try ClientConfiguration.load(profileAt: node.profilePath)
        configuration.deadline = .seconds(120)
        // Two fast-path connections, so that calls spread over both.
        configuration.fastPathConnections = 2
        let (client, key) = try await Self.aliceWithKey(on: node, configuration: configuration, label: "pipeline")

        let count = 1_500
        let results = try await withThrowingTaskGroup(of: (Int, Data, Data).self) { group in
            for index in 0..<count {
                group.addTask {
                    let plaintext = Data("message \(index)".utf8)
                    let mechanism = Self.gcm(iv: UInt8(index % 251))
                    let ciphertext = try await client.encrypt(mechanism: mechanism, key: key, data: plaintext)
                    let opened = try await client.decrypt(mechanism: mechanism, key: key, data: ciphertext)
                    return (index, plaintext, opened)
                }
            }
            var all: [(Int, Data, Data)] = []
            for try await result in group { all.append(result) }
            return all
        }
        #expect(results.count == count)
        #expect(results.allSatisfy { $0.1 == $0.2 })

        // A key handle the node does not know: CKR_KEY_HANDLE_INVALID, as the unary call gives it.
        let error = await #expect(throws: CofferClientError.self) {
            _ = try await client.encrypt(mechanism: Self.gcm(iv: 1), key: key + 12_345, data: Data([1]))
        }
        #expect(error?.kind == .rejected)
        #expect(error?.returnCode == 0x60)

        // By now the fast path has attached (bounded wait: a loaded debug node may be slow), and
        // calls on it get their own answers and CKRs too.
        for _ in 0..<600 where client.fastPathConnections == 0 { try await Task.sleep(for: .milliseconds(100)) }
        #expect(client.fastPathConnections == 2)
        try await Self.roundTrips(client, key: key, count: 300)
        let fastError = await #expect(throws: CofferClientError.self) {
            _ = try await client.encrypt(mechanism: Self.gcm(iv: 1), key: key + 12_345, data: Data([1]))
        }
        #expect(fastError?.returnCode == 0x60)
        await client.close()

        // A client with the fast path off stays on the gRPC stream.
        configuration.usesFastPath = false
        let plain = try CofferClient(configuration: configuration)
        _ = try await plain.login(user: "alice", password: Array("correct horse".utf8), scope: .connection)
        try await Self.roundTrips(plain, key: key, count: 100)
        #expect(plain.fastPathConnections == 0)
        await plain.close()
    }

    /// `count` concurrent GCM encrypt-then-decrypt round trips, each checked.
    static func roundTrips(_ client: CofferClient, key: UInt64, count: Int) async throws {
        let results = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<count {
                group.addTask {
                    let plaintext = Data("again \(index)".utf8)
                    let mechanism = Self.gcm(iv: UInt8(index % 251))
                    let ciphertext = try await client.encrypt(mechanism: mechanism, key: key, data: plaintext)
                    return try await client.decrypt(mechanism: mechanism, key: key, data: ciphertext) == plaintext
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.count == count)
        #expect(results.allSatisfy { $0 })
    }

    /// Calls of up to the data limit work alone and several at once, on the gRPC pipeline stream and
    /// on the fast path: batches are split below the 8 MiB message limit, and replies too. One byte
    /// past the limit is CKR_DATA_LEN_RANGE from the client, never a broken stream.
    @Test(arguments: [false, true]) func largeCallsFitAndOversizedOnesAreRefused(fastPath: Bool) async throws {
        let node = try DevNode()
        defer { node.remove() }
        var configuration = try ClientConfiguration.load(profileAt: node.profilePath)
        configuration.deadline = .seconds(120)
        configuration.usesFastPath = fastPath
        let (client, key) = try await Self.aliceWithKey(on: node, configuration: configuration, label: "large")
        defer { Task { await client.close() } }
        // 4 MiB of plaintext: its ciphertext (and the tag) still decrypts in one call.
        let largest = Data((0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let roundTrips = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<3 {
                group.addTask {
                    let mechanism = Self.gcm(iv: UInt8(index + 1))
                    let sealed = try await client.encrypt(mechanism: mechanism, key: key, data: largest)
                    return try await client.decrypt(mechanism: mechanism, key: key, data: sealed) == largest
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(roundTrips == [true, true, true])

        let oversized = Data(count: CofferWire.maxDataBytes + 1)
        await #expect {
            _ = try await client.encrypt(mechanism: Self.gcm(iv: 9), key: key, data: oversized)
        } throws: { error in
            (error as? CofferClientError)?.returnCode == CofferReturnCode.dataLenRange
        }
        // The connection is fine afterwards.
        let small = try await client.encrypt(mechanism: Self.gcm(iv: 10), key: key, data: Data("after".utf8))
        #expect(try await client.decrypt(mechanism: Self.gcm(iv: 10), key: key, data: small) == Data("after".utf8))
    }
}
