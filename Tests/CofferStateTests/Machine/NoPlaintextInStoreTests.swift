// Proof that the store holds no key material, password or share in the clear: the raw SQLite
// files (database and WAL) are searched for the exact bytes.

import CofferCrypto
import CofferModel
import Foundation
import Testing
@testable import CofferState

@Suite struct NoPlaintextInStoreTests {
    @Test func rawSQLiteFilesHoldNoSecrets() async throws {
        let f = try await StateFixture.make(.sqlite)
        defer { f.cleanUp() }
        let alice = try await f.cryptoUser("alice")
        let importedValue = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let template = AttributeSet([
            (.objectClass, .ulong(ObjectClass.secretKey.rawValue)), (.keyType, .ulong(KeyType.aes.rawValue)),
            (.value, .bytes(importedValue)), (.label, .string("imported-key-label")), (.encrypt, .bool(true)),
            (.sensitive, .bool(false)), (.extractable, .bool(true)), (.token, .bool(true)),
        ])
        let imported = try await f.machine.createObject(template, by: alice)
        let generated = try await f.machine.generateKey(
            mechanism: .aesKeyGen, template: StateFixture.aesTemplate(label: "gen", extractable: true, sensitive: false), by: alice)
        let (pub, priv) = StateFixture.ecTemplates(label: "ec")
        let pair = try await f.machine.generateKeyPair(mechanism: .ecKeyPairGen, publicTemplate: pub, privateTemplate: priv, by: alice)

        var secrets: [(String, [UInt8])] = [
            ("imported AES key", importedValue),
            ("admin password", Array("admin-password".utf8)),
            ("alice password", StateFixture.password("alice").unsafeCopy),
            ("label", Array("imported-key-label".utf8)),
            ("user name", Array("alice".utf8)),
        ]
        guard case .bytes(let generatedValue) = try f.machine.attributeValue(.value, of: generated, for: alice),
            case .privateKey(let privateKey) = try f.machine.key(pair.privateKey, for: .sign, mechanism: .ecdsa, by: alice)
        else { Issue.record("keys missing"); return }
        secrets.append(("generated AES key", generatedValue))
        // The PKCS#8 encoding and, inside it, the scalar: search for a 16-byte window of each.
        let pkcs8 = privateKey.serialized().unsafeCopy
        secrets.append(("EC private key (PKCS#8)", Array(pkcs8.suffix(16))))
        for share in f.shares {
            let encoded = share.encoded().unsafeCopy
            secrets.append(("share \(share.x)", Array(encoded.suffix(20))))
            secrets.append(("share text", Array(share.text().utf8)))
        }
        _ = imported

        let folder = try #require(f.folder)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(files.contains { $0.hasSuffix(".sqlite") })
        var searched = 0
        for file in files {
            let bytes = [UInt8](try Data(contentsOf: folder.appendingPathComponent(file)))
            searched += bytes.count
            for (name, secret) in secrets {
                let found = Self.contains(bytes, secret)
                #expect(!found, "\(name) found in the clear in \(file)")
            }
        }
        #expect(searched > 0)
        // The search itself works: a value that is stored in the clear (the seal configuration's key name) is found.
        let all = try files.flatMap { [UInt8](try Data(contentsOf: folder.appendingPathComponent($0))) }
        let foundControl = Self.contains(all, RecordKey.sealConfiguration)
        #expect(foundControl)
    }

    /// Whether `needle` occurs in `haystack` (the raw-file search, shared with SessionObjectTests).
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        let first = needle[0]
        var index = 0
        while let found = haystack[index...].firstIndex(of: first) {
            if found + needle.count > haystack.count { return false }
            if haystack[found..<(found + needle.count)].elementsEqual(needle) { return true }
            index = found + 1
        }
        return false
    }
}
