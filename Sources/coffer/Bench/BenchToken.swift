// The token under test: the chosen slot, one logged-in session per thread, and the bench's keys,
// found by label or generated (token objects, so a rerun reuses them).

import CPKCS11
import Foundation

/// An open, logged-in token with one session per bench thread.
final class BenchToken {
    /// How the slot is chosen.
    enum SlotSelection {
        case id(CK_SLOT_ID)
        case label(String)
        case first
    }

    let module: PKCS11Module
    let slot: CK_SLOT_ID
    /// The token's label.
    let label: String
    /// One session per thread; sessions[0] also does the setup.
    let sessions: [CK_SESSION_HANDLE]
    private let freshKeys: Bool
    private var keys: [BenchKey: (public: CK_OBJECT_HANDLE, private: CK_OBJECT_HANDLE)] = [:]
    private var findStore: [AttributeTemplate]?

    /// Picks the slot, opens `sessions` sessions and logs in as the user.
    init(module: PKCS11Module, slot selection: SlotSelection, pin: [UInt8], sessions count: Int, freshKeys: Bool) throws {
        self.module = module
        self.freshKeys = freshKeys
        let slots = try module.slotsWithTokens()
        var chosen: (CK_SLOT_ID, String)?
        for slot in slots {
            let label = try module.tokenLabel(slot: slot)
            let matches: Bool
            switch selection {
            case .id(let id): matches = id == slot
            case .label(let wanted): matches = wanted == label
            case .first: matches = true
            }
            if matches {
                chosen = (slot, label)
                break
            }
        }
        guard let chosen else {
            let labels = try slots.map { "\($0) (\(try module.tokenLabel(slot: $0)))" }
            throw CLIError("no matching token; slots with tokens: \(labels.isEmpty ? "none" : labels.joined(separator: ", "))")
        }
        (slot, label) = chosen
        var sessions: [CK_SESSION_HANDLE] = []
        for _ in 0..<count { sessions.append(try module.openSession(slot: slot)) }
        self.sessions = sessions
        // Login state belongs to the application, not the session (PKCS#11 2.40 section 5.6).
        try module.login(sessions[0], pin: pin)
    }

    /// Closes the sessions.
    func close() {
        for session in sessions { module.closeSession(session) }
    }

    /// Whether the token offers `mechanism`.
    func supports(_ mechanism: CK_MECHANISM_TYPE) -> Bool {
        module.supports(mechanism, slot: slot)
    }

    /// The handles of `key` (public and private; both the secret key for AES), found or generated.
    func handles(_ key: BenchKey) throws(PKCS11Error) -> (public: CK_OBJECT_HANDLE, private: CK_OBJECT_HANDLE) {
        if let known = keys[key] { return known }
        let session = sessions[0]
        let privateClass = CK_OBJECT_CLASS(key.isPair ? CKO_PRIVATE_KEY : CKO_SECRET_KEY)
        let privates = try module.find(session, key.search(privateClass), limit: 16)
        let publics = key.isPair ? try module.find(session, key.search(CK_OBJECT_CLASS(CKO_PUBLIC_KEY)), limit: 16) : privates
        let handles: (public: CK_OBJECT_HANDLE, private: CK_OBJECT_HANDLE)
        if !freshKeys, let privateKey = privates.first, let publicKey = publics.first {
            handles = (publicKey, privateKey)
        } else {
            for object in Set(privates + publics) { try module.destroy(session, object) }
            Self.note("generating \(key.label)")
            let mechanism = BenchMechanism(key.generation)
            if key.isPair {
                handles = try module.generateKeyPair(
                    session, mechanism.pointer, public: key.publicTemplate(), private: key.privateTemplate())
            } else {
                let secret = try module.generateKey(session, mechanism.pointer, key.publicTemplate())
                handles = (secret, secret)
            }
        }
        keys[key] = handles
        return handles
    }

    /// The label searches of the find store, `count` AES keys labelled coffer-bench-find-<i>,
    /// each created when missing (or recreated with --fresh-keys). A store of more than
    /// `sampledStoreSize` keys made beforehand (`coffer key generate-symmetric --count`) is checked by
    /// a sample of its labels rather than key by key.
    func findSearches(count: Int) throws(PKCS11Error) -> [AttributeTemplate] {
        if let findStore, findStore.count == count { return findStore }
        let session = sessions[0]
        let searches = (0..<count).map { Self.findSearch($0) }
        if !freshKeys, count > Self.sampledStoreSize, try sampleExists(count: count) {
            Self.note("find store: \(count) keys present (checked a sample of 101 labels)")
            findStore = searches
            return searches
        }
        let mechanism = BenchMechanism(CK_MECHANISM_TYPE(CKM_AES_KEY_GEN))
        var created = 0
        var lastNote = Date()
        for index in 0..<count {
            let label = "coffer-bench-find-\(index)"
            let search = searches[index]
            let existing = try module.find(session, search, limit: 2)
            if freshKeys || existing.count != 1 {
                for object in existing { try module.destroy(session, object) }
                let template = AttributeTemplate([
                    .bool(CK_ATTRIBUTE_TYPE(CKA_TOKEN), true), .string(CK_ATTRIBUTE_TYPE(CKA_LABEL), label),
                    .bool(CK_ATTRIBUTE_TYPE(CKA_PRIVATE), true), .bool(CK_ATTRIBUTE_TYPE(CKA_SENSITIVE), true),
                    .bool(CK_ATTRIBUTE_TYPE(CKA_ENCRYPT), true), .ulong(CK_ATTRIBUTE_TYPE(CKA_VALUE_LEN), 32),
                ])
                _ = try module.generateKey(session, mechanism.pointer, template)
                created += 1
            }
            if Date().timeIntervalSince(lastNote) >= 1 {
                Self.note("find store: \(index + 1)/\(count) keys checked, \(created) created")
                lastNote = Date()
            }
        }
        if created > 0 { Self.note("find store: created \(created) of \(count) keys") }
        findStore = searches
        return searches
    }

    /// Above this many keys the find store is checked by a sample.
    static let sampledStoreSize = 10_000

    /// The search for find-store key `index`.
    static func findSearch(_ index: Int) -> AttributeTemplate {
        AttributeTemplate([.string(CK_ATTRIBUTE_TYPE(CKA_LABEL), "coffer-bench-find-\(index)")])
    }

    /// Whether 101 labels spread over 0..<count (first and last included) each name exactly one key.
    private func sampleExists(count: Int) throws(PKCS11Error) -> Bool {
        for step in 0...100 {
            let found = try module.find(sessions[0], Self.findSearch(step * (count - 1) / 100), limit: 2)
            if found.count != 1 { return false }
        }
        return true
    }

    /// A line on stderr (stdout carries only the report).
    static func note(_ text: String) {
        FileHandle.standardError.write(Data("coffer bench: \(text)\n".utf8))
    }
}
