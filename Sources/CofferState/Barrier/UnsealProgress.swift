// How far unsealing has got, as reported after each accepted share.

/// The state of an `Unsealer` after a share.
public enum UnsealProgress: Sendable, Equatable {
    /// Still sealed: `given` of `threshold` shares accepted.
    case sealed(given: Int, threshold: Int)
    /// The domain key is rebuilt and checked; the barrier is open.
    case unsealed
}
