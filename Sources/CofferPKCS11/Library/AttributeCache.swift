// The public attributes the last searches brought back, so that the C_GetAttributeValue calls a
// lister makes after C_FindObjects (pkcs11-tool -O, keytool -list: a dozen per object) need no node
// call each. Never key material: the node leaves it out of a search (docs/protocol.md).
import CPKCS11
import CofferProtocol

/// Attribute results of token objects, from the searches of this application's login.
///
/// Correct for this process: an entry goes at C_SetAttributeValue and C_DestroyObject of its object,
/// everything goes at login, logout, failover and C_Finalize (the library's state is cleared then),
/// and a search that overlapped any such write stores nothing. Writes by other processes are seen
/// once an entry expires, `lifetime` after its search. Session objects are never cached: they die
/// with their session, which the cache would not notice.
struct AttributeCache: Sendable {
    /// The attributes a search asks for: the ones listers read. CKA_VALUE is among them because
    /// pkcs11-tool -O asks every key for it: the node answers a key's only with CKR_ATTRIBUTE_SENSITIVE
    /// (when the key is sensitive or unextractable) or not at all, and public values only for
    /// certificates and other objects whose CKA_VALUE is not secret.
    static let types: [UInt64] = [
        CKA_CLASS, CKA_VALUE, CKA_TOKEN, CKA_PRIVATE, CKA_LABEL, CKA_APPLICATION, CKA_OBJECT_ID, CKA_CERTIFICATE_TYPE,
        CKA_ISSUER, CKA_SERIAL_NUMBER, CKA_CERTIFICATE_CATEGORY, CKA_TRUSTED, CKA_KEY_TYPE, CKA_SUBJECT, CKA_ID,
        CKA_SENSITIVE, CKA_ENCRYPT, CKA_DECRYPT, CKA_WRAP, CKA_UNWRAP, CKA_SIGN, CKA_SIGN_RECOVER, CKA_VERIFY,
        CKA_VERIFY_RECOVER, CKA_DERIVE, CKA_START_DATE, CKA_END_DATE, CKA_MODULUS, CKA_MODULUS_BITS,
        CKA_PUBLIC_EXPONENT, CKA_VALUE_LEN, CKA_EXTRACTABLE, CKA_LOCAL, CKA_NEVER_EXTRACTABLE, CKA_ALWAYS_SENSITIVE,
        CKA_KEY_GEN_MECHANISM, CKA_MODIFIABLE, CKA_COPYABLE, CKA_DESTROYABLE, CKA_EC_PARAMS, CKA_EC_POINT,
        CKA_ALWAYS_AUTHENTICATE, CKA_WRAP_WITH_TRUSTED, CKA_PUBLIC_KEY_INFO, CKA_ALLOWED_MECHANISMS,
    ].map { UInt64($0) } + [0x4]  // CKA_UNIQUE_ID (PKCS#11 3.0; not in p11-kit's header)
    /// How long an entry answers: the bound on seeing another process's change late.
    static let lifetime: Duration = .seconds(10)
    /// Most objects a search brings attributes for (the first ones); the rest are read from the node.
    static let capacity = 20_000

    private struct Entry: Sendable {
        var results: [UInt64: Coffer_V1_AttributeResult]
        var stored: ContinuousClock.Instant
    }

    private var entries: [UInt64: Entry] = [:]
    /// Counts the writes (C_SetAttributeValue, C_DestroyObject) this application made.
    private(set) var writes = 0

    /// Keeps the attributes of `objects`, unless a write happened since `writes` was `since`.
    mutating func store(_ objects: [Coffer_V1_FoundObject], since: Int, at now: ContinuousClock.Instant) {
        guard writes == since else { return }
        entries = entries.filter { now - $0.value.stored < Self.lifetime }
        for object in objects.prefix(Self.capacity) where object.handle & (1 << 63) == 0 {
            guard entries.count < Self.capacity else { break }
            entries[object.handle] = Entry(
                results: Dictionary(object.attributes.map { ($0.type, $0) }, uniquingKeysWith: { first, _ in first }),
                stored: now)
        }
    }

    /// The results for `types` of `handle`, when every one is cached and fresh; else nil.
    func results(_ handle: UInt64, types: [UInt64], at now: ContinuousClock.Instant) -> [Coffer_V1_AttributeResult]? {
        guard let entry = entries[handle], now - entry.stored < Self.lifetime else { return nil }
        var results: [Coffer_V1_AttributeResult] = []
        results.reserveCapacity(types.count)
        for type in types {
            guard let result = entry.results[type] else { return nil }
            results.append(result)
        }
        return results
    }

    /// Drops `handle`'s entry, and makes any search in flight store nothing: this application is
    /// changing or destroying the object.
    mutating func invalidate(_ handle: UInt64) {
        entries[handle] = nil
        writes += 1
    }

    /// Drops everything (a login, logout or failover).
    mutating func removeAll() {
        entries.removeAll()
        writes += 1
    }
}
