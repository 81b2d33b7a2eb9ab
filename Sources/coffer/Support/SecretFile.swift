// Writing files that hold secrets (keys, login tokens) with mode 0600 from the first byte.

import Foundation

/// Files readable only by their owner.
enum SecretFile {
    /// Writes `data` to `path`, created 0600 (an existing file is replaced and narrowed to 0600).
    static func write(_ data: Data, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw CLIError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard fchmod(descriptor, 0o600) == 0 else { throw CLIError("cannot restrict \(path) to 0600") }
        do {
            try FileHandle(fileDescriptor: descriptor, closeOnDealloc: false).write(contentsOf: data)
        } catch {
            throw CLIError("cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// Writes a public file (0644).
    static func writePublic(_ data: Data, to path: String) throws {
        do {
            try data.write(to: URL(fileURLWithPath: path))
        } catch {
            throw CLIError("cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// Reads a file the user named.
    static func read(_ path: String) throws -> Data {
        guard FileManager.default.fileExists(atPath: path) else { throw CLIError("file not found: \(path)") }
        guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("cannot read \(path)") }
        return data
    }
}
