// Who may reach which object and do what: roles, ownership and sharing. A crypto-user reaches
// only its own objects and those shared with it; anything else looks like a handle that does not exist.

/// Access rules over users and objects.
public enum Access {
    /// Whether `user` may see the object at all (find it, read its public attributes).
    /// Admins see objects to manage them (CKA_TRUSTED) but never use them; auditors see none.
    public static func canSee(_ object: StoredObject, by user: User) -> Bool {
        switch user.role {
        case .admin: true
        case .cryptoUser: object.owner == user.id || object.sharedWith.contains(user.id)
        case .auditor: false
        }
    }

    /// Checks that `user` may use the key in a cryptographic operation: its owner or a user it is shared with.
    public static func checkUse(_ object: StoredObject, by user: User) throws(ModelError) {
        guard user.role == .cryptoUser else { throw .roleNotPermitted(user.role, "use keys") }
        guard canSee(object, by: user) else { throw .objectNotVisible }
    }

    /// Whether `user` may use the object.
    public static func canUse(_ object: StoredObject, by user: User) -> Bool {
        (try? checkUse(object, by: user)) != nil
    }

    /// Checks that `user` may change, copy or destroy the object: only its owner.
    /// Admins pass too, but `TemplateRules.setAttributes` lets them change nothing but CKA_TRUSTED.
    public static func checkManage(_ object: StoredObject, by user: User) throws(ModelError) {
        switch user.role {
        case .admin: return
        case .auditor: throw .roleNotPermitted(user.role, "change objects")
        case .cryptoUser:
            guard canSee(object, by: user) else { throw .objectNotVisible }
            guard object.owner == user.id else { throw .actionProhibited("only the owner may change this object") }
        }
    }

    /// Checks that `user` may share the object with (or unshare it from) `target`: the owner, with another crypto-user.
    public static func checkShare(_ object: StoredObject, by user: User, with target: User) throws(ModelError) {
        guard user.role == .cryptoUser else { throw .roleNotPermitted(user.role, "share keys") }
        guard canSee(object, by: user) else { throw .objectNotVisible }
        guard object.owner == user.id else { throw .actionProhibited("only the owner may share this object") }
        guard target.role == .cryptoUser else { throw .argumentsBad("keys can be shared only with crypto-users") }
        guard target.id != user.id else { throw .argumentsBad("an owner cannot share with itself") }
    }

    /// Whether `user` may share the object with `target`.
    public static func canShare(_ object: StoredObject, by user: User, with target: User) -> Bool {
        (try? checkShare(object, by: user, with: target)) != nil
    }

    /// Checks that `user` may create objects (create, generate, unwrap, derive): crypto-users only.
    public static func checkCreateObjects(by user: User) throws(ModelError) {
        guard user.role == .cryptoUser else { throw .roleNotPermitted(user.role, "create keys") }
    }

    /// Checks that `user` may manage users and the cluster: admins only.
    public static func checkManageUsers(by user: User) throws(ModelError) {
        guard user.role == .admin else { throw .roleNotPermitted(user.role, "manage users") }
    }

    /// Checks that `user` may read the audit log: auditors, and admins who run the cluster.
    public static func checkReadAuditLog(by user: User) throws(ModelError) {
        guard user.role == .auditor || user.role == .admin else { throw .roleNotPermitted(user.role, "read the audit log") }
    }
}
