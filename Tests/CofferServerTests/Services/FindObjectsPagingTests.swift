// TokenService.FindObjects pages over the in-process transport: ascending handles, `more` while
// matches remain past the page, `after` continues where the last page ended, and a limit bounds it;
// with attribute types, each object's public attributes come along and key material never does.

import CofferCrypto
import CofferModel
import CofferProtocol
import Foundation
import Testing
@testable import CofferServer

@Suite struct FindObjectsPagingTests {
    static func page(
        _ c: Clients, _ token: String, after: UInt64 = 0, limit: UInt32 = 0, label: String? = nil
    ) async throws -> Coffer_V1_FindObjectsResponse {
        var request = Coffer_V1_FindObjectsRequest()
        request.header = header(token)
        request.after = after
        request.limit = limit
        if let label { request.template = [attribute(.label, .string(label))] }
        return try await c.token.findObjects(request)
    }

    @Test func pagesCoverEveryMatchOnce() async throws {
        let f = try await ServerFixture.make()
        try await f.run { c in
            let admin = try await c.login("admin", ServerFixture.adminPassword)
            let alice = try await c.cryptoUser("alice", admin: admin)
            var made: [UInt64] = []
            for first in [0, 1000] as [UInt64] {
                made += try await c.token.generateKeys(
                    GenerateKeysServiceTests.request(alice, count: first == 0 ? 1000 : 500, first: first)
                ).handles
            }
            #expect(made.count == 1500)

            // The default page is 1,000 and says there is more; the next page ends the search.
            let first = try await Self.page(c, alice)
            #expect(first.handles.count == 1000)
            #expect(first.more)
            #expect(first.handles == first.handles.sorted())
            let second = try await Self.page(c, alice, after: try #require(first.handles.last))
            #expect(second.handles.count == 500)
            #expect(!second.more)
            #expect(first.handles + second.handles == made.sorted())

            // Small pages walk the same set.
            var walked: [UInt64] = []
            var after: UInt64 = 0
            var pages = 0
            while pages < 100 {
                let page = try await Self.page(c, alice, after: after, limit: 64)
                pages += 1
                #expect(page.handles.count <= 64)
                walked += page.handles
                guard page.more, let last = page.handles.last else { break }
                after = last
            }
            #expect(walked == made.sorted())
            #expect(pages == 24)

            // A cursor between handles, past the end, and a page that ends exactly at the last match.
            let middle = made.sorted()[700]
            #expect(try await Self.page(c, alice, after: middle, limit: 3).handles == Array(made.sorted()[701...703]))
            let past = try await Self.page(c, alice, after: made.max()! + 1)
            #expect(past.handles.isEmpty && !past.more)
            let exact = try await Self.page(c, alice, after: made.sorted()[1498], limit: 1)
            #expect(exact.handles == [made.max()!] && !exact.more)
            // A template still filters: one match, no more.
            let one = try await Self.page(c, alice, label: "bulk-1234")
            #expect(one.handles.count == 1 && !one.more)
        }
    }

    @Test func attributesComeWithTheSearchButNoSecret() async throws {
        let f = try await ServerFixture.make()
        try await f.run { c in
            let admin = try await c.login("admin", ServerFixture.adminPassword)
            let alice = try await c.cryptoUser("alice", admin: admin)
            // Extractable and not sensitive: GetAttributes would reveal CKA_VALUE; a search must not.
            let open = try await TokenServiceTests.generateAES(c, alice, label: "open", extractable: true, sensitive: false)
            let closed = try await TokenServiceTests.generateAES(c, alice, label: "closed")
            var request = Coffer_V1_FindObjectsRequest()
            request.header = header(alice)
            request.attributeTypes = [AttributeType.label, .value, .modulus, .valueLen, .sensitive].map(\.rawValue)
            let found = try await c.token.findObjects(request)
            #expect(found.handles == [open, closed].sorted())
            #expect(found.objects.map(\.handle) == found.handles)
            for object in found.objects {
                let byType = Dictionary(uniqueKeysWithValues: object.attributes.map { ($0.type, $0) })
                if object.handle == open {
                    #expect(byType[AttributeType.value.rawValue] == nil, "a secret component travelled with a search")
                } else {
                    // The sensitive key's CKA_VALUE: only the refusal GetAttributes gives anyone.
                    #expect(byType[AttributeType.value.rawValue]?.error == UInt64(ReturnCode.attributeSensitive.rawValue))
                    #expect(byType[AttributeType.value.rawValue]?.value.isEmpty != false)
                }
                #expect(byType[AttributeType.label.rawValue]?.value == Data((object.handle == open ? "open" : "closed").utf8))
                #expect(byType[AttributeType.modulus.rawValue]?.error == UInt64(ReturnCode.attributeTypeInvalid.rawValue))
                #expect(byType[AttributeType.valueLen.rawValue]?.value.isEmpty == false)
                #expect(byType[AttributeType.sensitive.rawValue]?.value == Data([object.handle == open ? 0 : 1]))
            }
            // GetAttributes still answers CKA_VALUE of the open key (the search only leaves it out).
            var get = Coffer_V1_GetAttributesRequest()
            get.header = header(alice)
            get.handle = open
            get.types = [AttributeType.value.rawValue]
            #expect(try await c.token.getAttributes(get).attributes.first?.value.count == 32)
            // Too many types is refused.
            request.attributeTypes = Array(repeating: AttributeType.label.rawValue, count: 257)
            #expect(await returnCode { try await c.token.findObjects(request) } == .argumentsBad)
        }
    }
}
