// Multi-part operations against a real cofferd (C/multipart.c): AES-CBC, CBC-PAD, CTR and GCM in
// every chunk pattern against the one-shot results and SP 800-38A's vectors, the two-call size
// convention on every update and final, and empty updates of HMAC, verify and digest.
import CofferTestSupport
import Foundation
import Testing

@Suite struct MultipartTests {
    @Test func chunkPatternsSizeConventionAndVectors() throws {
        let fixture = try PKCS11Fixture()
        guard let result = try CProgram.runChecks("multipart", on: fixture) else { return }
        print(result.stdout.split(separator: "\n").suffix(1).joined())
    }
}
