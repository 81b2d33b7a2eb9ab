// The PIN of the application's login, held in memory while it lasts so that the library can log in
// again on another node when the one it logged in on is gone. One buffer, never copied by the
// state's value semantics, zeroised when the login ends (and at the latest when the last
// reference goes).
import Glibc
import Synchronization

/// The user name and password given to C_Login.
final class Credential: Sendable {
    let user: String
    private let bytes: Mutex<[UInt8]>

    /// Copies `password` into a buffer of its own (the caller zeroises what it passed).
    init(user: String, password: ArraySlice<UInt8>) {
        self.user = user
        self.bytes = Mutex(password.withUnsafeBufferPointer { Array($0) })
    }

    deinit { wipe() }

    /// A copy of the password in its own buffer, for one login call (the caller zeroises it).
    var password: [UInt8] { bytes.withLock { stored in stored.withUnsafeBufferPointer { Array($0) } } }

    /// Overwrites the password with zeros and empties it.
    func wipe() {
        bytes.withLock { stored in
            zeroise(&stored)
            stored = []
        }
    }
}

/// Overwrites `bytes` with zeros in place (a buffer shared with another array is copied first by
/// Swift, so give this the only reference).
func zeroise(_ bytes: inout [UInt8]) {
    bytes.withUnsafeMutableBytes { if let base = $0.baseAddress { explicit_bzero(base, $0.count) } }
}
