// Every change to the replicated state, as a value. The state machine commits each one through
// `StateMachine.commit` (StateMachine+Commit.swift), and its canonical encoding names the change
// exactly: the audit log records it, and an M-of-N approval signs it. A command never holds a
// secret: no password, no key value, no secret component of a template.

import CofferCrypto
import CofferModel

/// One write to the replicated state, with the arguments that identify it.
public enum Command: Sendable, Equatable {
    /// The cluster's first seal configuration and first admin.
    case initialize(threshold: Int, shares: Int, adminName: String)
    case createUser(name: String, role: Role)
    case deleteUser(UserID)
    /// A new password (its own, or an admin setting another's); also clears a lockout.
    case changePassword(UserID)
    case unlockUser(UserID)
    /// A password check's effect on the failed-login count: reset after a success, one more after a failure.
    case recordLogin(UserID, succeeded: Bool)
    /// C_GenerateKey, with the template's public attributes.
    case generateKey(MechanismType, template: AttributeSet)
    /// One transaction of a bulk generation: `count` keys labelled from `firstNumber` on.
    case generateKeys(MechanismType, template: AttributeSet, count: Int, labelPrefix: String?, firstNumber: UInt64)
    case generateKeyPair(MechanismType, publicTemplate: AttributeSet, privateTemplate: AttributeSet)
    /// C_CreateObject, with the template's public attributes (never CKA_VALUE or private components).
    case createObject(AttributeSet)
    case copyObject(ObjectHandle, template: AttributeSet)
    case unwrapKey(MechanismType, unwrappingKey: ObjectHandle, template: AttributeSet)
    case deriveKey(MechanismType, baseKey: ObjectHandle, template: AttributeSet)
    /// C_EncapsulateKey (PKCS#11 3.2): a new secret key from an encapsulation to `publicKey`.
    case encapsulateKey(MechanismType, publicKey: ObjectHandle, template: AttributeSet)
    /// C_DecapsulateKey (PKCS#11 3.2): a new secret key from a ciphertext opened with `privateKey`.
    case decapsulateKey(MechanismType, privateKey: ObjectHandle, template: AttributeSet)
    case setAttributes(ObjectHandle, AttributeSet)
    case share(ObjectHandle, with: UserID, shared: Bool)
    case destroyObject(ObjectHandle)
    /// A node-internal record, such as the cluster CA.
    case putSystemRecord(name: String)
    /// A destroyed token object put back from a backup of this cluster (`coffer backup restore-key`).
    case restoreObject(ObjectHandle)
    /// A node admitted to the cluster's membership (its identity, on the cluster's shares).
    case admitNode(nodeID: String)
    /// A member removed for good: its certificate revoked, no domain key for it again.
    case removeNode(nodeID: String)
    /// A cofferd SHA-256 put on the allowed list, or taken off it.
    case setBinaryAllowed(sha256: String, allowed: Bool)
    /// A join credential made for a node to be named `name`.
    case addNode(name: String)
    /// A node that joined with the credential for `name` (replacing that name's member, if any).
    case joinNode(name: String, nodeID: String)
    /// A user's approval key registered (or replaced).
    case registerApprovalKey(UserID)
    /// The approvals a guarded service needs (0: none).
    case setQuorum(service: String, approvals: Int)
    /// A quorum token asked for.
    case requestQuorum(token: String)
    /// An approval added to a quorum token.
    case approveQuorum(token: String, approver: UserID)
    /// The approvals each use of the key `handle` needs (its key-usage quorum; 0: none).
    case setKeyQuorum(ObjectHandle, approvals: Int)
    /// One approved use of a key under a key-usage quorum: the token's consumption, committed before
    /// the crypto call that it allows runs.
    case useKey(ObjectHandle, KeyOperation)
    /// A backup made (`coffer backup create`): commits nothing itself; named so that a backup quorum
    /// can approve it, consumed before the backup is read.
    case createBackup
    /// `key` wrapped out under `wrappingKey` (C_WrapKey): commits nothing itself; named for the
    /// key-management quorum, as `createBackup`.
    case exportKey(ObjectHandle, wrappingKey: ObjectHandle)
    /// A key unwrapped in under `unwrappingKey` (C_UnwrapKey), approved before `unwrapKey` commits it.
    case importKey(unwrappingKey: ObjectHandle)
    /// An admin's or crypto-user's right to read the audit log granted, or taken back.
    case setAuditReader(UserID, granted: Bool)
    /// A client certificate issued (`coffer cluster issue-certificate`) for `commonName` with the
    /// certificate profile `profile` (admin-workstation or application): commits nothing itself;
    /// named so that a cluster quorum can approve it, as `createBackup`.
    case issueCertificate(commonName: String, profile: String)
    /// One use of a key under a key-usage quorum on data whose SHA-256 is `sha256`: a token's
    /// operation only (`use-key ... sha256=HEX`), which approves the `useKey` of a single-part call
    /// with exactly that data (QuorumParticipant); never committed itself.
    case useKeyOnData(ObjectHandle, KeyOperation, sha256: [UInt8])

    /// Whether the command is what its call did, so that its audit entry stands for the call's
    /// outcome: not so for a login's failure count, a side effect of a login that is logged itself.
    public var isTheCall: Bool {
        if case .recordLogin = self { return false }
        return true
    }

    /// A short name for logs and the audit log.
    public var name: String {
        switch self {
        case .initialize: "initialize"
        case .createUser: "create-user"
        case .deleteUser: "delete-user"
        case .changePassword: "change-password"
        case .unlockUser: "unlock-user"
        case .recordLogin: "record-login"
        case .generateKey: "generate-key"
        case .generateKeys: "generate-keys"
        case .generateKeyPair: "generate-key-pair"
        case .createObject: "create-object"
        case .copyObject: "copy-object"
        case .unwrapKey: "unwrap-key"
        case .deriveKey: "derive-key"
        case .encapsulateKey: "encapsulate-key"
        case .decapsulateKey: "decapsulate-key"
        case .setAttributes: "set-attributes"
        case .share: "share"
        case .destroyObject: "destroy-object"
        case .putSystemRecord: "put-system-record"
        case .restoreObject: "restore-object"
        case .admitNode: "admit-node"
        case .removeNode: "remove-node"
        case .setBinaryAllowed: "set-binary-allowed"
        case .addNode: "add-node"
        case .joinNode: "join-node"
        case .registerApprovalKey: "register-approval-key"
        case .setQuorum: "set-quorum"
        case .requestQuorum: "request-quorum"
        case .approveQuorum: "approve-quorum"
        case .setKeyQuorum: "set-key-quorum"
        case .useKey: "use-key"
        case .createBackup: "create-backup"
        case .exportKey: "export-key"
        case .importKey: "import-key"
        case .setAuditReader: "set-audit-reader"
        case .issueCertificate: "issue-certificate"
        case .useKeyOnData: "use-key"
        }
    }
}

// MARK: - Canonical encoding

extension Command {
    static let encodingVersion: UInt8 = 1

    private enum Tag: UInt8 {
        case initialize = 1, createUser, deleteUser, changePassword, unlockUser, recordLogin, generateKey, generateKeys
        case generateKeyPair, createObject, copyObject, unwrapKey, deriveKey, setAttributes, share, destroyObject
        case putSystemRecord, restoreObject, encapsulateKey, decapsulateKey, admitNode, removeNode, setBinaryAllowed, addNode, joinNode
        case registerApprovalKey, setQuorum, requestQuorum, approveQuorum, setKeyQuorum, useKey
        case createBackup, exportKey, importKey, setAuditReader, issueCertificate, useKeyOnData
    }

    /// The canonical encoding: a version byte, a tag, then the arguments in a fixed order (integers
    /// big-endian, strings and attribute sets length-prefixed, attribute sets in their canonical
    /// form). Equal commands encode to equal bytes, and `init(encoded:)` accepts nothing else.
    public var encoded: [UInt8] {
        var w = BinaryWriter()
        w.u8(Self.encodingVersion)
        switch self {
        case .initialize(let threshold, let shares, let adminName):
            w.u8(Tag.initialize.rawValue)
            w.u32(UInt32(truncatingIfNeeded: threshold))
            w.u32(UInt32(truncatingIfNeeded: shares))
            w.lengthPrefixed(Array(adminName.utf8))
        case .createUser(let name, let role):
            w.u8(Tag.createUser.rawValue)
            w.lengthPrefixed(Array(name.utf8))
            w.u8(role.rawValue)
        case .deleteUser(let id):
            w.u8(Tag.deleteUser.rawValue)
            w.u64(id.rawValue)
        case .changePassword(let id):
            w.u8(Tag.changePassword.rawValue)
            w.u64(id.rawValue)
        case .unlockUser(let id):
            w.u8(Tag.unlockUser.rawValue)
            w.u64(id.rawValue)
        case .recordLogin(let id, let succeeded):
            w.u8(Tag.recordLogin.rawValue)
            w.u64(id.rawValue)
            w.u8(succeeded ? 1 : 0)
        case .generateKey(let mechanism, let template):
            w.u8(Tag.generateKey.rawValue)
            w.u64(UInt64(mechanism.rawValue))
            w.lengthPrefixed(template.encoded)
        case .generateKeys(let mechanism, let template, let count, let labelPrefix, let firstNumber):
            w.u8(Tag.generateKeys.rawValue)
            w.u64(UInt64(mechanism.rawValue))
            w.lengthPrefixed(template.encoded)
            w.u32(UInt32(truncatingIfNeeded: count))
            if let labelPrefix {
                w.u8(1)
                w.lengthPrefixed(Array(labelPrefix.utf8))
            } else {
                w.u8(0)
            }
            w.u64(firstNumber)
        case .generateKeyPair(let mechanism, let publicTemplate, let privateTemplate):
            w.u8(Tag.generateKeyPair.rawValue)
            w.u64(UInt64(mechanism.rawValue))
            w.lengthPrefixed(publicTemplate.encoded)
            w.lengthPrefixed(privateTemplate.encoded)
        case .createObject(let template):
            w.u8(Tag.createObject.rawValue)
            w.lengthPrefixed(template.encoded)
        case .copyObject(let handle, let template):
            w.u8(Tag.copyObject.rawValue)
            w.u64(handle)
            w.lengthPrefixed(template.encoded)
        case .unwrapKey(let mechanism, let unwrappingKey, let template):
            w.u8(Tag.unwrapKey.rawValue)
            w.u64(UInt64(mechanism.rawValue))
            w.u64(unwrappingKey)
            w.lengthPrefixed(template.encoded)
        case .deriveKey(let mechanism, let baseKey, let template):
            w.u8(Tag.deriveKey.rawValue)
            w.u64(UInt64(mechanism.rawValue))
            w.u64(baseKey)
            w.lengthPrefixed(template.encoded)
        case .encapsulateKey(let mechanism, let publicKey, let template):
            w.u8(Tag.encapsulateKey.rawValue)
            w.u64(UInt64(mechanism.rawValue))
            w.u64(publicKey)
            w.lengthPrefixed(template.encoded)
        case .decapsulateKey(let mechanism, let privateKey, let template):
            w.u8(Tag.decapsulateKey.rawValue)
            w.u64(UInt64(mechanism.rawValue))
            w.u64(privateKey)
            w.lengthPrefixed(template.encoded)
        case .setAttributes(let handle, let changes):
            w.u8(Tag.setAttributes.rawValue)
            w.u64(handle)
            w.lengthPrefixed(changes.encoded)
        case .share(let handle, let target, let shared):
            w.u8(Tag.share.rawValue)
            w.u64(handle)
            w.u64(target.rawValue)
            w.u8(shared ? 1 : 0)
        case .destroyObject(let handle):
            w.u8(Tag.destroyObject.rawValue)
            w.u64(handle)
        case .putSystemRecord(let name):
            w.u8(Tag.putSystemRecord.rawValue)
            w.lengthPrefixed(Array(name.utf8))
        case .restoreObject(let handle):
            w.u8(Tag.restoreObject.rawValue)
            w.u64(handle)
        case .admitNode(let nodeID):
            w.u8(Tag.admitNode.rawValue)
            w.lengthPrefixed(Array(nodeID.utf8))
        case .removeNode(let nodeID):
            w.u8(Tag.removeNode.rawValue)
            w.lengthPrefixed(Array(nodeID.utf8))
        case .setBinaryAllowed(let sha256, let allowed):
            w.u8(Tag.setBinaryAllowed.rawValue)
            w.lengthPrefixed(Array(sha256.utf8))
            w.u8(allowed ? 1 : 0)
        case .addNode(let name):
            w.u8(Tag.addNode.rawValue)
            w.lengthPrefixed(Array(name.utf8))
        case .joinNode(let name, let nodeID):
            w.u8(Tag.joinNode.rawValue)
            w.lengthPrefixed(Array(name.utf8))
            w.lengthPrefixed(Array(nodeID.utf8))
        case .registerApprovalKey(let id):
            w.u8(Tag.registerApprovalKey.rawValue)
            w.u64(id.rawValue)
        case .setQuorum(let service, let approvals):
            w.u8(Tag.setQuorum.rawValue)
            w.lengthPrefixed(Array(service.utf8))
            w.u32(UInt32(truncatingIfNeeded: approvals))
        case .requestQuorum(let token):
            w.u8(Tag.requestQuorum.rawValue)
            w.lengthPrefixed(Array(token.utf8))
        case .approveQuorum(let token, let approver):
            w.u8(Tag.approveQuorum.rawValue)
            w.lengthPrefixed(Array(token.utf8))
            w.u64(approver.rawValue)
        case .setKeyQuorum(let handle, let approvals):
            w.u8(Tag.setKeyQuorum.rawValue)
            w.u64(handle)
            w.u32(UInt32(truncatingIfNeeded: approvals))
        case .useKey(let handle, let operation):
            w.u8(Tag.useKey.rawValue)
            w.u64(handle)
            w.u8(UInt8(KeyOperation.allCases.firstIndex(of: operation) ?? 0))
        case .createBackup:
            w.u8(Tag.createBackup.rawValue)
        case .exportKey(let handle, let wrappingKey):
            w.u8(Tag.exportKey.rawValue)
            w.u64(handle)
            w.u64(wrappingKey)
        case .importKey(let unwrappingKey):
            w.u8(Tag.importKey.rawValue)
            w.u64(unwrappingKey)
        case .setAuditReader(let id, let granted):
            w.u8(Tag.setAuditReader.rawValue)
            w.u64(id.rawValue)
            w.u8(granted ? 1 : 0)
        case .issueCertificate(let commonName, let profile):
            w.u8(Tag.issueCertificate.rawValue)
            w.lengthPrefixed(Array(commonName.utf8))
            w.lengthPrefixed(Array(profile.utf8))
        case .useKeyOnData(let handle, let operation, let sha256):
            w.u8(Tag.useKeyOnData.rawValue)
            w.u64(handle)
            w.u8(UInt8(KeyOperation.allCases.firstIndex(of: operation) ?? 0))
            w.lengthPrefixed(sha256)
        }
        return w.bytes
    }

    /// Decodes a canonical encoding. Anything `encoded` could not have produced (an unknown version
    /// or tag, a bad length, a role or flag out of range, bytes left over) is `.recordCorrupt`.
    public init(encoded bytes: [UInt8]) throws(ModelError) {
        var r = BinaryReader(bytes)
        guard try r.u8() == Self.encodingVersion else { throw .recordCorrupt("unknown command version") }
        guard let tag = Tag(rawValue: try r.u8()) else { throw .recordCorrupt("unknown command") }
        switch tag {
        case .initialize:
            self = .initialize(threshold: Int(try r.u32()), shares: Int(try r.u32()), adminName: try Self.string(&r))
        case .createUser:
            let name = try Self.string(&r)
            guard let role = Role(rawValue: try r.u8()) else { throw .recordCorrupt("unknown role") }
            self = .createUser(name: name, role: role)
        case .deleteUser: self = .deleteUser(try Self.userID(&r))
        case .changePassword: self = .changePassword(try Self.userID(&r))
        case .unlockUser: self = .unlockUser(try Self.userID(&r))
        case .recordLogin: self = .recordLogin(try Self.userID(&r), succeeded: try Self.flag(&r))
        case .generateKey:
            self = .generateKey(MechanismType(rawValue: UInt(try r.u64())), template: try Self.attributes(&r))
        case .generateKeys:
            let mechanism = MechanismType(rawValue: UInt(try r.u64()))
            let template = try Self.attributes(&r)
            let count = Int(try r.u32())
            let labelPrefix: String? = try Self.flag(&r) ? try Self.string(&r) : nil
            self = .generateKeys(
                mechanism, template: template, count: count, labelPrefix: labelPrefix, firstNumber: try r.u64())
        case .generateKeyPair:
            let mechanism = MechanismType(rawValue: UInt(try r.u64()))
            self = .generateKeyPair(
                mechanism, publicTemplate: try Self.attributes(&r), privateTemplate: try Self.attributes(&r))
        case .createObject: self = .createObject(try Self.attributes(&r))
        case .copyObject: self = .copyObject(try r.u64(), template: try Self.attributes(&r))
        case .unwrapKey:
            let mechanism = MechanismType(rawValue: UInt(try r.u64()))
            self = .unwrapKey(mechanism, unwrappingKey: try r.u64(), template: try Self.attributes(&r))
        case .deriveKey:
            let mechanism = MechanismType(rawValue: UInt(try r.u64()))
            self = .deriveKey(mechanism, baseKey: try r.u64(), template: try Self.attributes(&r))
        case .encapsulateKey:
            let mechanism = MechanismType(rawValue: UInt(try r.u64()))
            self = .encapsulateKey(mechanism, publicKey: try r.u64(), template: try Self.attributes(&r))
        case .decapsulateKey:
            let mechanism = MechanismType(rawValue: UInt(try r.u64()))
            self = .decapsulateKey(mechanism, privateKey: try r.u64(), template: try Self.attributes(&r))
        case .setAttributes: self = .setAttributes(try r.u64(), try Self.attributes(&r))
        case .share:
            self = .share(try r.u64(), with: try Self.userID(&r), shared: try Self.flag(&r))
        case .destroyObject: self = .destroyObject(try r.u64())
        case .putSystemRecord: self = .putSystemRecord(name: try Self.string(&r))
        case .restoreObject: self = .restoreObject(try r.u64())
        case .admitNode: self = .admitNode(nodeID: try Self.string(&r))
        case .removeNode: self = .removeNode(nodeID: try Self.string(&r))
        case .setBinaryAllowed: self = .setBinaryAllowed(sha256: try Self.string(&r), allowed: try Self.flag(&r))
        case .addNode: self = .addNode(name: try Self.string(&r))
        case .joinNode: self = .joinNode(name: try Self.string(&r), nodeID: try Self.string(&r))
        case .registerApprovalKey: self = .registerApprovalKey(try Self.userID(&r))
        case .setQuorum: self = .setQuorum(service: try Self.string(&r), approvals: Int(try r.u32()))
        case .requestQuorum: self = .requestQuorum(token: try Self.string(&r))
        case .approveQuorum: self = .approveQuorum(token: try Self.string(&r), approver: try Self.userID(&r))
        case .setKeyQuorum: self = .setKeyQuorum(try r.u64(), approvals: Int(try r.u32()))
        case .useKey, .useKeyOnData:
            let handle = try r.u64()
            let index = Int(try r.u8())
            guard index < KeyOperation.allCases.count else { throw .recordCorrupt("unknown key operation") }
            if tag == .useKey {
                self = .useKey(handle, KeyOperation.allCases[index])
            } else {
                let sha256 = try r.lengthPrefixed()
                guard sha256.count == 32 else { throw .recordCorrupt("a data digest is 32 bytes") }
                self = .useKeyOnData(handle, KeyOperation.allCases[index], sha256: sha256)
            }
        case .createBackup: self = .createBackup
        case .exportKey: self = .exportKey(try r.u64(), wrappingKey: try r.u64())
        case .importKey: self = .importKey(unwrappingKey: try r.u64())
        case .setAuditReader: self = .setAuditReader(try Self.userID(&r), granted: try Self.flag(&r))
        case .issueCertificate: self = .issueCertificate(commonName: try Self.string(&r), profile: try Self.string(&r))
        }
        try r.finish()
    }

    private static func string(_ r: inout BinaryReader) throws(ModelError) -> String {
        let bytes = try r.lengthPrefixed()
        guard let string = String(validating: bytes, as: UTF8.self) else { throw .recordCorrupt("a string is not UTF-8") }
        return string
    }

    private static func userID(_ r: inout BinaryReader) throws(ModelError) -> UserID {
        UserID(rawValue: try r.u64())
    }

    private static func flag(_ r: inout BinaryReader) throws(ModelError) -> Bool {
        switch try r.u8() {
        case 0: return false
        case 1: return true
        default: throw .recordCorrupt("a flag is neither 0 nor 1")
        }
    }

    private static func attributes(_ r: inout BinaryReader) throws(ModelError) -> AttributeSet {
        try AttributeSet(encoded: try r.lengthPrefixed())
    }
}
