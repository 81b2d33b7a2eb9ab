// CKA_EC_PARAMS parsing: DER OIDs, printable curve names, unsupported and malformed input.

import CofferCrypto
import Testing

@testable import CofferModel

@Suite struct NamedCurveTests {
    @Test(arguments: NamedCurve.allCases)
    func oidRoundTrip(_ curve: NamedCurve) throws {
        #expect(try NamedCurve(ecParams: curve.derOID) == curve)
    }

    @Test func oidsAreTheRegisteredOnes() throws {
        #expect(try NamedCurve(ecParams: Hex.decode("06082a8648ce3d030107")!) == .p256)
        #expect(try NamedCurve(ecParams: Hex.decode("06052b81040022")!) == .p384)
        #expect(try NamedCurve(ecParams: Hex.decode("06052b81040023")!) == .p521)
        #expect(try NamedCurve(ecParams: Hex.decode("06032b6570")!) == .ed25519)
        #expect(try NamedCurve(ecParams: Hex.decode("06032b656e")!) == .x25519)
        #expect(try NamedCurve(ecParams: Hex.decode("06032b6571")!) == .ed448)
    }

    @Test func printableNames() throws {
        func printable(_ s: String) -> [UInt8] { [0x13, UInt8(s.utf8.count)] + Array(s.utf8) }
        #expect(try NamedCurve(ecParams: printable("edwards25519")) == .ed25519)
        #expect(try NamedCurve(ecParams: printable("curve25519")) == .x25519)
        #expect(try NamedCurve(ecParams: printable("prime256v1")) == .p256)
        #expect(try NamedCurve(ecParams: printable("secp384r1")) == .p384)
        #expect(try NamedCurve(ecParams: printable("edwards448")) == .ed448)
        expectCode(.curveNotSupported) { _ = try NamedCurve(ecParams: printable("curve448")) }
    }

    @Test func curveFamilies() {
        #expect(NamedCurve.p384.ecCurve == .p384)
        #expect(NamedCurve.ed25519.keyType == .ecEdwards)
        #expect(NamedCurve.x25519.keyPairParameters == .x25519)
        #expect(NamedCurve.p521.keyPairParameters == .ec(.p521))
    }

    @Test func unsupportedCurves() {
        expectCode(.curveNotSupported) { _ = try NamedCurve(ecParams: Hex.decode("06032b656f")!) }  // X448
        expectCode(.curveNotSupported) { _ = try NamedCurve(ecParams: Hex.decode("06052b8104000a")!) }  // secp256k1
        expectCode(.curveNotSupported) { _ = try NamedCurve(ecParams: [0x30, 0x03, 0x02, 0x01, 0x01]) }  // explicit
        expectCode(.curveNotSupported) { _ = try NamedCurve(ecParams: [0x05, 0x00]) }  // implicitlyCA
    }

    @Test(arguments: [[], [0x06], [0x06, 0x08, 0x2A], [0x06, 0x00], [0x04, 0x01, 0x00], [0x06, 0x81, 0x01, 0x00]] as [[UInt8]])
    func malformed(_ bytes: [UInt8]) {
        expectCode(.attributeValueInvalid) { _ = try NamedCurve(ecParams: bytes) }
    }
}
