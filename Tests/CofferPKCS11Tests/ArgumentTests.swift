// The C test program (C/arguments.c) against a real cofferd: compiled with `cc` at test time, it
// dlopens the library in an empty environment and checks argument handling and error codes.
import Foundation
import Testing

@Suite struct ArgumentTests {
    @Test func cProgramChecksArgumentsAndErrorCodes() throws {
        let fixture = try PKCS11Fixture()
        let folder = fixture.node.folder
        guard let program = try CProgram.compile("arguments", in: folder) else { return }
        let result = try program.run(configuration: fixture.configuration, [PKCS11Fixture.library, fixture.pin], folder: folder)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains(" 0 failed"), "\(result.stdout)")
    }
}
