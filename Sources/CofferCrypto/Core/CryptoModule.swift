// The gate in front of the mechanisms: a `CryptoModule` exists only after its known-answer
// self-tests have passed, so a node cannot serve crypto from a library that failed them.

import Synchronization

/// The self-tested mechanism set. Obtain one with `CryptoModule.start()`.
public final class CryptoModule: Sendable {
    /// The mechanisms this module serves.
    public let registry: MechanismRegistry
    private let failed = Atomic<Bool>(false)

    private init(registry: MechanismRegistry) {
        self.registry = registry
    }

    /// Runs every known-answer self-test against `registry` and returns a module that serves it.
    /// Throws `CryptoError.selfTestFailed` naming the first failing test; no module is made then.
    public static func start(
        registry: MechanismRegistry = .standard,
        selfTests: [KnownAnswerTest] = KnownAnswerTest.standard
    ) throws(CryptoError) -> CryptoModule {
        for test in selfTests {
            do {
                try test.run(registry)
            } catch {
                throw .selfTestFailed("\(test.name): \(error)")
            }
        }
        return CryptoModule(registry: registry)
    }

    /// Re-runs the self-tests on demand (PKCS#11 hosts and operators may ask for this).
    /// A failure puts the module in the failed state for good.
    public func rerunSelfTests(_ selfTests: [KnownAnswerTest] = KnownAnswerTest.standard) throws(CryptoError) {
        for test in selfTests {
            do {
                try test.run(registry)
            } catch {
                failed.store(true, ordering: .sequentiallyConsistent)
                throw .selfTestFailed("\(test.name): \(error)")
            }
        }
    }

    /// The registry, unless a re-run self-test has failed.
    public func mechanisms() throws(CryptoError) -> MechanismRegistry {
        if failed.load(ordering: .relaxed) { throw .libraryFailed }
        return registry
    }
}
