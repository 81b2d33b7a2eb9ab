// Checkpoints as C2SP signed notes: the text format, the key ID as the specification computes it,
// signing and opening; a changed text, size or root, a signature by an unknown key only, a known
// key's bad signature and malformed notes are refused.

import CofferAudit
import Crypto
import Foundation
import Testing

@Suite struct SignedNoteTests {
    static let root = Array(SHA256.hash(data: Array("root".utf8)))

    @Test func aCheckpointReadsBackAndItsNoteOpensUnderItsKey() throws {
        let checkpoint = Checkpoint(origin: "coffer.example/cluster-1", size: 42, root: Self.root)
        #expect(checkpoint.text == "coffer.example/cluster-1\n42\n\(Data(Self.root).base64EncodedString())\n")
        #expect(try Checkpoint(text: checkpoint.text) == checkpoint)

        let key = Curve25519.Signing.PrivateKey()
        let note = try SignedNote.sign(checkpoint.text, name: "node-a", key: key)
        #expect(note.hasPrefix(checkpoint.text + "\n\u{2014} node-a "))
        let verifier = try NoteVerifier(name: "node-a", publicKey: key.publicKey)
        let opened = try SignedNote.open(note, verifiers: [verifier])
        #expect(opened.text == checkpoint.text && opened.signedBy == ["node-a"])
        #expect(try Checkpoint(text: opened.text).size == 42)

        // The key ID: SHA-256(name || 0x0A || 0x01 || key)[:4], also in the verifier key's text form.
        let digest = Array(SHA256.hash(data: Array("node-a".utf8) + [0x0A, 0x01] + Array(key.publicKey.rawRepresentation)))
        #expect(verifier.keyID == UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3]))
        let blob = try #require(Data(base64Encoded: String(note.split(separator: " ").last!.dropLast())))
        #expect(Array(blob.prefix(4)) == Array(digest.prefix(4)) && blob.count == 68)
        #expect(verifier.text.hasPrefix("node-a+" + digest.prefix(4).map { String(format: "%02x", $0) }.joined() + "+"))
    }

    @Test func changedOrForeignNotesAreRefused() throws {
        let key = Curve25519.Signing.PrivateKey()
        let verifier = try NoteVerifier(name: "node-a", publicKey: key.publicKey)
        let text = Checkpoint(origin: "coffer.example/c", size: 7, root: Self.root).text
        let note = try SignedNote.sign(text, name: "node-a", key: key)

        let biggerSize = note.replacingOccurrences(of: "\n7\n", with: "\n8\n")
        #expect(throws: NoteError.self) { try SignedNote.open(biggerSize, verifiers: [verifier]) }
        // Signed by a key that is not a node's: ignored, and then nothing known signed it.
        let stranger = try SignedNote.sign(text, name: "node-a", key: Curve25519.Signing.PrivateKey())
        #expect(throws: NoteError("no signature by a known key")) { try SignedNote.open(stranger, verifiers: [verifier]) }
        // A known name and ID whose signature does not verify refuses the note. The character changed
        // is inside the signature's base64, not its last one: that one's low bits are padding, which
        // a decoder may ignore (the note would then still verify, one run in sixteen).
        var bytes = Array(note.utf8)
        let last = bytes.count - 10
        bytes[last] = bytes[last] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(throws: NoteError.self) { try SignedNote.open(String(decoding: bytes, as: UTF8.self), verifiers: [verifier]) }
        for bad in ["", text, text + "\n", text + "\nnot a signature\n", text.replacingOccurrences(of: "\n", with: "\r\n") + "\n\u{2014} node-a AAAA\n"] {
            #expect(throws: NoteError.self) { try SignedNote.open(bad, verifiers: [verifier]) }
        }
        #expect(throws: NoteError.self) { try Checkpoint(text: "origin\nseven\n\(Data(Self.root).base64EncodedString())\n") }
        #expect(throws: NoteError.self) { try Checkpoint(text: "origin\n7\nAAAA\n") }
        #expect(throws: NoteError.self) { try NoteVerifier(name: "a b", publicKey: key.publicKey) }
        // Two signers: a verifier that knows either one opens it.
        let second = Curve25519.Signing.PrivateKey()
        let cosigned = note + String(try SignedNote.sign(text, name: "node-b", key: second).dropFirst(text.count + 1))
        let both = try SignedNote.open(cosigned, verifiers: [verifier, try NoteVerifier(name: "node-b", publicKey: second.publicKey)])
        #expect(both.signedBy == ["node-a", "node-b"])
    }
}
