import Testing
@testable import CofferCrypto

@Suite struct CryptoModuleTests {
    @Test func startsWhenSelfTestsPass() throws {
        let module = try CryptoModule.start()
        #expect(try module.mechanisms().types.contains(.sha256))
    }

    @Test func refusesToStartWhenASelfTestFails() {
        let broken = KnownAnswerTest(name: "deliberately wrong") { registry in
            let digest = try registry.digest(.sha256).digest([0x61])
            try KnownAnswerTest.expectEqual(digest, hex: "00")
        }
        #expect(throws: CryptoError.self) { try CryptoModule.start(selfTests: [broken]) }
    }

    @Test func failedRerunPutsModuleInFailedState() throws {
        let module = try CryptoModule.start()
        let broken = KnownAnswerTest(name: "deliberately wrong") { _ in throw CryptoError.signatureInvalid }
        #expect(throws: CryptoError.self) { try module.rerunSelfTests([broken]) }
        #expect(throws: CryptoError.libraryFailed) { try module.mechanisms() }
    }

    @Test func unknownMechanismIsMechanismInvalid() {
        #expect(throws: CryptoError.mechanismInvalid(MechanismType(rawValue: 0xFFFF))) {
            try MechanismRegistry.standard.mechanism(MechanismType(rawValue: 0xFFFF))
        }
        #expect(throws: CryptoError.mechanismInvalid(.sha256)) { try MechanismRegistry.standard.cipher(.sha256) }
    }
}
