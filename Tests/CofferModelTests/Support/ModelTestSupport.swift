// Shared helpers for the model tests: short template builders and a CKR expectation.

import CofferCrypto
import Testing

@testable import CofferModel

/// An attribute set from pairs.
func attrs(_ pairs: (AttributeType, AttributeValue)...) -> AttributeSet { AttributeSet(pairs) }

/// Runs `body` and expects it to throw a ModelError carrying `code`.
func expectCode(_ code: ReturnCode, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected \(code), but the call succeeded", sourceLocation: sourceLocation)
    } catch let error as ModelError {
        #expect(error.returnCode == code, "got \(error.returnCode): \(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

let p256Params = NamedCurve.p256.derOID

/// A generated AES-256 key's attributes with the given overrides.
func aesKey(_ overrides: (AttributeType, AttributeValue)...) throws -> AttributeSet {
    let template = AttributeSet([(.valueLen, .ulong(32))] + overrides)
    return try TemplateRules.generateKey(mechanism: .aesKeyGen, template: template, by: .cryptoUser).attributes
}

/// A generated key pair of the given mechanism and public domain attribute.
func keyPair(_ mechanism: MechanismType, _ publicTemplate: AttributeSet, _ privateTemplate: AttributeSet = AttributeSet()) throws -> KeyPairGeneration {
    try TemplateRules.generateKeyPair(mechanism: mechanism, publicTemplate: publicTemplate, privateTemplate: privateTemplate, by: .cryptoUser)
}

func user(_ id: UInt64, _ role: Role) -> User {
    // Names built from digits are always valid.
    (try? User(id: UserID(id), name: "user\(id)", role: role, passwordVerifier: [1, 2, 3]))!
}
