// The binary form of a user record: version, id, role, locked flag, failure count, name, verifier.

extension User {
    static let encodingVersion: UInt8 = 1

    /// The canonical encoding.
    public var encoded: [UInt8] {
        var w = BinaryWriter()
        w.u8(Self.encodingVersion)
        w.u64(id.rawValue)
        w.u8(role.rawValue)
        w.u8(locked ? 1 : 0)
        w.u32(failedLoginCount)
        w.lengthPrefixed(Array(name.utf8))
        w.lengthPrefixed(passwordVerifier)
        return w.bytes
    }

    /// Decodes bytes made by `encoded`; throws `.recordCorrupt` for anything else.
    public init(encoded bytes: [UInt8]) throws(ModelError) {
        var r = BinaryReader(bytes)
        guard try r.u8() == Self.encodingVersion else { throw .recordCorrupt("unknown user version") }
        let id = UserID(try r.u64())
        guard let role = Role(rawValue: try r.u8()) else { throw .recordCorrupt("unknown role") }
        let lockedByte = try r.u8()
        guard lockedByte <= 1 else { throw .recordCorrupt("locked flag is not 0 or 1") }
        let failed = try r.u32()
        guard let name = String(validating: try r.lengthPrefixed(), as: UTF8.self) else {
            throw .recordCorrupt("user name is not UTF-8")
        }
        let verifier = try r.lengthPrefixed()
        try r.finish()
        do {
            try self.init(id: id, name: name, role: role, passwordVerifier: verifier, failedLoginCount: failed, locked: lockedByte == 1)
        } catch {
            throw .recordCorrupt("user name: \(error)")
        }
    }
}
