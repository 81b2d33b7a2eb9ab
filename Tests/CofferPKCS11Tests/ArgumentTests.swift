// The C test program (C/arguments.c) against a real cofferd: compiled with `cc` at test time, it
// dlopens the library in an empty environment and checks argument handling and error codes.
import Foundation
import Testing

@Suite struct ArgumentTests {
    /// The C source, found from this file's path.
    static var source: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("C/arguments.c").path
    }

    @Test func cProgramChecksArgumentsAndErrorCodes() throws {
        let fixture = try PKCS11Fixture()
        let folder = fixture.node.folder
        let compiled = try Tool.run("cc", ["-Wall", "-Werror", "-o", "arguments", Self.source, "-ldl"], folder: folder)
        #expect(compiled.status == 0, "\(compiled.stderr)")
        guard compiled.status == 0 else { return }
        let result = try Tool.run(
            "/usr/bin/env",
            ["-i", "COFFER_PKCS11_CONF=\(fixture.configuration)", folder + "/arguments", PKCS11Fixture.library, fixture.pin],
            folder: folder)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains(" 0 failed"), "\(result.stdout)")
    }
}
