// C_EncapsulateKey and C_DecapsulateKey (PKCS#11 3.2, CKM_ML_KEM): the shared secret becomes a new
// secret key object; the caller gets its handle and, from an encapsulation, the ciphertext.

import CofferCrypto
import CofferModel
import struct Crypto.SymmetricKey

extension StateMachine {
    /// C_EncapsulateKey to `publicKey`: a new secret key described by `template`, owned by `user`,
    /// and the ciphertext that carries it to the private key's holder. Not repeatable under a
    /// request id: each call draws a new secret, so its handle is random and a repeat makes a
    /// second key with its own ciphertext rather than answer with the first key and a ciphertext
    /// that does not open to it.
    public func encapsulateKey(
        mechanism: MechanismType, publicKey: ObjectHandle, template: AttributeSet, by user: User, in context: SessionContext? = nil
    ) async throws(StateError) -> (handle: ObjectHandle, ciphertext: [UInt8]) {
        _ = try requireBarrier()
        let key = try keyObject(publicKey, for: user, in: context)
        let target = try secretKeyTarget(template, using: key, for: .encapsulate, mechanism: mechanism, by: user)
        guard let material = key.material else {
            throw .model(.keyTypeInconsistent(mechanism, key.object.keyType ?? .genericSecret))
        }
        let registry = try mechanisms
        let result: (ciphertext: [UInt8], sharedSecret: SymmetricKey)
        do throws(CofferCrypto.CryptoError) {
            result = try registry.encapsulation(mechanism).encapsulate(publicKey: material)
        } catch {
            throw .crypto(error)
        }
        let ciphertext = result.ciphertext
        let secret = try Self.sharedSecret(result.sharedSecret, fitting: target)
        let handle = try await insertSecretKey(
            secret, attributes: LibraryAttributes.encapsulated(target.attributes),
            command: .encapsulateKey(mechanism, publicKey: publicKey, template: target.attributes), by: user, in: context,
            repeatable: false)
        return (handle, ciphertext)
    }

    /// C_DecapsulateKey of `ciphertext` with `privateKey`: a new secret key described by `template`,
    /// owned by `user`, whose always-sensitive / never-extractable flags follow the private key's.
    public func decapsulateKey(
        mechanism: MechanismType, privateKey: ObjectHandle, ciphertext: [UInt8], template: AttributeSet, by user: User,
        in context: SessionContext? = nil
    ) async throws(StateError) -> ObjectHandle {
        _ = try requireBarrier()
        let key = try keyObject(privateKey, for: user, in: context)
        let target = try secretKeyTarget(template, using: key, for: .decapsulate, mechanism: mechanism, by: user)
        guard let material = key.material else {
            throw .model(.keyTypeInconsistent(mechanism, key.object.keyType ?? .genericSecret))
        }
        let registry = try mechanisms
        let shared: SymmetricKey
        do throws(CofferCrypto.CryptoError) {
            shared = try registry.encapsulation(mechanism).decapsulate(ciphertext, privateKey: material)
        } catch {
            throw .crypto(error)
        }
        let secret = try Self.sharedSecret(shared, fitting: target)
        return try await insertSecretKey(
            secret, attributes: LibraryAttributes.derived(target.attributes, from: key.object.attributes),
            command: .decapsulateKey(mechanism, privateKey: privateKey, template: target.attributes), by: user, in: context)
    }

    /// The shared secret's bytes, whole: a template's CKA_VALUE_LEN must name its length, and its
    /// key type must take a key of that length (ML-KEM's 32 bytes: a generic secret or AES-256).
    private static func sharedSecret(_ key: SymmetricKey, fitting target: UnwrapTarget) throws(StateError) -> [UInt8] {
        let bytes = key.withUnsafeBytes { Array($0) }
        if let expected = target.expectedValueLength, expected != bytes.count {
            throw .model(.templateInconsistent(.valueLen, "the shared secret is \(bytes.count) bytes"))
        }
        guard TemplateRules.secretKeyLengths(target.keyType).contains(bytes.count) else {
            throw .crypto(.keySizeRange("the shared secret's \(bytes.count) bytes do not fit \(target.keyType)"))
        }
        return bytes
    }
}
