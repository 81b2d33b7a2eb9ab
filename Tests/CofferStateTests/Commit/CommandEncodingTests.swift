// Command's canonical encoding: every command survives a round trip, equal commands encode to equal
// bytes, different ones to different bytes, and bytes the encoder could not have made are refused.

import CofferCrypto
import CofferModel
import Testing
@testable import CofferState

@Suite struct CommandEncodingTests {
    static let template = AttributeSet([
        (.objectClass, .ulong(ObjectClass.secretKey.rawValue)), (.label, .string("k")), (.token, .bool(true)),
    ])

    static let all: [Command] = [
        .initialize(threshold: 2, shares: 3, adminName: "admin"),
        .createUser(name: "alice", role: .cryptoUser),
        .createUser(name: "alice", role: .auditor),
        .deleteUser(UserID(7)),
        .changePassword(UserID(7)),
        .unlockUser(UserID(7)),
        .recordLogin(UserID(7), succeeded: true),
        .recordLogin(UserID(7), succeeded: false),
        .generateKey(.aesKeyGen, template: template),
        .generateKeys(.aesKeyGen, template: template, count: 128, labelPrefix: "bulk-", firstNumber: 256),
        .generateKeys(.aesKeyGen, template: template, count: 128, labelPrefix: nil, firstNumber: 256),
        .generateKeyPair(.ecKeyPairGen, publicTemplate: template, privateTemplate: AttributeSet()),
        .createObject(template),
        .copyObject(42, template: AttributeSet()),
        .unwrapKey(.aesKeyWrapKWP, unwrappingKey: 42, template: template),
        .deriveKey(.ecdh1Derive, baseKey: 42, template: template),
        .encapsulateKey(.mlKEM, publicKey: 42, template: template),
        .decapsulateKey(.mlKEM, privateKey: 43, template: template),
        .setAttributes(42, AttributeSet([(.label, .string("new"))])),
        .share(42, with: UserID(9), shared: true),
        .share(42, with: UserID(9), shared: false),
        .destroyObject(42), .restoreObject(43), .admitNode(nodeID: "node-1"), .removeNode(nodeID: "node-2"),
        .setBinaryAllowed(sha256: String(repeating: "ab", count: 32), allowed: true),
        .setBinaryAllowed(sha256: String(repeating: "ab", count: 32), allowed: false),
        .addNode(name: "node-5"), .joinNode(name: "node-5", nodeID: "node-0123456789abcdef"), .registerApprovalKey(UserID(rawValue: 9)),
        .setQuorum(service: "user-management", approvals: 2), .requestQuorum(token: "5d1c"),
        .approveQuorum(token: "5d1c", approver: UserID(rawValue: 10)),
        .putSystemRecord(name: "ca"), .setKeyQuorum(42, approvals: 2), .setKeyQuorum(42, approvals: 0),
        .useKey(42, .sign), .useKey(42, .decrypt), .useKey(43, .sign), .createBackup, .exportKey(42, wrappingKey: 43),
        .exportKey(43, wrappingKey: 42), .importKey(unwrappingKey: 42), .setAuditReader(UserID(rawValue: 9), granted: true),
        .setAuditReader(UserID(rawValue: 9), granted: false),
        .issueCertificate(commonName: "billing", profile: "application"),
        .issueCertificate(commonName: "billing", profile: "admin-workstation"),
        .useKeyOnData(42, .sign, sha256: Array(repeating: 7, count: 32)), .useKeyOnData(42, .sign, sha256: Array(repeating: 8, count: 32)),
    ]

    @Test(arguments: all)
    func roundTrips(_ command: Command) throws {
        #expect(try Command(encoded: command.encoded) == command)
        #expect(command.encoded == command.encoded)
    }

    @Test func differentCommandsEncodeDifferently() {
        #expect(Set(Self.all.map(\.encoded)).count == Self.all.count)
    }

    @Test(arguments: all)
    func truncatedOrExtendedBytesAreRefused(_ command: Command) {
        let bytes = command.encoded
        for length in 0..<bytes.count {
            #expect(throws: ModelError.self) { try Command(encoded: Array(bytes.prefix(length))) }
        }
        #expect(throws: ModelError.self) { try Command(encoded: bytes + [0]) }
    }

    @Test func unknownVersionTagRoleAndFlagAreRefused() {
        var bytes = Command.deleteUser(UserID(1)).encoded
        bytes[0] = 2
        #expect(throws: ModelError.self) { try Command(encoded: bytes) }
        bytes = Command.deleteUser(UserID(1)).encoded
        bytes[1] = 200
        #expect(throws: ModelError.self) { try Command(encoded: bytes) }
        bytes = Command.createUser(name: "a", role: .admin).encoded
        bytes[bytes.count - 1] = 9
        #expect(throws: ModelError.self) { try Command(encoded: bytes) }
        bytes = Command.share(1, with: UserID(2), shared: true).encoded
        bytes[bytes.count - 1] = 2
        #expect(throws: ModelError.self) { try Command(encoded: bytes) }
    }
}
