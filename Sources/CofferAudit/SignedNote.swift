// Checkpoints in the C2SP formats, so that other transparency-log tools can read them:
// c2sp.org/tlog-checkpoint (the note text: origin, tree size, root hash, optional extension lines)
// signed as a c2sp.org/signed-note (a blank line, then one line per signature: an em dash, the
// key name, and base64 of a 4-byte key ID and an Ed25519 signature over the note text). A node
// will sign checkpoints of the audit log with its identity key.

import Crypto
import Foundation

/// A tree head: the log it belongs to (`origin`), its size and root.
public struct Checkpoint: Sendable, Equatable {
    public var origin: String
    public var size: UInt64
    public var root: MerkleTree.Hash
    /// Further lines of the note text, after the root (none by default).
    public var extensions: [String]

    public init(origin: String, size: UInt64, root: MerkleTree.Hash, extensions: [String] = []) {
        self.origin = origin
        self.size = size
        self.root = root
        self.extensions = extensions
    }

    /// The note text: one line each for origin, size (decimal) and root (base64), then the extensions.
    public var text: String {
        ([origin, String(size), Data(root).base64EncodedString()] + extensions).map { $0 + "\n" }.joined()
    }

    /// Reads a checkpoint's note text.
    public init(text: String) throws(NoteError) {
        guard text.hasSuffix("\n") else { throw NoteError("a checkpoint's text ends with a newline") }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 3, !lines[0].isEmpty else { throw NoteError("a checkpoint has an origin, a size and a root") }
        guard let size = UInt64(lines[1]), String(size) == lines[1] else {
            throw NoteError("the checkpoint's size \(lines[1]) is not a decimal number")
        }
        guard let root = Data(base64Encoded: lines[2]), root.count == 32 else {
            throw NoteError("the checkpoint's root is not 32 bytes of base64")
        }
        guard lines.dropFirst(3).allSatisfy({ !$0.isEmpty }) else { throw NoteError("a checkpoint has no empty lines") }
        self.init(origin: lines[0], size: size, root: Array(root), extensions: Array(lines.dropFirst(3)))
    }
}

/// Why a note was refused.
public struct NoteError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// An Ed25519 note key: its name and public key, and the 4-byte ID they make.
public struct NoteVerifier: Sendable, Equatable {
    public let name: String
    public let publicKey: Curve25519.Signing.PublicKey
    static let ed25519: UInt8 = 0x01

    public init(name: String, publicKey: Curve25519.Signing.PublicKey) throws(NoteError) {
        guard !name.isEmpty, !name.unicodeScalars.contains(where: { $0 == "+" || $0.properties.isWhitespace || $0.value < 0x20 })
        else { throw NoteError("a key name is not empty and has no spaces or '+'") }
        self.name = name
        self.publicKey = publicKey
    }

    public static func == (a: NoteVerifier, b: NoteVerifier) -> Bool {
        a.name == b.name && a.publicKey.rawRepresentation == b.publicKey.rawRepresentation
    }

    /// SHA-256(name || 0x0A || 0x01 || public key), its first four bytes, big-endian.
    public var keyID: UInt32 {
        let digest = Array(SHA256.hash(data: Array(name.utf8) + [0x0A, Self.ed25519] + Array(publicKey.rawRepresentation)))
        return digest[0..<4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// The verifier key in the text form other tools read: name+hex key ID+base64(0x01 || key).
    public var text: String {
        let id = String(keyID, radix: 16)
        return name + "+" + String(repeating: "0", count: 8 - id.count) + id + "+"
            + Data([Self.ed25519] + Array(publicKey.rawRepresentation)).base64EncodedString()
    }
}

/// Signed notes (c2sp.org/signed-note) with Ed25519 keys.
public enum SignedNote {
    static let dash = "\u{2014} "
    /// Most signature lines read (the specification asks for at least 16).
    static let maxSignatures = 32

    /// `text` (which ends with a newline) signed by `key` under `name`.
    public static func sign(_ text: String, name: String, key: Curve25519.Signing.PrivateKey) throws -> String {
        try check(text)
        let verifier = try NoteVerifier(name: name, publicKey: key.publicKey)
        let signature = try key.signature(for: Array(text.utf8))
        let id = verifier.keyID
        let blob = [UInt8(id >> 24), UInt8(id >> 16 & 0xFF), UInt8(id >> 8 & 0xFF), UInt8(id & 0xFF)] + Array(signature)
        return text + "\n" + dash + name + " " + Data(blob).base64EncodedString() + "\n"
    }

    /// The note's text once a signature by one of `verifiers` verifies over it, and the names of
    /// the keys whose signatures did. Signatures by unknown keys are ignored; one by a known key
    /// that does not verify refuses the whole note, as does a note no known key signed.
    public static func open(_ note: String, verifiers: [NoteVerifier]) throws(NoteError) -> (text: String, signedBy: [String]) {
        guard note.hasSuffix("\n"), let separator = note.range(of: "\n\n", options: .backwards) else {
            throw NoteError("a signed note is text, a blank line and signature lines")
        }
        let text = String(note[..<separator.lowerBound]) + "\n"
        try check(text)
        let lines = note[separator.upperBound...].dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        guard !lines.isEmpty, lines.count <= maxSignatures else { throw NoteError("a signed note has 1 to \(maxSignatures) signatures") }
        var signedBy: [String] = []
        for line in lines {
            guard line.hasPrefix(dash) else { throw NoteError("a signature line starts with an em dash and a space") }
            let parts = line.dropFirst(dash.count).split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, let blob = Data(base64Encoded: String(parts[1])), blob.count > 4 else {
                throw NoteError("a signature line is a key name and base64 of a key ID and a signature")
            }
            let bytes = Array(blob)
            let id = bytes[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            guard let verifier = verifiers.first(where: { $0.name == parts[0] && $0.keyID == id }) else { continue }
            guard verifier.publicKey.isValidSignature(bytes[4...], for: Array(text.utf8)) else {
                throw NoteError("the signature by \(verifier.name) does not verify")
            }
            signedBy.append(verifier.name)
        }
        guard !signedBy.isEmpty else { throw NoteError("no signature by a known key") }
        return (text, signedBy)
    }

    /// Notes are UTF-8 with no control characters but newlines, and the text ends with one.
    static func check(_ text: String) throws(NoteError) {
        guard text.hasSuffix("\n") else { throw NoteError("a note's text ends with a newline") }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" }) else {
            throw NoteError("a note has no control characters but newlines")
        }
    }
}
