// Runs an external program (pkcs11-tool, openssl, cc, the compiled C test) with output to files,
// so nothing can block on a full pipe.
import Foundation

/// One run of an external program.
public struct Tool: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String

    /// Runs `path arguments...` (a bare name is looked up in PATH) in `folder`.
    public static func run(_ path: String, _ arguments: [String], folder: String, environment extra: [String: String] = [:]) throws -> Tool {
        let process = Process()
        if path.hasPrefix("/") {
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [path] + arguments
        }
        var environment = ProcessInfo.processInfo.environment
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let name = UUID().uuidString
        let outputPath = folder + "/\(name).out"
        let errorPath = folder + "/\(name).err"
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try output.close()
        try errors.close()
        return Tool(
            status: process.terminationStatus,
            stdout: (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "")
    }
}
