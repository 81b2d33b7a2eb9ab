// Issue 16 item 15: ML-DSA's PKCS#11 3.2 signature parameters (hedging variant and context) through
// the shipped library against a real cofferd (C/mldsa.c).
import CofferTestSupport
import Foundation
import Testing

@Suite struct MLDSAParameterTests {
    @Test func hedgedSignaturesWithAContextVerifyOnlyUnderIt() throws {
        let fixture = try PKCS11Fixture()
        try CProgram.runChecks("mldsa", on: fixture)
    }
}
