// Object commands (generate, create, set attributes, share, unshare, destroy) and the queries the
// node serves from the index (find, read attributes, take a key for an operation).

import CofferCrypto
import CofferModel
import Crypto

extension StateMachine {
    // MARK: - Queries

    /// The object `handle` if `user` may see it; otherwise `.objectHandleInvalid`, as if it did not exist.
    /// Session objects are visible only to a caller in a session of the login that made them.
    /// A token object on a node past its staleness bound is `.stale`.
    public func object(_ handle: ObjectHandle, for user: User, in context: SessionContext? = nil) throws(StateError) -> IndexedObject {
        // The hot path of every crypto call: the seal, the freshness and the entry under one lock.
        let isSessionObject = SessionObjectTable.isSessionObject(handle)
        let (unsealed, provenCurrentAt, entry) = state.withLock { s -> (Bool, ContinuousClock.Instant?, IndexedObject?) in
            let entry = isSessionObject
                ? context.flatMap { s.sessionObjects.entry(handle, login: $0.login) } : s.index.objects[handle]
            return (s.barrier != nil, s.provenCurrentAt, entry)
        }
        guard unsealed else { throw .sealed }
        if !isSessionObject { try checkFresh(provenCurrentAt) }
        guard let entry, Access.canSee(entry.object, by: user) else { throw .objectHandleInvalid }
        return entry
    }

    /// The key `handle` for `operation` with `mechanism`: checks access, usage attributes and key type,
    /// and returns the key parsed at load time. This is the hot path: a lookup, no store access.
    public func key(
        _ handle: ObjectHandle, for operation: KeyOperation, mechanism: MechanismType, by user: User,
        in context: SessionContext? = nil
    ) throws(StateError) -> KeyMaterial {
        try keyUse(handle, for: operation, mechanism: mechanism, by: user, in: context).material
    }

    /// The value of the secret key `handle` for C_DigestKey: the user must be able to use it and
    /// `KeyPolicy.checkDigest` must allow it.
    public func digestibleKeyValue(_ handle: ObjectHandle, by user: User, in context: SessionContext? = nil) throws(StateError) -> SymmetricKey {
        let entry = try keyObject(handle, for: user, in: context)
        try check { () throws(ModelError) in
            try Access.checkUse(entry.object, by: user)
            try KeyPolicy.checkDigest(entry.object.attributes)
        }
        try refuseIfGuarded(handle, "C_DigestKey would use its value without approvals")
        guard case .secret(let key) = entry.material else {
            throw .model(.keyIndigestible("the key has no secret value"))
        }
        return key
    }

    /// As `key`, and whether each use of the key needs the user's password again
    /// (CKA_ALWAYS_AUTHENTICATE, PKCS#11 3.0 section 4.9: a context-specific login).
    public func keyUse(
        _ handle: ObjectHandle, for operation: KeyOperation, mechanism: MechanismType, by user: User,
        in context: SessionContext? = nil
    ) throws(StateError) -> (material: KeyMaterial, alwaysAuthenticate: Bool) {
        let entry = try keyObject(handle, for: user, in: context)
        try check { () throws(ModelError) in
            try Access.checkUse(entry.object, by: user)
            try KeyPolicy.checkUse(entry.object.attributes, for: operation, mechanism: mechanism)
        }
        try requireApprovedUse(handle, operation)
        guard let material = entry.material else {
            throw .model(.keyTypeInconsistent(mechanism, entry.object.keyType ?? .genericSecret))
        }
        return (material, entry.object.attributes.bool(.alwaysAuthenticate) == true)
    }

    /// Handles of the objects `user` can see that match every attribute in `template`: token objects,
    /// and the session objects of the caller's login.
    public func find(_ template: AttributeSet, for user: User, in context: SessionContext? = nil) throws(StateError) -> [ObjectHandle] {
        _ = try requireBarrier()
        try requireFresh()
        let matches = state.withLock { s in
            var found = s.index.candidates(label: template.string(.label), id: template.bytes(.id), visibleTo: user)
                .compactMap { s.index.objects[$0] }
            if let context { found += s.sessionObjects.objects(of: context.login) }
            return found
        }
        return matches.filter { entry in
            Access.canSee(entry.object, by: user)
                && template.allSatisfy { Self.value($0.type, of: entry.object) == $0.value }
        }.map(\.object.handle).sorted()
    }

    /// One attribute's value as C_GetAttributeValue may report it. Secret components come back only for
    /// keys that are neither sensitive nor unextractable, and only to a crypto-user (who may use the
    /// key): never to an admin or auditor. Otherwise `.model(.attributeSensitive)`.
    public func attributeValue(
        _ type: AttributeType, of handle: ObjectHandle, for user: User, in context: SessionContext? = nil
    ) throws(StateError) -> AttributeValue {
        let entry = try object(handle, for: user, in: context)
        let reveal: AttributeReveal
        do { reveal = try KeyPolicy.reveal(type, of: entry.object) } catch { throw StateError(error) }
        switch reveal {
        case .value(let value): return value
        case .sealed:
            guard user.role == .cryptoUser, let value = entry.secretAttributes[type] else {
                throw .model(.attributeSensitive(type))
            }
            return value
        }
    }

    /// An attribute's value for matching, with CKA_CLASS taken from the object itself.
    private static func value(_ type: AttributeType, of object: StoredObject) -> AttributeValue? {
        type == .objectClass ? .ulong(object.objectClass.rawValue) : object.attributes[type]
    }

    // MARK: - Commands

    /// C_GenerateKey: a secret key owned by `user`; a session object when CKA_TOKEN is false.
    public func generateKey(
        mechanism: MechanismType, template: AttributeSet, by user: User, in context: SessionContext? = nil
    ) async throws(StateError) -> ObjectHandle {
        _ = try requireBarrier()
        let (plan, generator) = try secretKeyPlan(mechanism: mechanism, template: template, by: user)
        let record = try newSecretKey(plan.byteCount, attributes: plan.attributes, generator: generator, by: user, in: context)
        try await insert([record], command: .generateKey(mechanism, template: plan.attributes), by: user, in: context)
        return record.object.handle
    }

    /// C_GenerateKey's checks: `user` may create keys, the template fits the mechanism; and the generator.
    func secretKeyPlan(
        mechanism: MechanismType, template: AttributeSet, by user: User
    ) throws(StateError) -> (SecretKeyGeneration, any KeyGenerationMechanism) {
        let plan: SecretKeyGeneration
        do {
            try Access.checkCreateObjects(by: user)
            plan = try TemplateRules.generateKey(mechanism: mechanism, template: template, by: user.role)
        } catch {
            throw StateError(error)
        }
        let registry = try mechanisms
        do { return (plan, try registry.keyGeneration(mechanism)) } catch { throw .crypto(error) }
    }

    /// The record of a new secret key of `byteCount` bytes with `attributes`, owned by `user`.
    func newSecretKey(
        _ byteCount: Int, attributes: AttributeSet, generator: any KeyGenerationMechanism, by user: User, in context: SessionContext?
    ) throws(StateError) -> ObjectRecord {
        let key: SymmetricKey
        do { key = try generator.generateKey(byteCount: byteCount) } catch { throw .crypto(error) }
        let value = key.withUnsafeBytes { Array($0) }
        let object = StoredObject(
            handle: try newHandle(for: attributes, in: context), objectClass: .secretKey, attributes: attributes, owner: user.id)
        return ObjectRecord(object: object, secretAttributes: AttributeSet([(.value, .bytes(value))]), keyBlob: nil)
    }

    /// C_GenerateKeyPair: a public and a private key owned by `user`, written in one transaction.
    public func generateKeyPair(
        mechanism: MechanismType, publicTemplate: AttributeSet, privateTemplate: AttributeSet, by user: User,
        in context: SessionContext? = nil
    ) async throws(StateError) -> (publicKey: ObjectHandle, privateKey: ObjectHandle) {
        _ = try requireBarrier()
        let plan: KeyPairGeneration
        do {
            try Access.checkCreateObjects(by: user)
            plan = try TemplateRules.generateKeyPair(
                mechanism: mechanism, publicTemplate: publicTemplate, privateTemplate: privateTemplate, by: user.role)
        } catch {
            throw StateError(error)
        }
        let registry = try mechanisms
        let privateKey: any PrivateKeyMaterial
        do { privateKey = try registry.keyPairGeneration(mechanism).generateKeyPair(plan.parameters) } catch {
            throw .crypto(error)
        }
        let publicValues = try Self.publicAttributes(of: privateKey.publicKey)
        let publicObject = StoredObject(
            handle: try newHandle(for: plan.publicAttributes, in: context), objectClass: .publicKey, attributes: plan.publicAttributes.merging(publicValues), owner: user.id)
        let privateObject = StoredObject(
            handle: try newHandle(for: plan.privateAttributes, in: context), objectClass: .privateKey, attributes: plan.privateAttributes.merging(Self.privateShare(of: publicValues, keyType: plan.keyType)),
            owner: user.id)
        let records = [
            ObjectRecord(
                object: publicObject, secretAttributes: AttributeSet(),
                keyBlob: KeyBlob(half: .publicKey, algorithm: privateKey.algorithm, bytes: SecretBytes(privateKey.publicKey.serialized))),
            ObjectRecord(
                object: privateObject, secretAttributes: AttributeSet(),
                keyBlob: KeyBlob(half: .privateKey, algorithm: privateKey.algorithm, bytes: privateKey.serialized())),
        ]
        let command = Command.generateKeyPair(
            mechanism, publicTemplate: plan.publicAttributes, privateTemplate: plan.privateAttributes)
        try await insert(records, command: command, by: user, in: context)
        return (publicObject.handle, privateObject.handle)
    }

    /// C_CreateObject: data objects, certificates, secret keys, public keys, and private keys from their
    /// components (RSA n, e, d, p, q; the EC, Ed25519 or X25519 private value). ML-DSA and ML-KEM private
    /// keys are generated inside Coffer.
    public func createObject(_ template: AttributeSet, by user: User, in context: SessionContext? = nil) async throws(StateError) -> ObjectHandle {
        _ = try requireBarrier()
        let plan: NewObject
        do {
            try Access.checkCreateObjects(by: user)
            plan = try TemplateRules.create(template, by: user.role)
        } catch {
            throw StateError(error)
        }
        guard let objectClass = plan.objectClass else { throw .model(.templateIncomplete(.objectClass)) }
        var attributes = plan.attributes
        var keyBlob: KeyBlob? = nil
        if objectClass == .privateKey {
            let key = try PrivateKeyImport.key(attributes: plan.attributes, secrets: plan.secretAttributes)
            // The public values come from the key itself, so they always match the private part.
            let publicValues = try Self.publicAttributes(of: key.publicKey)
            attributes = attributes.merging(Self.privateShare(of: publicValues, keyType: plan.attributes.keyType))
            keyBlob = KeyBlob(half: .privateKey, algorithm: key.algorithm, bytes: key.serialized())
        }
        if objectClass == .publicKey, plan.attributes.keyType == .rsa { try checkRSAPolicy(attributes) }
        let object = StoredObject(
            handle: try newHandle(for: attributes, in: context), objectClass: objectClass, attributes: attributes, owner: user.id)
        let record = ObjectRecord(object: object, secretAttributes: plan.secretAttributes, keyBlob: keyBlob)
        // Parse now so that a key the index could not use is refused here, not at load time.
        do { _ = try IndexedObject(record, modRevision: 0) } catch { throw StateError(error) }
        try await insert([record], command: .createObject(plan.attributes), by: user, in: context)
        return object.handle
    }

    /// An imported RSA public key follows the node's RSA size policy (`minimumRSABits`), as the keys it
    /// generates do: below the minimum is CKR_KEY_SIZE_RANGE.
    private func checkRSAPolicy(_ attributes: AttributeSet) throws(StateError) {
        let minimum: UInt
        let registry = try mechanisms
        do { minimum = try registry.keyPairGeneration(.rsaPKCSKeyPairGen).info.minKeySize } catch { throw .crypto(error) }
        guard let bits = attributes.ulong(.modulusBits), bits >= minimum else {
            throw .model(.keySizeRange("RSA keys must be at least \(minimum) bits on this node (minimumRSABits)"))
        }
    }

    /// C_SetAttributeValue.
    public func setAttributes(
        _ handle: ObjectHandle, _ changes: AttributeSet, by user: User, in context: SessionContext? = nil
    ) async throws(StateError) {
        try await update(handle, .setAttributes(handle, changes), by: user, in: context) { entry throws(StateError) in
            var object = entry.object
            do {
                try Access.checkManage(object, by: user)
                object.attributes = try TemplateRules.setAttributes(object.attributes, changes: changes, by: user.role)
            } catch {
                throw StateError(error)
            }
            return object
        }
    }

    /// Shares `handle` with the crypto-user `target`. Only the owner shares, from a read-write session.
    public func share(_ handle: ObjectHandle, with target: UserID, by user: User, in context: SessionContext? = nil) async throws(StateError) {
        try await setShared(handle, with: target, shared: true, by: user, in: context)
    }

    /// Withdraws a share.
    public func unshare(_ handle: ObjectHandle, from target: UserID, by user: User, in context: SessionContext? = nil) async throws(StateError) {
        try await setShared(handle, with: target, shared: false, by: user, in: context)
    }

    /// Shares or unshares with the user named `name`. Only crypto-users share, checked before the
    /// name is looked up, so that others learn nothing about which names exist.
    public func setShared(
        _ handle: ObjectHandle, withNamed name: String, shared: Bool, by user: User, in context: SessionContext? = nil
    ) async throws(StateError) {
        _ = try requireBarrier()
        try check { () throws(ModelError) in try Access.checkCreateObjects(by: user) }
        if let context, !context.readWrite { throw .sessionReadOnly }
        try await setShared(handle, with: try self.user(named: name).id, shared: shared, by: user, in: context)
    }

    private func setShared(
        _ handle: ObjectHandle, with target: UserID, shared: Bool, by user: User, in context: SessionContext?
    ) async throws(StateError) {
        let targetUser = try self.user(target)
        guard !SessionObjectTable.isSessionObject(handle) else { throw .sessionObjectNotShareable }
        if let context, !context.readWrite { throw .sessionReadOnly }
        try await update(handle, .share(handle, with: target, shared: shared), by: user, in: nil) { entry throws(StateError) in
            try check { () throws(ModelError) in try Access.checkShare(entry.object, by: user, with: targetUser) }
            var object = entry.object
            if shared { object.sharedWith.insert(target) } else { object.sharedWith.remove(target) }
            return object
        }
    }

    /// C_DestroyObject.
    public func destroy(_ handle: ObjectHandle, by user: User, in context: SessionContext? = nil) async throws(StateError) {
        _ = try requireBarrier()
        if SessionObjectTable.isSessionObject(handle) {
            let entry = try object(handle, for: user, in: context)
            try Self.checkDestroy(entry, by: user)
            state.withLock { $0.sessionObjects.remove(handle) }
            return
        }
        try await commitOnce(.destroyObject(handle), by: user.id) { () throws(StateError) in
            let entry = try object(handle, for: user, in: context)
            try Self.checkDestroy(entry, by: user)
            if let context, !context.readWrite { throw .sessionReadOnly }
            let key = RecordKey.object(handle)
            return WritePlan(preconditions: [.unchanged(key, modRevision: entry.modRevision)], writes: [.delete(key: key)])
        }
    }

    private static func checkDestroy(_ entry: IndexedObject, by user: User) throws(StateError) {
        do {
            try Access.checkManage(entry.object, by: user)
            try KeyPolicy.checkDestroy(entry.object.attributes)
        } catch {
            throw StateError(error)
        }
    }

    // MARK: - Writing

    func newHandle() -> ObjectHandle {
        // Random 63-bit handles: unique across nodes without coordination (the insert's compare makes sure),
        // and never CK_INVALID_HANDLE (0).
        UInt64.random(in: 1...UInt64(Int64.max))
    }

    /// Commits new token objects: each handle must still be free (a clash of random 63-bit handles is
    /// reported as `.conflict`, not retried with the same handles).
    ///
    /// In a request with an id (`RequestScope`) the handles are the request's own, so finding them all
    /// taken by objects of the same classes and owner means an earlier attempt of this very request
    /// landed (its node died before it answered, and the client sent it again): nothing is written and
    /// the caller answers with those handles. A lost race is planned once more, after the index has
    /// caught up with the winner, to tell that case from a clash; so is a transaction whose outcome
    /// the store could not tell (the node's etcd member killed under it).
    func insertTokenObjects(_ records: [ObjectRecord], command: Command, by actor: UserID) async throws(StateError) {
        let writes = records.map { WritePlan.Write.put(key: RecordKey.object($0.object.handle), value: $0.encoded()) }
        let plan = WritePlan(preconditions: records.map { .absent(RecordKey.object($0.object.handle)) }, writes: writes)
        let repeatable = RequestScope.current != nil
        try await commit(command, by: actor, attempts: repeatable ? 2 : 1, repeatable: repeatable) { () throws(StateError) in
            if repeatable, try madeEarlier(records, by: actor) { return (WritePlan(), ()) }
            return (plan, ())
        }
    }

    /// Whether the index holds every one of `records`' handles as an object of the same class owned by
    /// `actor` (an earlier attempt of the same request). Some but not all, or another owner's: a clash.
    private func madeEarlier(_ records: [ObjectRecord], by actor: UserID) throws(StateError) -> Bool {
        let found = state.withLock { s in records.map { s.index.objects[$0.object.handle] } }
        if found.allSatisfy({ $0 == nil }) { return false }
        for (record, entry) in zip(records, found) {
            guard let entry, entry.object.owner == actor, entry.object.objectClass == record.object.objectClass else {
                throw .conflict
            }
        }
        return true
    }

    /// Read, check, write with compare-and-swap on the record's revision; on a lost race `change`
    /// runs again on the record as it is now. Session objects change in memory.
    private func update(
        _ handle: ObjectHandle, _ command: Command, by user: User, in context: SessionContext?,
        _ change: (IndexedObject) throws(StateError) -> StoredObject
    ) async throws(StateError) {
        _ = try requireBarrier()
        if let context, SessionObjectTable.isSessionObject(handle) {
            let entry = try object(handle, for: user, in: context)
            var changed = entry
            changed.object = try change(entry)
            state.withLock { s in
                // Unless the session ended meanwhile.
                if s.sessionObjects.objects[handle] != nil { s.sessionObjects.put(changed, in: context) }
            }
            return
        }
        try await commitOnce(command, by: user.id) { () throws(StateError) in
            let entry = try object(handle, for: user, in: context)
            let object = try change(entry)
            if let context, !context.readWrite { throw .sessionReadOnly }
            let record = ObjectRecord(object: object, secretAttributes: entry.secretAttributes, keyBlob: entry.keyBlob)
            let key = RecordKey.object(handle)
            return WritePlan(
                preconditions: [.unchanged(key, modRevision: entry.modRevision)], writes: [.put(key: key, value: record.encoded())])
        }
    }

    /// The public values a private key object carries too: those its class has in the schema
    /// (CKA_MODULUS and CKA_PUBLIC_EXPONENT for RSA, CKA_PUBLIC_KEY_INFO for all).
    static func privateShare(of publicValues: AttributeSet, keyType: KeyType?) -> AttributeSet {
        publicValues.filtered { ObjectSchema.rule($0, for: .privateKey, keyType: keyType) != nil && $0 != .value }
    }

    /// The public values PKCS#11 shows on both halves of a generated pair.
    static func publicAttributes(of key: any PublicKeyMaterial) throws(StateError) -> AttributeSet {
        var attributes = AttributeSet()
        switch key {
        case let rsa as RSAPublicKey:
            do {
                let numbers = try rsa.publicNumbers()
                attributes[.modulus] = .bytes(numbers.modulus)
                attributes[.publicExponent] = .bytes(numbers.publicExponent)
                attributes[.modulusBits] = .ulong(UInt64(rsa.keySizeInBits))
            } catch {
                throw .crypto(error)
            }
            attributes[.publicKeyInfo] = .bytes(key.serialized)
        case let ec as ECPublicKey:
            attributes[.ecPoint] = .bytes(PublicKeyImport.octetString(ec.uncompressedPoint))
            attributes[.publicKeyInfo] = .bytes(key.serialized)
        case is Ed25519PublicKey, is X25519PublicKey:
            // RFC 8410 SubjectPublicKeyInfo ends with the 32-byte point.
            attributes[.ecPoint] = .bytes(PublicKeyImport.octetString(Array(key.serialized.suffix(32))))
            attributes[.publicKeyInfo] = .bytes(key.serialized)
        case let ed448 as Ed448PublicKey:
            attributes[.ecPoint] = .bytes(PublicKeyImport.octetString(ed448.rawRepresentation))
            attributes[.publicKeyInfo] = .bytes(key.serialized)
        default:
            // ML-DSA and ML-KEM: CKA_VALUE is the FIPS 203/204 public key (PKCS#11 3.2).
            attributes[.value] = .bytes(key.serialized)
        }
        return attributes
    }
}
