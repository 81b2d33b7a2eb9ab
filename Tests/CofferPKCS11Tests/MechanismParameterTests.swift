// Issue 16 items 15 to 17 through the shipped library against a real cofferd: ML-DSA's PKCS#11 3.2
// signature parameters (hedging variant and context, C/mldsa.c); AES keys wrapped with RSA-OAEP and
// RSA PKCS#1 v1.5 (C/rsawrap.c); ML-KEM encapsulation through the PKCS#11 3.2 interface (C/mlkem.c).
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

    @Test func aesKeysWrapWithRSAOAEPAndWithPKCS1UnderImplicitRejection() throws {
        let fixture = try PKCS11Fixture()
        try CProgram.runChecks("rsawrap", on: fixture, libraries: ["-lcrypto"])
    }
}
