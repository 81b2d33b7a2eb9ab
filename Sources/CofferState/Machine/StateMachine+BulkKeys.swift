// Bulk secret-key generation: many token keys from one template in one store transaction, so that a
// large store (benchmarks, migrations) is filled at one fsync per batch instead of one per key.

import CofferCrypto
import CofferModel

extension StateMachine {
    /// Most keys one `generateKeys` call makes (they are written in one store transaction).
    public static let maxKeysPerGeneration = 1000

    /// C_GenerateKey `count` times in one transaction: token secret keys owned by `user`, each checked
    /// as `generateKey` checks one key. With a `labelPrefix`, key `i` is labelled `labelPrefix` followed by
    /// `firstNumber + i` in decimal, and the template must not carry CKA_LABEL itself.
    ///
    /// `count` outside 1...`maxKeysPerGeneration` is CKR_ARGUMENTS_BAD; CKA_TOKEN must be true (absent is
    /// CKR_TEMPLATE_INCOMPLETE, false CKR_TEMPLATE_INCONSISTENT: session objects are made one at a time).
    public func generateKeys(
        mechanism: MechanismType, template: AttributeSet, count: Int, labelPrefix: String? = nil, firstNumber: UInt64 = 0,
        by user: User, in context: SessionContext? = nil
    ) async throws(StateError) -> [ObjectHandle] {
        let barrier = try requireBarrier()
        guard (1...Self.maxKeysPerGeneration).contains(count) else {
            throw .model(.argumentsBad("count must be 1 to \(Self.maxKeysPerGeneration), not \(count)"))
        }
        guard firstNumber <= UInt64.max - UInt64(count) else { throw .model(.argumentsBad("label numbers overflow")) }
        guard let token = template.bool(.token) else { throw .model(.templateIncomplete(.token)) }
        guard token else { throw .model(.templateInconsistent(.token, "bulk generation makes token keys only")) }
        if labelPrefix != nil, template.contains(.label) {
            throw .model(.templateInconsistent(.label, "given together with a label prefix"))
        }
        let (plan, generator) = try secretKeyPlan(mechanism: mechanism, template: template, by: user)
        var records: [ObjectRecord] = []
        records.reserveCapacity(count)
        for i in 0..<count {
            var attributes = plan.attributes
            if let labelPrefix { attributes[.label] = .string(labelPrefix + String(firstNumber + UInt64(i))) }
            records.append(try newSecretKey(plan.byteCount, attributes: attributes, generator: generator, by: user, in: context))
        }
        try await insert(records, in: context, barrier: barrier)
        return records.map(\.object.handle)
    }
}
