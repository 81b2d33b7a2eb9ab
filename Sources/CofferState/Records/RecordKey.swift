// The store key layout. The seal configuration sits outside the data prefix because it is read
// (in the clear) before the barrier opens; everything under the data prefix is sealed.

import CofferModel
import Foundation
import Synchronization

/// Store keys for Coffer's records.
public enum RecordKey {
    /// The seal configuration (threshold, share checks, sentinel); stored in the clear.
    public static let sealConfiguration: [UInt8] = Array("coffer/v1/seal".utf8)
    /// Every sealed record lives under this prefix; the index watches it.
    public static let dataPrefix: [UInt8] = Array("coffer/v1/d/".utf8)

    static let userPrefix: [UInt8] = dataPrefix + Array("u/".utf8)
    static let userNamePrefix: [UInt8] = dataPrefix + Array("n/".utf8)
    static let objectPrefix: [UInt8] = dataPrefix + Array("o/".utf8)
    static let systemPrefix: [UInt8] = dataPrefix + Array("s/".utf8)
    static let heartbeatPrefix: [UInt8] = dataPrefix + Array("h/".utf8)
    static let receiptPrefix: [UInt8] = dataPrefix + Array("r/".utf8)
    static let backupClaimPrefix: [UInt8] = dataPrefix + Array("b/".utf8)
    /// Where each node says where it serves, in the clear: a sealed node reads it to find a peer.
    /// Under the data prefix (so the index's revision follows its writes) and ignored by the index.
    public static let peerHintPrefix: [UInt8] = dataPrefix + Array("p/".utf8)

    /// The audit log (StateMachine+Audit.swift). Under the data prefix, so that the index's revision
    /// follows its writes as it follows every other write, but first in it: loading and backups start
    /// past it (`afterAudit`), so a node never reads the log at start. Nothing else may sort before it.
    public static let auditPrefix: [UInt8] = dataPrefix + Array("a/".utf8)
    /// The first key after the audit log's: where reading the state's records starts.
    static let afterAudit: [UInt8] = dataPrefix + Array("a0".utf8)
    /// Entries waiting to be numbered into the log, each record one or more entry lines.
    static let auditPendingPrefix: [UInt8] = auditPrefix + Array("p/".utf8)
    /// The log's blocks of numbered entries, keyed by their first entry's number.
    static let auditBlockPrefix: [UInt8] = auditPrefix + Array("l/".utf8)
    /// A signed checkpoint after each block, keyed by the tree size it signs.
    static let auditCheckpointPrefix: [UInt8] = auditPrefix + Array("c/".utf8)
    /// The log's head: its size and frontier; every append compares it.
    static let auditHead: [UInt8] = auditPrefix + Array("h".utf8)

    static func auditBlock(_ first: UInt64) -> [UInt8] { auditBlockPrefix + fixedHex(first) }
    static func auditCheckpoint(_ size: UInt64) -> [UInt8] { auditCheckpointPrefix + fixedHex(size) }

    /// A new pending record's key: the time in milliseconds (of its first entry) and a counter of this process (so that
    /// pending records sort by when they were written, and one node's in the order it wrote them),
    /// the node, and random bits against a restarted node reusing a time and count.
    static func auditPending(node: String, milliseconds: UInt64 = UInt64(max(0, Date().timeIntervalSince1970 * 1000))) -> [UInt8] {
        let count = pendingCounter.wrappingAdd(1, ordering: .relaxed).oldValue
        return auditPendingPrefix + fixedHex(milliseconds) + Array("-".utf8) + fixedHex(count) + Array("-".utf8)
            + Array(node.utf8) + Array("-".utf8) + fixedHex(UInt64.random(in: 0...UInt64.max))
    }
    private static let pendingCounter = Atomic<UInt64>(0)

    /// A node's peer hint (StateMachine+Membership.swift): its address and when it last wrote it.
    static func peerHint(_ node: String) -> [UInt8] { peerHintPrefix + Array(node.utf8) }

    /// A user record.
    public static func user(_ id: UserID) -> [UInt8] { userPrefix + fixedHex(id.rawValue) }
    /// The record that reserves a user name (its value is the owner's id), so names stay unique. The
    /// name appears only as a keyed blind index, never in the clear.
    public static func userName(_ name: String, barrier: Barrier) -> [UInt8] {
        userNamePrefix + barrier.blindIndex("user-name", Array(name.utf8))
    }
    /// An object record.
    public static func object(_ handle: ObjectHandle) -> [UInt8] { objectPrefix + fixedHex(handle) }
    /// A node-internal record (for example the cluster CA's key and certificate).
    public static func system(_ name: String) -> [UInt8] { systemPrefix + Array(name.utf8) }

    /// A node's heartbeat (StateMachine+Freshness.swift): its value is the node's name, in the clear,
    /// and the index ignores it.
    public static func heartbeat(_ node: String) -> [UInt8] { heartbeatPrefix + Array(node.utf8) }

    /// The receipt of a change made under a request id (StateMachine+Receipts.swift): its value is the
    /// time it was written, in the clear; its key a digest of the request's user and id. The index
    /// ignores it.
    static func receipt(_ scope: RequestScope) -> [UInt8] { receiptPrefix + scope.receiptName }

    /// A node's claim on scheduled backup run `slot` (BackupSchedule.swift): the node's name, in the
    /// clear; the index ignores it. Slots are written as 20 decimal digits, so keys sort by slot.
    static func backupClaim(_ slot: Int64) -> [UInt8] {
        let digits = String(max(0, slot))
        return backupClaimPrefix + Array((String(repeating: "0", count: max(0, 20 - digits.count)) + digits).utf8)
    }

    /// What a data key names.
    enum Kind: Equatable {
        case user(UserID)
        case userName
        case object(ObjectHandle)
        case system(String)
        case unknown
    }

    static func kind(of key: [UInt8]) -> Kind {
        if let id = parseID(key, prefix: userPrefix) { return .user(UserID(id)) }
        if let handle = parseID(key, prefix: objectPrefix) { return .object(handle) }
        if key.starts(with: userNamePrefix) { return .userName }
        if key.starts(with: systemPrefix) { return .system(String(decoding: key[systemPrefix.count...], as: UTF8.self)) }
        return .unknown
    }

    /// Sixteen lower-case hex digits, so keys sort by id.
    static func fixedHex(_ value: UInt64) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        return (0..<16).map { i in digits[Int((value >> UInt64(60 - 4 * i)) & 0xF)] }
    }

    private static func parseID(_ key: [UInt8], prefix: [UInt8]) -> UInt64? {
        guard key.count == prefix.count + 16, key.starts(with: prefix) else { return nil }
        return UInt64(String(decoding: key[prefix.count...], as: UTF8.self), radix: 16)
    }
}
