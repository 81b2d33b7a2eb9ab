// One process per data folder: an advisory flock(2) on DATA/cofferd.lock, held for the process's
// life. Two nodes on one SQLite store would each serve their own stale index and rewrite the bundle.

import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The exclusive hold of one process on a data folder.
///
/// The kernel drops a flock when the last descriptor of its open file closes, so the lock ends with
/// the process however it ends (even SIGKILL), and no stale lock file ever blocks a restart. The file
/// holds the holder's PID, for the message the next process prints.
public final class DataDirectoryLock: Sendable {
    /// The lock file.
    public let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Takes the lock on `directory` (which must exist) without waiting; throws `.held` with the
    /// holder's PID when another process has it. Writes nothing but the lock file.
    public static func acquire(_ directory: DataDirectory) throws(DataDirectoryLockError) -> DataDirectoryLock {
        let path = directory.lock
        // O_CLOEXEC: a child process must not inherit, and so prolong, the lock.
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .cannotOpen(path, errno: errno) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let error = errno
            let holder = readPID(descriptor)
            close(descriptor)
            if error == EWOULDBLOCK { throw .held(directory.path, pid: holder) }
            throw .cannotOpen(path, errno: error)
        }
        // Ours now: the PID replaces whatever an earlier holder left.
        let text = Array("\(getpid())\n".utf8)
        guard ftruncate(descriptor, 0) == 0, pwrite(descriptor, text, text.count, 0) == text.count else {
            let error = errno
            close(descriptor)
            throw .cannotOpen(path, errno: error)
        }
        return DataDirectoryLock(path: path, descriptor: descriptor)
    }

    /// The PID the holder wrote (nil in the instant between its lock and its write).
    private static func readPID(_ descriptor: Int32) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = pread(descriptor, &bytes, bytes.count, 0)
        guard count > 0 else { return nil }
        return Int32(String(decoding: bytes[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// The data folder cannot be locked.
public enum DataDirectoryLockError: Error, Equatable, CustomStringConvertible {
    /// Another process (its PID when known) holds the folder.
    case held(String, pid: Int32?)
    case cannotOpen(String, errno: Int32)

    public var description: String {
        switch self {
        case .held(let folder, let pid):
            "the data folder \(folder) is in use by another cofferd (\(pid.map { "PID \($0)" } ?? "PID unknown")); "
                + "stop that one first, or give this one its own --data-dir"
        case .cannotOpen(let path, let code):
            "cannot lock \(path): \(String(cString: strerror(code)))"
        }
    }
}
