// TokenService.GenerateKeys over the in-process transport: the keys are findable by their numbered
// labels and usable, one call moves the revision once, and every bad input has its CKR.

import CofferCrypto
import CofferModel
import CofferProtocol
import Foundation
import GRPCCore
import Testing
@testable import CofferServer
@testable import CofferState

@Suite struct GenerateKeysServiceTests {
    static func request(_ token: String, count: UInt32, prefix: String = "bulk-", first: UInt64 = 0) -> Coffer_V1_GenerateKeysRequest {
        var request = Coffer_V1_GenerateKeysRequest()
        request.header = header(token)
        request.mechanism = mechanism(.aesKeyGen)
        request.template = TokenServiceTests.aesTemplate(label: "unused").filter { $0.type != AttributeType.label.rawValue }
        request.count = count
        request.labelPrefix = prefix
        request.firstNumber = first
        return request
    }

    static func find(_ c: Clients, _ token: String, label: String) async throws -> [UInt64] {
        var request = Coffer_V1_FindObjectsRequest()
        request.header = header(token)
        request.template = [attribute(.label, .string(label))]
        return try await c.token.findObjects(request).handles
    }

    @Test func generatesFindableUsableKeysInOneTransaction() async throws {
        let f = try await ServerFixture.make()
        try await f.run { c in
            let admin = try await c.login("admin", ServerFixture.adminPassword)
            let alice = try await c.cryptoUser("alice", admin: admin)
            let revision = f.state.revision
            let handles = try await c.token.generateKeys(Self.request(alice, count: 20, first: 5)).handles
            #expect(handles.count == 20)
            #expect(f.state.revision == revision + 1)
            #expect(try await Self.find(c, alice, label: "bulk-5") == [handles[0]])
            #expect(try await Self.find(c, alice, label: "bulk-24") == [handles[19]])
            #expect(try await Self.find(c, alice, label: "bulk-25").isEmpty)
            let sealed = try await c.token.encrypt(TokenServiceTests.cipher(handles[3], alice, [1, 2, 3]))
            #expect(sealed.data.count == 3 + 16)
        }
    }

    @Test func badInputsHaveTheirCKRAndWriteNothing() async throws {
        let f = try await ServerFixture.make()
        try await f.run { c in
            let admin = try await c.login("admin", ServerFixture.adminPassword)
            let alice = try await c.cryptoUser("alice", admin: admin)
            let revision = f.state.revision
            #expect(await returnCode { try await c.token.generateKeys(Self.request(alice, count: 0)) } == .argumentsBad)
            #expect(await returnCode { try await c.token.generateKeys(Self.request(alice, count: 1001)) } == .argumentsBad)
            #expect(await returnCode { try await c.token.generateKeys(Self.request(alice, count: 2, first: .max)) } == .argumentsBad)
            var noMechanism = Self.request(alice, count: 2)
            noMechanism.clearMechanism()
            #expect(await returnCode { try await c.token.generateKeys(noMechanism) } == .argumentsBad)
            var labelled = Self.request(alice, count: 2)
            labelled.template.append(attribute(.label, .string("l")))
            #expect(await returnCode { try await c.token.generateKeys(labelled) } == .templateInconsistent)
            var unknown = Self.request(alice, count: 2)
            var odd = Coffer_V1_Attribute()
            odd.type = 0x7777_7777
            odd.value = Data([1])
            unknown.template.append(odd)
            #expect(await returnCode { try await c.token.generateKeys(unknown) } == .attributeTypeInvalid)
            var session = Self.request(alice, count: 2)
            session.template = session.template.filter { $0.type != AttributeType.token.rawValue } + [attribute(.token, .bool(false))]
            #expect(await returnCode { try await c.token.generateKeys(session) } == .templateInconsistent)
            var badLength = Self.request(alice, count: 2)
            badLength.template = badLength.template.filter { $0.type != AttributeType.valueLen.rawValue } + [attribute(.valueLen, .ulong(3))]
            #expect(await returnCode { try await c.token.generateKeys(badLength) } == .keySizeRange)
            #expect(await returnCode { try await c.token.generateKeys(Self.request(admin, count: 2)) } == .userNotLoggedIn)
            #expect(f.state.revision == revision)
        }
    }
}
