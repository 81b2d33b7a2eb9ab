// A multi-part operation in progress: what Init fixed (mechanism, parameters, the key taken from the
// index and the user it was taken for) and either a cipher stream (CBC, CBC-PAD, CTR: each Update
// returns the output it completes), a running hash (SHA-2 digests and hash-then-sign signatures:
// Final signs or verifies the digest), or the input buffered so far, over which Final runs the
// single-part mechanism, so every other mechanism gets multi-part for free.

import CofferCrypto
import CofferModel

/// One active operation of a session.
struct ActiveOperation: Sendable {
    var mechanism: MechanismType
    var parameters: MechanismParameters
    /// The key, checked for this operation at Init; nil for digests.
    var key: KeyMaterial?
    /// The user who started it; only that user may continue it.
    var userID: UserID?
    var buffer: [UInt8] = []
    /// The part-by-part cipher, for the encryptions and decryptions that have one.
    var stream: CipherStream?
    /// The message's hash so far, for the digests and signatures that hash the whole message first.
    var hash: IncrementalHash?
    /// The key has CKA_ALWAYS_AUTHENTICATE: the operation's user must give the password again after
    /// Init (a context-specific login) before any Update or Final.
    var needsContextLogin = false
    var contextLoggedIn = false
}
