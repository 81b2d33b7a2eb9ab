// The errors CofferModel throws. Each case carries its PKCS#11 return code; the mapping lives here only.

import CofferCrypto

/// A template, policy or access check that failed, with the attribute or rule that caused it.
public enum ModelError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The attribute type is unknown, or (for get and set) does not exist on this object.
    case attributeTypeInvalid(AttributeType)
    /// The attribute's value or length is wrong for its type.
    case attributeValueInvalid(AttributeType, String)
    /// The caller may not set this attribute (library-maintained, unchangeable, or one-way).
    case attributeReadOnly(AttributeType, String)
    /// The attribute holds secret key material that may not be revealed.
    case attributeSensitive(AttributeType)
    /// The template's values conflict with each other, with the mechanism or with the object.
    case templateInconsistent(AttributeType, String)
    /// A required attribute is missing.
    case templateIncomplete(AttributeType)
    /// The mechanism is unknown, does not support the operation, or is outside CKA_ALLOWED_MECHANISMS.
    case mechanismInvalid(MechanismType, String)
    /// The key's type does not fit the mechanism.
    case keyTypeInconsistent(MechanismType, KeyType)
    /// The wrapping key's type does not fit the wrapping mechanism.
    case wrappingKeyTypeInconsistent(MechanismType, KeyType)
    /// The unwrapping key's type does not fit the unwrapping mechanism.
    case unwrappingKeyTypeInconsistent(MechanismType, KeyType)
    /// The key's usage attribute does not allow the operation.
    case keyFunctionNotPermitted(AttributeType)
    /// The key to wrap has CKA_EXTRACTABLE false.
    case keyUnextractable
    /// C_DigestKey on a key whose value may not be digested (not a secret key, or not extractable).
    case keyIndigestible(String)
    /// The key to wrap has CKA_WRAP_WITH_TRUSTED and the wrapping key is not CKA_TRUSTED.
    case keyNotWrappable
    /// The mechanism cannot wrap this kind of key (CKM_RSA_PKCS wraps secret keys only).
    case keyNotWrappableWith(MechanismType, String)
    /// The requested key size is outside what the mechanism supports.
    case keySizeRange(String)
    /// CKA_EC_PARAMS names a curve Coffer does not support.
    case curveNotSupported(String)
    /// The object forbids the action (CKA_MODIFIABLE, CKA_COPYABLE or CKA_DESTROYABLE false).
    case actionProhibited(String)
    /// The handle names an object that is not a key.
    case notAKey
    /// The object does not exist for this user: not owned by it and not shared with it.
    case objectNotVisible
    /// The user's role may not do this (for example an admin using a key).
    case roleNotPermitted(Role, String)
    /// A user name or other argument is malformed.
    case argumentsBad(String)
    /// Stored bytes failed to decode: truncated, garbage or from an unknown version.
    case recordCorrupt(String)

    /// The PKCS#11 `CK_RV` value for this error.
    public var returnCode: ReturnCode {
        switch self {
        case .attributeTypeInvalid: .attributeTypeInvalid
        case .attributeValueInvalid: .attributeValueInvalid
        case .attributeReadOnly: .attributeReadOnly
        case .attributeSensitive: .attributeSensitive
        case .templateInconsistent: .templateInconsistent
        case .templateIncomplete: .templateIncomplete
        case .mechanismInvalid: .mechanismInvalid
        case .keyTypeInconsistent: .keyTypeInconsistent
        case .wrappingKeyTypeInconsistent: .wrappingKeyTypeInconsistent
        case .unwrappingKeyTypeInconsistent: .unwrappingKeyTypeInconsistent
        case .keyFunctionNotPermitted: .keyFunctionNotPermitted
        case .keyUnextractable: .keyUnextractable
        case .keyIndigestible: .keyIndigestible
        case .keyNotWrappable, .keyNotWrappableWith: .keyNotWrappable
        case .keySizeRange: .keySizeRange
        case .curveNotSupported: .curveNotSupported
        case .actionProhibited: .actionProhibited
        case .notAKey: .keyHandleInvalid
        // An object the user may not reach must look exactly like one that does not exist.
        case .objectNotVisible: .objectHandleInvalid
        // PKCS#11 reports "the right kind of user is not logged in" this way (e.g. SO using a key).
        case .roleNotPermitted: .userNotLoggedIn
        case .argumentsBad: .argumentsBad
        case .recordCorrupt: .generalError
        }
    }

    public var description: String {
        switch self {
        case .attributeTypeInvalid(let t): "attribute \(t) is not valid here"
        case .attributeValueInvalid(let t, let why): "attribute \(t) has an invalid value: \(why)"
        case .attributeReadOnly(let t, let why): "attribute \(t) is read-only: \(why)"
        case .attributeSensitive(let t): "attribute \(t) is sensitive and cannot be revealed"
        case .templateInconsistent(let t, let why): "template is inconsistent at \(t): \(why)"
        case .templateIncomplete(let t): "template is missing required attribute \(t)"
        case .mechanismInvalid(let m, let why): "mechanism \(m) is not allowed: \(why)"
        case .keyTypeInconsistent(let m, let k): "key type \(k) does not fit mechanism \(m)"
        case .wrappingKeyTypeInconsistent(let m, let k): "wrapping key type \(k) does not fit mechanism \(m)"
        case .unwrappingKeyTypeInconsistent(let m, let k): "unwrapping key type \(k) does not fit mechanism \(m)"
        case .keyFunctionNotPermitted(let t): "key does not allow this operation (\(t) is false)"
        case .keyUnextractable: "key has CKA_EXTRACTABLE false and cannot be wrapped"
        case .keyIndigestible(let why): "key cannot be digested: \(why)"
        case .keyNotWrappable: "key has CKA_WRAP_WITH_TRUSTED and the wrapping key is not CKA_TRUSTED"
        case .keyNotWrappableWith(let mechanism, let why): "\(mechanism) cannot wrap this key: \(why)"
        case .keySizeRange(let why): "key size out of range: \(why)"
        case .curveNotSupported(let why): "curve not supported: \(why)"
        case .actionProhibited(let why): "action prohibited: \(why)"
        case .notAKey: "object is not a key"
        case .objectNotVisible: "no such object"
        case .roleNotPermitted(let role, let what): "role \(role) may not \(what)"
        case .argumentsBad(let why): "bad arguments: \(why)"
        case .recordCorrupt(let why): "stored record is corrupt: \(why)"
        }
    }
}
