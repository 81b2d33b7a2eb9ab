// C_FindObjectsInit's search with the public attributes of what it finds, kept in the attribute
// cache for the C_GetAttributeValue calls that follow; and the cache's reads and invalidations.
import CPKCS11
import CofferClient
import CofferProtocol

extension Library {
    /// Every handle matching `attributes`, on the pipeline (the fast path when attached); the found
    /// objects' public attributes go into the cache.
    func search(_ attributes: [Coffer_V1_Attribute], session handle: CK_SESSION_HANDLE) throws(CKRError) -> [UInt64] {
        let writes = try read { $0.attributeCache.writes }
        let found = try onSession(handle, .safe) { (binding: Binding) throws(CKRError) in
            try Blocking.wait(limit: binding.limit) { finish in
                binding.client.search(
                    template: attributes, attributeTypes: AttributeCache.types, attributeLimit: AttributeCache.capacity,
                    session: binding.remote, completion: finish)
            }
        }
        let now = ContinuousClock.now
        try change { (state: inout State) throws(CKRError) in
            state.attributeCache.store(found.objects, since: writes, at: now)
        }
        let keyTypes = try read { $0.client?.configuration.searchKeyTypes }
        return Self.shown(found, keyTypes: keyTypes)
    }

    /// `found`'s handles without the keys of types the profile's `search_key_types` leaves out (all of
    /// them when it names none). A key whose type did not come with the search is kept.
    static func shown(_ found: SearchResult, keyTypes: Set<UInt64>?) -> [UInt64] {
        guard let keyTypes else { return found.handles }
        var hidden = Set<UInt64>()
        for object in found.objects {
            guard let attribute = object.attributes.first(where: { $0.type == UInt64(CKA_KEY_TYPE) }),
                case .value(let bytes)? = attribute.result, let keyType = AttributeEncoding.ulong(bytes)
            else { continue }
            if !keyTypes.contains(keyType) { hidden.insert(object.handle) }
        }
        return hidden.isEmpty ? found.handles : found.handles.filter { !hidden.contains($0) }
    }

    /// The cached results for `types` of `object`, when all are cached and fresh.
    func cachedAttributes(_ object: UInt64, types: [UInt64]) throws(CKRError) -> [Coffer_V1_AttributeResult]? {
        let now = ContinuousClock.now
        return try read { (state: State) throws(CKRError) in
            state.attributeCache.results(object, types: types, at: now)
        }
    }

    /// Forgets what the cache holds of `object`, which this application is changing or destroying.
    func invalidateAttributes(_ object: UInt64) {
        _ = try? change { $0.attributeCache.invalidate(object) }
    }
}
