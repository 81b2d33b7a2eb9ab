// The cluster's membership (issue 11): which nodes may hold the domain key. Each member is a sealed
// system record (`member/NODE`) naming its identity keys, the binary it ran when admitted and its
// node certificate; the digests of cofferd executables allowed to receive the domain key from a
// peer are one more (`allowed-binaries`); a removed member's certificate is revoked by a record of
// its own (`revoked/SHA256`). They are sealed like every record, so only a holder of the domain key
// can write them: whoever can write to etcd but lacks the key cannot add a member.

import CofferCrypto
import CofferModel
import Crypto
import Foundation

/// A member of the cluster, as its system record holds it.
public struct ClusterMember: Codable, Sendable, Equatable {
    public var nodeID: String
    /// The identity's Ed25519 and X25519 public keys, raw, base64 (as its attestations name them).
    public var identitySigningKey: String
    public var identityAgreementKey: String
    /// SHA-256 of the cofferd executable it ran when admitted, hex.
    public var binarySHA256: String
    /// SHA-256 of its node certificate's DER, hex: what removal revokes.
    public var certificateSHA256: String
    /// The address it serves mutual TLS on.
    public var address: String
    public var joinedAt: Date
    /// How it was admitted (`UnsealMethod`'s raw value: "initialization" or "shares").
    public var admittedBy: String
    /// When an admin removed it, or a node joining under its name replaced it; nil while it is a member.
    public var removedAt: Date?
    /// The name it joined as (its join credential's); nil for a node admitted with the shares, whose
    /// name is its node id.
    public var name: String?

    /// Its name: the join credential's, else its node id.
    public var displayName: String { name ?? nodeID }

    public init(
        nodeID: String, identitySigningKey: String, identityAgreementKey: String, binarySHA256: String,
        certificateSHA256: String, address: String, joinedAt: Date, admittedBy: String, removedAt: Date? = nil,
        name: String? = nil
    ) {
        self.name = name
        self.nodeID = nodeID
        self.identitySigningKey = identitySigningKey
        self.identityAgreementKey = identityAgreementKey
        self.binarySHA256 = binarySHA256
        self.certificateSHA256 = certificateSHA256
        self.address = address
        self.joinedAt = joinedAt
        self.admittedBy = admittedBy
        self.removedAt = removedAt
    }

    enum CodingKeys: String, CodingKey {
        case address
        case nodeID = "node_id"
        case identitySigningKey = "identity_signing_key"
        case identityAgreementKey = "identity_agreement_key"
        case binarySHA256 = "binary_sha256"
        case certificateSHA256 = "certificate_sha256"
        case joinedAt = "joined_at"
        case admittedBy = "admitted_by"
        case removedAt = "removed_at"
        case name
    }

    /// SHA-256 of the identity's Ed25519 public key, hex: what `coffer cluster nodes` shows.
    public var identityFingerprint: String {
        guard let raw = Data(base64Encoded: identitySigningKey) else { return "" }
        return Self.hex(SHA256.hash(data: raw))
    }

    /// Lower-case hex.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// True for 64 lower-case hex digits.
    public static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}

extension StateMachine {
    static let memberPrefix = "member/"
    static let allowedBinariesRecord = "allowed-binaries"
    static let revokedPrefix = ObjectIndex.revokedPrefix
    static let joinPrefix = "join/"

    /// Every member, removed ones included, by node id.
    public func members() throws(StateError) -> [ClusterMember] {
        _ = try requireBarrier()
        let records = state.withLock { s in
            s.index.systemRecords.filter { $0.key.hasPrefix(Self.memberPrefix) }.map(\.value.value)
        }
        return records.compactMap(Self.decodeMember).sorted { $0.nodeID < $1.nodeID }
    }

    /// The member `nodeID`, if the cluster has one by that id.
    public func member(_ nodeID: String) throws(StateError) -> ClusterMember? {
        try systemRecord(Self.memberPrefix + nodeID).flatMap(Self.decodeMember)
    }

    /// The SHA-256 digests (hex) of the cofferd executables allowed to receive the domain key.
    public func allowedBinaries() throws(StateError) -> [String] {
        guard let record = try systemRecord(Self.allowedBinariesRecord) else { return [] }
        return (try? JSONDecoder().decode([String].self, from: Data(record.unsafeCopy))) ?? []
    }

    /// True when the certificate with this DER SHA-256 belongs to a removed member. False while sealed.
    public func isCertificateRevoked(_ certificateSHA256: [UInt8]) -> Bool {
        state.withLock { s in s.barrier != nil && s.index.revokedCertificates.contains(certificateSHA256) }
    }

    /// Writes `member`'s record (this node's own, once the shares or the initialization unsealed it),
    /// and with `allowingBinary` puts its binary digest on the allowed list. A member removed before
    /// stays removed: `.membership` and nothing written.
    public func admit(_ member: ClusterMember, allowingBinary: Bool) async throws(StateError) {
        let memberKey = RecordKey.system(Self.memberPrefix + member.nodeID)
        let allowedKey = RecordKey.system(Self.allowedBinariesRecord)
        try await commit(.admitNode(nodeID: member.nodeID), by: nil) { () throws(StateError) in
            let current = state.withLock { $0.index.systemRecords[Self.memberPrefix + member.nodeID] }
            var preconditions: [WritePlan.Precondition] = [
                current.map { .unchanged(memberKey, modRevision: $0.modRevision) } ?? .absent(memberKey)
            ]
            var writes: [WritePlan.Write] = []
            if let existing = current.flatMap({ Self.decodeMember($0.value) }) {
                if let removed = existing.removedAt {
                    throw .membership("node \(member.nodeID) was removed from the cluster at \(removed); it is not admitted again")
                }
                var kept = member
                kept.joinedAt = existing.joinedAt
                if kept != existing { writes.append(.put(key: memberKey, value: try Self.encode(kept))) }
            } else {
                writes.append(.put(key: memberKey, value: try Self.encode(member)))
            }
            if allowingBinary {
                let allowed = state.withLock { $0.index.systemRecords[Self.allowedBinariesRecord] }
                var list = allowed.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.value.unsafeCopy)) } ?? []
                if !list.contains(member.binarySHA256) {
                    list.append(member.binarySHA256)
                    preconditions.append(allowed.map { .unchanged(allowedKey, modRevision: $0.modRevision) } ?? .absent(allowedKey))
                    writes.append(.put(key: allowedKey, value: try Self.encode(list.sorted())))
                }
            }
            if writes.isEmpty { return (WritePlan(preconditions: [], writes: []), ()) }
            return (WritePlan(preconditions: preconditions, writes: writes), ())
        }
    }

    /// Removes member `nodeID` for good (admins): its record says when, and its certificate is
    /// revoked in the same transaction. Returns the record as it now stands.
    public func removeNode(_ nodeID: String, by actor: User) async throws(StateError) -> ClusterMember {
        guard actor.role == .admin else { throw .model(.roleNotPermitted(actor.role, "remove cluster nodes")) }
        let memberKey = RecordKey.system(Self.memberPrefix + nodeID)
        return try await commit(.removeNode(nodeID: nodeID), by: actor.id) { () throws(StateError) in
            guard let current = state.withLock({ $0.index.systemRecords[Self.memberPrefix + nodeID] }),
                var member = Self.decodeMember(current.value)
            else { throw .membership("the cluster has no node \(nodeID) (coffer cluster nodes lists them)") }
            if member.removedAt != nil { return (WritePlan(preconditions: [], writes: []), member) }
            // Whole seconds, as the record keeps it, so the reply equals what a later read gives.
            member.removedAt = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
            let revoked = RecordKey.system(Self.revokedPrefix + member.certificateSHA256)
            return (
                WritePlan(
                    preconditions: [.unchanged(memberKey, modRevision: current.modRevision)],
                    writes: [
                        .put(key: memberKey, value: try Self.encode(member)),
                        .put(key: revoked, value: SecretBytes(Array(nodeID.utf8))),
                    ]),
                member
            )
        }
    }

    /// Puts `sha256` on the allowed list or takes it off (admins). Returns the list as it now stands.
    public func setBinaryAllowed(_ sha256: String, allowed: Bool, by actor: User) async throws(StateError) -> [String] {
        guard actor.role == .admin else { throw .model(.roleNotPermitted(actor.role, "change the allowed binaries")) }
        guard ClusterMember.isDigest(sha256) else {
            throw .membership("a binary digest is a SHA-256 in 64 lower-case hex digits (sha256sum prints one)")
        }
        let key = RecordKey.system(Self.allowedBinariesRecord)
        return try await commit(.setBinaryAllowed(sha256: sha256, allowed: allowed), by: actor.id) { () throws(StateError) in
            let current = state.withLock { $0.index.systemRecords[Self.allowedBinariesRecord] }
            var list = current.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.value.unsafeCopy)) } ?? []
            guard list.contains(sha256) != allowed else { return (WritePlan(preconditions: [], writes: []), list) }
            if allowed { list.append(sha256) } else { list.removeAll { $0 == sha256 } }
            list.sort()
            return (
                WritePlan(
                    preconditions: [current.map { .unchanged(key, modRevision: $0.modRevision) } ?? .absent(key)],
                    writes: [.put(key: key, value: try Self.encode(list))]),
                list
            )
        }
    }

    /// Keeps the join credential an admin made for a node to be named `credential.name` (replacing
    /// any earlier one for that name, used or not).
    public func putJoinCredential(_ credential: JoinCredential, by actor: User) async throws(StateError) {
        guard actor.role == .admin else { throw .model(.roleNotPermitted(actor.role, "add cluster nodes")) }
        guard JoinCredential.isValidName(credential.name) else {
            throw .membership("a node name is 1 to 63 lower-case letters, digits, dots and dashes, starting with a letter or digit")
        }
        let key = RecordKey.system(Self.joinPrefix + credential.name)
        let value = try Self.encode(credential)
        try await commit(.addNode(name: credential.name), by: actor.id) { () throws(StateError) in
            (WritePlan(preconditions: [], writes: [.put(key: key, value: value)]), ())
        }
    }

    /// Admits `member`, which joined with the credential for `member.name` whose certificate has
    /// SHA-256 `credentialSHA256`, in one transaction: its member record, the credential marked used,
    /// and, for a replaceable credential, the previous member of that name removed and its
    /// certificate revoked. Returns that previous member, if there was one. A credential that is
    /// missing, superseded, expired or used (not replaceable), a node id that is a member already,
    /// and a name taken by a member (not replaceable) are refused with `.membership`, nothing written.
    public func join(
        _ member: ClusterMember, credentialSHA256: String, now: Date = Date()
    ) async throws(StateError) -> ClusterMember? {
        guard let name = member.name else { throw .membership("a joining node needs a name") }
        let credentialKey = RecordKey.system(Self.joinPrefix + name)
        let memberKey = RecordKey.system(Self.memberPrefix + member.nodeID)
        return try await commit(.joinNode(name: name, nodeID: member.nodeID), by: nil) { () throws(StateError) in
            let (stored, records) = state.withLock { s in
                (s.index.systemRecords[Self.joinPrefix + name], s.index.systemRecords.filter { $0.key.hasPrefix(Self.memberPrefix) })
            }
            guard let stored, var credential = Self.decode(JoinCredential.self, stored.value) else {
                throw .membership("the cluster has no join credential for \(name) (coffer cluster add-node)")
            }
            guard credential.certificateSHA256 == credentialSHA256 else {
                throw .membership("this join credential for \(name) was superseded by a newer one")
            }
            guard credential.expiresAt > now else {
                throw .membership("the join credential for \(name) expired at \(Self.time(credential.expiresAt))")
            }
            // A repeat of a join that landed (its answer was lost): the same node and identity get a
            // new certificate, and nothing else changes.
            if credential.usedBy == member.nodeID, let entry = records[Self.memberPrefix + member.nodeID],
                var existing = Self.decodeMember(entry.value), existing.removedAt == nil,
                existing.identitySigningKey == member.identitySigningKey,
                existing.identityAgreementKey == member.identityAgreementKey
            {
                existing.certificateSHA256 = member.certificateSHA256
                existing.address = member.address
                return (
                    WritePlan(
                        preconditions: [.unchanged(memberKey, modRevision: entry.modRevision)],
                        writes: [.put(key: memberKey, value: try Self.encode(existing))]),
                    nil
                )
            }
            if let usedBy = credential.usedBy, !credential.replaceable {
                throw .membership("the join credential for \(name) was used already (by \(usedBy)); make a new one with coffer cluster add-node")
            }
            guard records[Self.memberPrefix + member.nodeID] == nil else {
                throw .membership("\(member.nodeID) is a member already: it restarts without joining")
            }
            let named = records.compactMap { entry -> (ClusterMember, Int64)? in
                guard let existing = Self.decodeMember(entry.value.value), existing.removedAt == nil, existing.displayName == name
                else { return nil }
                return (existing, entry.value.modRevision)
            }
            if !named.isEmpty, !credential.replaceable {
                throw .membership("a member named \(name) exists (\(named[0].0.nodeID)); only a replaceable credential replaces it")
            }
            credential.usedBy = member.nodeID
            credential.usedAt = now
            var preconditions: [WritePlan.Precondition] = [
                .unchanged(credentialKey, modRevision: stored.modRevision), .absent(memberKey),
            ]
            var writes: [WritePlan.Write] = [
                .put(key: memberKey, value: try Self.encode(member)), .put(key: credentialKey, value: try Self.encode(credential)),
            ]
            var replaced: ClusterMember?
            for (old, revision) in named {
                var gone = old
                gone.removedAt = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
                let key = RecordKey.system(Self.memberPrefix + old.nodeID)
                preconditions.append(.unchanged(key, modRevision: revision))
                writes.append(.put(key: key, value: try Self.encode(gone)))
                writes.append(.put(key: RecordKey.system(Self.revokedPrefix + old.certificateSHA256), value: SecretBytes(Array(old.nodeID.utf8))))
                replaced = gone
            }
            return (WritePlan(preconditions: preconditions, writes: writes), replaced)
        }
    }

    static func time(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    private static func decode<T: Decodable>(_ type: T.Type, _ record: SecretBytes) -> T? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(type, from: Data(record.unsafeCopy))
    }

    private static func decodeMember(_ record: SecretBytes) -> ClusterMember? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(ClusterMember.self, from: Data(record.unsafeCopy))
    }

    private static func encode(_ value: some Encodable) throws(StateError) -> SecretBytes {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        do { return SecretBytes(Array(try encoder.encode(value))) } catch { throw .membership("\(error)") }
    }
}

/// A join credential (`coffer cluster add-node`): the node to be named `name` presents its
/// certificate (a client certificate of the cluster CA) when it joins.
public struct JoinCredential: Codable, Sendable, Equatable {
    public var name: String
    /// SHA-256 of the credential's certificate (DER), hex.
    public var certificateSHA256: String
    public var expiresAt: Date
    /// Usable again by each node of that name, which replaces the previous one.
    public var replaceable: Bool
    public var createdAt: Date
    /// The node that last joined with it, and when.
    public var usedBy: String?
    public var usedAt: Date?

    public init(name: String, certificateSHA256: String, expiresAt: Date, replaceable: Bool, createdAt: Date) {
        self.name = name
        self.certificateSHA256 = certificateSHA256
        self.expiresAt = expiresAt
        self.replaceable = replaceable
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case name, replaceable
        case certificateSHA256 = "certificate_sha256"
        case expiresAt = "expires_at"
        case createdAt = "created_at"
        case usedBy = "used_by"
        case usedAt = "used_at"
    }

    /// 1 to 63 of a-z, 0-9, '.', '-', starting with a letter or digit.
    public static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...63).contains(bytes.count), let first = bytes.first, first != UInt8(ascii: "."), first != UInt8(ascii: "-")
        else { return false }
        return bytes.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 46 || $0 == 45 }
    }
}

// MARK: - Peer hints

/// Where a node says it serves: in the clear, outside the sealed data, so that a sealed node can
/// find a peer to ask for the domain key. Whoever can write to the store can misdirect a sealed
/// node with it, but not deceive it: the peer must hold a cluster certificate, and the key it sends
/// must pass the seal configuration's check.
public struct PeerHint: Codable, Sendable, Equatable {
    public var nodeID: String
    public var address: String
    public var seenAt: Date
    /// SHA-256 of the cluster CA certificate's DER, hex: a joining node tells a credential of
    /// another cluster by it (and still trusts only its credential's CA).
    public var caSHA256: String?

    public init(nodeID: String, address: String, seenAt: Date, caSHA256: String? = nil) {
        self.nodeID = nodeID
        self.address = address
        self.seenAt = seenAt
        self.caSHA256 = caSHA256
    }

    enum CodingKeys: String, CodingKey {
        case address
        case nodeID = "node_id"
        case seenAt = "seen_at"
        case caSHA256 = "ca_sha256"
    }
}

extension StateMachine {
    /// Writes this node's hint (not a command: nothing sealed, no participant sees it).
    public func publish(_ hint: PeerHint) async throws(StateError) {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        do {
            let value = Array(try encoder.encode(hint))
            _ = try await store.transact(compare: [], success: [.put(key: RecordKey.peerHint(hint.nodeID), value: value)], failure: [])
        } catch {
            throw StateError(error)
        }
    }

    /// Every node's hint, sealed or not (a malformed one is skipped).
    public func peerHints() async throws(StateError) -> [PeerHint] {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            let result = try await store.range(prefix: RecordKey.peerHintPrefix, startKey: nil, at: nil, limit: 1000)
            return result.keyValues.compactMap { try? decoder.decode(PeerHint.self, from: Data($0.value)) }
        } catch {
            throw StateError(error)
        }
    }
}
