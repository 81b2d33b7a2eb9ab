// Many threads on one library against a real cofferd (C/threads.c): 16 threads with a session each
// and 16 sharing 2 sessions, every signature verified and every decryption compared.
import CofferTestSupport
import Foundation
import Testing

@Suite struct ThreadTests {
    @Test func manyThreadsOnSeparateAndSharedSessions() throws {
        let fixture = try PKCS11Fixture()
        let folder = fixture.node.folder
        guard let program = try CProgram.compile("threads", in: folder, libraries: ["-lpthread"]) else { return }
        let result = try program.run(configuration: fixture.configuration, [PKCS11Fixture.library, fixture.pin, "40"], folder: folder)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains(" 0 failed"), "\(result.stdout)")
        print(result.stdout.split(separator: "\n").suffix(2).joined(separator: "; "))
    }
}
