// A Coffer user. The password is held only as an opaque verifier that the state layer makes and checks.

/// A user account.
public struct User: Sendable, Hashable {
    /// The longest user name accepted, in UTF-8 bytes.
    public static let maxNameLength = 64
    /// Failed logins after which the account locks.
    public static let lockoutThreshold: UInt32 = 5

    public var id: UserID
    public var name: String
    public var role: Role
    /// A salted, slow password verifier (for example scrypt output with its salt), opaque here.
    public var passwordVerifier: [UInt8]
    public var failedLoginCount: UInt32
    public var locked: Bool

    /// A user; throws `.argumentsBad` for an invalid name.
    public init(id: UserID, name: String, role: Role, passwordVerifier: [UInt8], failedLoginCount: UInt32 = 0, locked: Bool = false) throws(ModelError) {
        try Self.validateName(name)
        self.id = id
        self.name = name
        self.role = role
        self.passwordVerifier = passwordVerifier
        self.failedLoginCount = failedLoginCount
        self.locked = locked
    }

    /// Checks a user name: 1 to 64 bytes of ASCII letters, digits, '.', '_', '-' or '@'.
    public static func validateName(_ name: String) throws(ModelError) {
        let bytes = Array(name.utf8)
        guard (1...maxNameLength).contains(bytes.count) else {
            throw .argumentsBad("user name must be 1 to \(maxNameLength) bytes")
        }
        let allowed: (UInt8) -> Bool = { b in
            (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
                || b == 0x2E || b == 0x5F || b == 0x2D || b == 0x40
        }
        guard bytes.allSatisfy(allowed) else {
            throw .argumentsBad("user name may hold only letters, digits, '.', '_', '-' and '@'")
        }
    }

    /// The user after a failed login: the count grows and the account locks at the threshold.
    public func recordingFailedLogin() -> User {
        var next = self
        next.failedLoginCount = failedLoginCount &+ 1 == 0 ? .max : failedLoginCount + 1
        if next.failedLoginCount >= Self.lockoutThreshold { next.locked = true }
        return next
    }

    /// The user after a successful login: the failure count resets.
    public func recordingSuccessfulLogin() -> User {
        var next = self
        next.failedLoginCount = 0
        return next
    }
}
