// The sealed-state machine: collects shares, checks each on its own as it arrives, and opens the
// barrier once the threshold is reached and the rebuilt key passes the sentinel check.

import CofferCrypto
import Synchronization

/// Sealed until `threshold` valid shares arrive; then holds the `Barrier`. Safe to share across tasks.
public final class Unsealer: Sendable {
    /// The configuration the shares are checked against.
    public let configuration: SealConfiguration

    private struct State {
        var shares: [ShamirShare] = []
        var barrier: Barrier?
    }

    private let state = Mutex(State())

    /// A sealed state for `configuration`.
    public init(configuration: SealConfiguration) {
        self.configuration = configuration
    }

    /// Where unsealing stands.
    public var progress: UnsealProgress {
        state.withLock { state in
            state.barrier == nil
                ? .sealed(given: state.shares.count, threshold: configuration.threshold) : .unsealed
        }
    }

    /// The open barrier, or nil while sealed.
    public var barrier: Barrier? { state.withLock { $0.barrier } }

    /// The open barrier.
    /// - Throws: `BarrierError.sealed` while sealed.
    public func requireBarrier() throws(BarrierError) -> Barrier {
        guard let barrier else { throw .sealed }
        return barrier
    }

    /// Accepts one share. A rejected share leaves the shares already accepted untouched.
    /// - Throws: `.alreadyUnsealed`, `.shareFromAnotherInitialization`, `.shareOutOfRange`,
    ///   `.shareCheckFailed`, `.shareDuplicate`, or `.domainKeyMismatch` (which also discards the shares).
    public func submit(share: ShamirShare) throws(BarrierError) -> UnsealProgress {
        try configuration.check(share)
        let configuration = configuration
        return try state.withLock { (state) throws(BarrierError) -> UnsealProgress in
            guard state.barrier == nil else { throw .alreadyUnsealed }
            guard !state.shares.contains(where: { $0.x == share.x }) else { throw .shareDuplicate(x: share.x) }
            state.shares.append(share)
            guard state.shares.count >= configuration.threshold else {
                return .sealed(given: state.shares.count, threshold: configuration.threshold)
            }
            let given = state.shares
            state.shares = []
            let secret: SecretBytes
            do throws(ShamirError) {
                secret = try Shamir.combine(given)
            } catch {
                throw .shareMalformed(error)
            }
            let barrier = Barrier(domainKey: try DomainKey(secret: secret))
            guard barrier.verifySentinel(configuration.sealedSentinel) else { throw .domainKeyMismatch }
            state.barrier = barrier
            return .unsealed
        }
    }

    /// Accepts one share in its binary encoding.
    public func submit<C: Collection>(encodedShare: C) throws(BarrierError) -> UnsealProgress where C.Element == UInt8 {
        let share: ShamirShare
        do {
            share = try ShamirShare(encoded: encodedShare)
        } catch {
            throw .shareMalformed(error)
        }
        return try submit(share: share)
    }

    /// Accepts one share in its text form (`coffer-share:...`).
    public func submit(shareText: String) throws(BarrierError) -> UnsealProgress {
        let share: ShamirShare
        do {
            share = try ShamirShare(text: shareText)
        } catch {
            throw .shareMalformed(error)
        }
        return try submit(share: share)
    }

    /// Discards the shares given so far (their buffers are zeroised when released).
    public func reset() {
        state.withLock { $0.shares = [] }
    }

    /// Drops the barrier and any given shares: the state is sealed again.
    public func seal() {
        state.withLock { state in
            state.shares = []
            state.barrier = nil
        }
    }
}
