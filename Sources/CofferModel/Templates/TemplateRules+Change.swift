// C_SetAttributeValue and C_CopyObject: changes to an existing object, under the one-way rules
// (footnotes 11 and 12) and the object's own CKA_MODIFIABLE / CKA_COPYABLE.

extension TemplateRules {
    /// Checks C_SetAttributeValue's `changes` on an object and returns its new attributes.
    ///
    /// An admin may change only CKA_TRUSTED; crypto-users anything modifiable except making an object trusted.
    public static func setAttributes(_ object: AttributeSet, changes: AttributeSet, by role: Role) throws(ModelError) -> AttributeSet {
        guard let objectClass = object.objectClass else { throw .recordCorrupt("object has no CKA_CLASS") }
        if role == .admin, let other = changes.types.first(where: { $0 != .trusted }) {
            throw .roleNotPermitted(role, "change \(other)")
        }
        // v3.0 §4.4: an object with CKA_MODIFIABLE false cannot be changed at all.
        guard object.bool(.modifiable) ?? true else { throw .actionProhibited("object has CKA_MODIFIABLE false") }
        let rules = ObjectSchema.rules(for: objectClass, keyType: object.keyType)
        for (type, value) in changes {
            // For set (unlike create), an attribute the object does not have is an invalid type (v3.0 §5.7.4).
            guard let rule = rules[type] else { throw .attributeTypeInvalid(type) }
            try checkChange(type, to: value, rule: rule, on: object, allowed: .modifiable, role: role)
        }
        return LibraryAttributes.changed(from: object, to: object.merging(changes))
    }

    /// Checks C_CopyObject's template against the original's attributes and returns the copy's attributes.
    /// The state layer copies the sealed secret material alongside.
    public static func copy(_ object: AttributeSet, template: AttributeSet, by role: Role) throws(ModelError) -> AttributeSet {
        guard let objectClass = object.objectClass else { throw .recordCorrupt("object has no CKA_CLASS") }
        guard object.bool(.copyable) ?? true else { throw .actionProhibited("object has CKA_COPYABLE false") }
        let rules = ObjectSchema.rules(for: objectClass, keyType: object.keyType)
        for (type, value) in template {
            guard let rule = rules[type] else {
                throw .templateInconsistent(type, "not an attribute of the object being copied")
            }
            try checkChange(type, to: value, rule: rule, on: object, allowed: [.modifiable, .copyModifiable], role: role)
        }
        return LibraryAttributes.changed(from: object, to: object.merging(template))
    }

    /// Checks that `type` may go from its current value to `value`.
    private static func checkChange(
        _ type: AttributeType, to value: AttributeValue, rule: AttributeRule, on object: AttributeSet,
        allowed: AttributeRule, role: Role
    ) throws(ModelError) {
        if rule.contains(.libraryMaintained) { throw .attributeReadOnly(type, "maintained by the library") }
        let current = object[type]
        guard !rule.isDisjoint(with: allowed) else {
            throw .attributeReadOnly(type, "cannot be changed after the object is made")
        }
        if rule.contains(.onlyToTrue), current == .bool(true), value == .bool(false) {
            throw .attributeReadOnly(type, "once true it cannot become false")
        }
        if rule.contains(.onlyToFalse), current == .bool(false), value == .bool(true) {
            throw .attributeReadOnly(type, "once false it cannot become true")
        }
        if rule.contains(.adminSetsTrue), value == .bool(true), current != .bool(true), role != .admin {
            throw .attributeReadOnly(type, "only an admin may set it to true")
        }
    }
}
