// Bulk secret-key generation: many token keys from one template in as few store transactions as the
// store's limits allow, so that a large store (benchmarks, migrations) is filled at one fsync per
// batch instead of one per key. SQLite takes a whole call in one transaction; etcd (128 operations
// per transaction by default) takes it in batches, and a call interrupted after some batches keeps
// them and says how many keys it made.

import CofferCrypto
import CofferModel

extension StateMachine {
    /// Most keys one `generateKeys` call makes.
    public static let maxKeysPerGeneration = 1000

    /// C_GenerateKey `count` times, in as few transactions as the store allows: token secret keys owned by `user`, each checked
    /// as `generateKey` checks one key. With a `labelPrefix`, key `i` is labelled `labelPrefix` followed by
    /// `firstNumber + i` in decimal, and the template must not carry CKA_LABEL itself.
    ///
    /// `count` outside 1...`maxKeysPerGeneration` is CKR_ARGUMENTS_BAD; CKA_TOKEN must be true (absent is
    /// CKR_TEMPLATE_INCOMPLETE, false CKR_TEMPLATE_INCONSISTENT: session objects are made one at a time).
    public func generateKeys(
        mechanism: MechanismType, template: AttributeSet, count: Int, labelPrefix: String? = nil, firstNumber: UInt64 = 0,
        by user: User, in context: SessionContext? = nil
    ) async throws(StateError) -> [ObjectHandle] {
        _ = try requireBarrier()
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
        let batchSize = recordsPerCommit(operationsPerRecord: 1)
        var made: [ObjectHandle] = []
        made.reserveCapacity(count)
        while made.count < count {
            let first = firstNumber + UInt64(made.count)
            let batchCount = min(batchSize, count - made.count)
            var records: [ObjectRecord] = []
            records.reserveCapacity(batchCount)
            do throws(StateError) {
                for i in 0..<batchCount {
                    var attributes = plan.attributes
                    if let labelPrefix { attributes[.label] = .string(labelPrefix + String(first + UInt64(i))) }
                    records.append(
                        try newSecretKey(plan.byteCount, attributes: attributes, generator: generator, by: user, in: context))
                }
                let command = Command.generateKeys(
                    mechanism, template: plan.attributes, count: batchCount, labelPrefix: labelPrefix, firstNumber: first)
                try await insert(records, command: command, by: user, in: context)
            } catch {
                // Nothing of this batch was written; earlier batches were, and stay.
                guard made.isEmpty else {
                    throw .bulkInterrupted(made: made.count, requested: count, cause: error.returnCode, reason: error.description)
                }
                throw error
            }
            made += records.map(\.object.handle)
        }
        return made
    }
}
