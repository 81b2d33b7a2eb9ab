// The operations a key can be used for, each gated by one usage attribute.

/// A use of a key, as PKCS#11's C_*Init functions name them.
public enum KeyOperation: Sendable, CaseIterable, CustomStringConvertible {
    case encrypt, decrypt, sign, verify, signRecover, verifyRecover, wrap, unwrap, derive, encapsulate, decapsulate

    /// The usage attribute that must be true on the key.
    public var usageAttribute: AttributeType {
        switch self {
        case .encrypt: .encrypt
        case .decrypt: .decrypt
        case .sign: .sign
        case .verify: .verify
        case .signRecover: .signRecover
        case .verifyRecover: .verifyRecover
        case .wrap: .wrap
        case .unwrap: .unwrap
        case .derive: .derive
        case .encapsulate: .encapsulate
        case .decapsulate: .decapsulate
        }
    }

    public var description: String { usageAttribute.description }

    /// The operation's name in quorum operation texts (`use-key handle=42 operation=sign`).
    public var name: String {
        switch self {
        case .encrypt: "encrypt"
        case .decrypt: "decrypt"
        case .sign: "sign"
        case .verify: "verify"
        case .signRecover: "sign-recover"
        case .verifyRecover: "verify-recover"
        case .wrap: "wrap"
        case .unwrap: "unwrap"
        case .derive: "derive"
        case .encapsulate: "encapsulate"
        case .decapsulate: "decapsulate"
        }
    }
}
