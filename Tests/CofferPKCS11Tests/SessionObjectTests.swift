// Session objects through the library against a real cofferd (C/sessions.c, mode "objects"): a
// CKA_TOKEN=false key made in a read-only session, used from the others, gone after C_CloseSession
// and C_Logout; and the node's raw SQLite files never hold its record or its value.
import CofferTestSupport
import Foundation
import Testing

@Suite struct SessionObjectTests {
    @Test func sessionKeysLiveInTheSessionAndNeverInTheStore() throws {
        let fixture = try PKCS11Fixture()
        let folder = fixture.node.folder
        guard let program = try CProgram.compile("sessions", in: folder) else { return }
        let result = try program.run(configuration: fixture.configuration, [PKCS11Fixture.library, fixture.pin, "objects"], folder: folder)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains(" 0 failed"), "\(result.stdout)")

        let printed = Dictionary(
            result.stdout.split(separator: "\n").compactMap { line -> (String, String)? in
                let parts = line.split(separator: " ")
                return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
            }, uniquingKeysWith: { first, _ in first })
        let sessionHandle = try #require(printed["session-handle"])
        let tokenHandle = try #require(printed["token-handle"])
        let value = try #require(printed["session-value"].flatMap(Self.bytes))
        #expect(value.count == 32)

        // Every file of the node's store (database, WAL, shared memory), searched byte for byte.
        let store = try Self.storeFiles(under: fixture.node.dataDirectory)
        #expect(!store.isEmpty)
        let raw = try store.flatMap { [UInt8](try Data(contentsOf: URL(fileURLWithPath: $0))) }
        #expect(!Self.contains(raw, Array("coffer/v1/d/o/\(sessionHandle)".utf8)), "the session key's record is in the store")
        #expect(!Self.contains(raw, value), "the session key's value is in the store")
        // The search works: the token key's record key (store keys are in the clear) is found.
        #expect(Self.contains(raw, Array("coffer/v1/d/o/\(tokenHandle)".utf8)), "\(store)")
    }

    static func storeFiles(under directory: String) throws -> [String] {
        let names = FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String } ?? []
        return names.filter { $0.contains(".sqlite") || $0.hasSuffix("-wal") || $0.hasSuffix(".db") }.map { directory + "/" + $0 }
    }

    static func bytes(_ hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<($0 + 2)], as: UTF8.self), radix: 16) ?? 0 }
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        var index = 0
        while let found = haystack[index...].firstIndex(of: needle[0]) {
            if found + needle.count > haystack.count { return false }
            if haystack[found..<(found + needle.count)].elementsEqual(needle) { return true }
            index = found + 1
        }
        return false
    }
}
