// A C test program from Tests/CofferPKCS11Tests/C, compiled with `cc` at test time into the node's
// folder and run against the library in an empty environment (`env -i`), as a plain C host would.
import CofferTestSupport
import Foundation
import Testing

/// One compiled C test program.
struct CProgram {
    let path: String

    /// Compiles `C/<name>.c` into `folder`; records the compiler's output and returns nil on failure.
    static func compile(_ name: String, in folder: String, libraries: [String] = []) throws -> CProgram? {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("C/\(name).c").path
        let compiled = try Tool.run("cc", ["-Wall", "-Werror", "-o", name, source, "-ldl"] + libraries, folder: folder)
        #expect(compiled.status == 0, "\(compiled.stderr)")
        return compiled.status == 0 ? CProgram(path: folder + "/" + name) : nil
    }

    /// Compiles `C/<name>.c`, runs it against `fixture`'s node with the library and PIN (then
    /// `arguments`), and expects it to exit 0 having printed "N checks, 0 failed". Returns its
    /// output (nil when it did not compile).
    @discardableResult
    static func runChecks(
        _ name: String, on fixture: PKCS11Fixture, _ arguments: [String] = [], libraries: [String] = [],
        environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Tool? {
        let folder = fixture.node.folder
        guard let program = try compile(name, in: folder, libraries: libraries) else { return nil }
        let result = try program.run(
            configuration: fixture.configuration, [PKCS11Fixture.library, fixture.pin] + arguments, folder: folder,
            environment: environment)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout.contains(" 0 failed"), "\(result.stdout)", sourceLocation: sourceLocation)
        return result
    }

    /// Runs the program under `env -i` with only COFFER_PKCS11_CONF (and `environment`) set.
    func run(configuration: String, _ arguments: [String], folder: String, environment: [String: String] = [:]) throws -> Tool {
        let extra = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        return try Tool.run("/usr/bin/env", ["-i", "COFFER_PKCS11_CONF=\(configuration)"] + extra + [path] + arguments, folder: folder)
    }

    /// Starts the program the same way without waiting; output goes to `<folder>/<name>.out`.
    func start(configuration: String, _ arguments: [String], folder: String, name: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["-i", "COFFER_PKCS11_CONF=\(configuration)", path] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let output = folder + "/\(name).out"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }
}
