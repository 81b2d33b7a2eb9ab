// Issue 16 items 15 and 16 through the shipped library against a real cofferd: ML-DSA's PKCS#11 3.2
// signature parameters (hedging variant and context, C/mldsa.c), and AES keys wrapped with RSA-OAEP
// (C/rsawrap.c); and item 17, ML-KEM encapsulation through the PKCS#11 3.2 interface (C/mlkem.c).
import CofferTestSupport
import Foundation
import Testing

@Suite struct MechanismParameterTests {
    @Test func hedgedSignaturesWithAContextVerifyOnlyUnderIt() throws {
        let fixture = try PKCS11Fixture()
        try CProgram.runChecks("mldsa", on: fixture)
    }

    @Test func mlKEMEncapsulatesThroughThePKCS11ThreeTwoInterface() throws {
        let fixture = try PKCS11Fixture()
        try CProgram.runChecks("mlkem", on: fixture)
    }

    @Test func aesKeysWrapWithRSAOAEPAndNotWithPKCS1() throws {
        let fixture = try PKCS11Fixture()
        try CProgram.runChecks("rsawrap", on: fixture)
    }
}
