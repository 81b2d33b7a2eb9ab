// A state machine over a fresh store, initialized 2-of-3, with an admin and helpers to make users.

import CofferCrypto
import CofferModel
import CofferStoreMemory
import CofferStoreSQLite
import Foundation
@testable import CofferState

/// The store backends the state tests run on.
enum StateBackend: String, CaseIterable, CustomStringConvertible {
    case memory, sqlite
    var description: String { rawValue }
}

struct StateFixture {
    static let cheapCost = PasswordVerifier.Cost(log2Rounds: 4, blockSize: 1, parallelism: 1)
    /// How long a write waits for its index: generous, because this test process also runs tests
    /// that block threads of the small cooperative pool on child processes, which can hold up the
    /// watch task for many seconds; what these tests check is that the index gets there.
    static let indexTimeout: Duration = .seconds(60)
    static let crypto: CryptoModule = try! CryptoModule.start()

    let machine: StateMachine
    let store: any StateStore
    let admin: User
    let shares: [ShamirShare]
    let folder: URL?

    static func make(_ backend: StateBackend) async throws -> StateFixture {
        let (store, folder) = try makeStore(backend)
        return try await make(store: store, folder: folder)
    }

    /// A fixture over `store`, with `participants` in every commit.
    static func make(
        store: any StateStore, folder: URL? = nil, participants: [any CommitParticipant] = []
    ) async throws -> StateFixture {
        let machine = try await StateMachine(
            store: store, crypto: crypto, passwordCost: cheapCost, indexTimeout: indexTimeout, participants: participants)
        let shares = try await machine.initialize(
            threshold: 2, shares: 3, adminName: "admin", adminPassword: SecretBytes(Array("admin-password".utf8)))
        let admin = try machine.user(named: "admin")
        return StateFixture(machine: machine, store: store, admin: admin, shares: shares, folder: folder)
    }

    static func makeStore(_ backend: StateBackend) throws -> (any StateStore, URL?) {
        switch backend {
        case .memory:
            return (MemoryStateStore(), nil)
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("coffer-state-\(UUID().uuidString)")
            return (try SQLiteStateStore.open(path: folder.appendingPathComponent("state.sqlite").path), folder)
        }
    }

    /// A second machine over the same store, unsealed: another node of the cluster.
    func peer(participants: [any CommitParticipant] = []) async throws -> StateMachine {
        let peer = try await StateMachine(
            store: store, crypto: Self.crypto, passwordCost: Self.cheapCost, indexTimeout: Self.indexTimeout,
            participants: participants)
        try await peer.unseal(shareText: shares[0].text())
        try await peer.unseal(shareText: shares[1].text())
        return peer
    }

    func cryptoUser(_ name: String) async throws -> User {
        try await machine.createUser(name: name, role: .cryptoUser, password: Self.password(name), by: admin)
    }

    static func password(_ name: String) -> SecretBytes { SecretBytes(Array("pw-\(name)-secret".utf8)) }

    static func aesTemplate(label: String, extractable: Bool = false, sensitive: Bool = true) -> AttributeSet {
        AttributeSet([
            (.objectClass, .ulong(ObjectClass.secretKey.rawValue)), (.keyType, .ulong(KeyType.aes.rawValue)),
            (.valueLen, .ulong(32)), (.label, .string(label)), (.token, .bool(true)),
            (.encrypt, .bool(true)), (.decrypt, .bool(true)), (.wrap, .bool(false)), (.extractable, .bool(extractable)), (.sensitive, .bool(sensitive)),
        ])
    }

    static func ecTemplates(label: String) -> (AttributeSet, AttributeSet) {
        let publicTemplate = AttributeSet([
            (.ecParams, .bytes(NamedCurve.p256.derOID)), (.label, .string(label)), (.verify, .bool(true)), (.token, .bool(true)),
        ])
        let privateTemplate = AttributeSet([(.label, .string(label)), (.sign, .bool(true)), (.token, .bool(true))])
        return (publicTemplate, privateTemplate)
    }

    func cleanUp() {
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }
}
