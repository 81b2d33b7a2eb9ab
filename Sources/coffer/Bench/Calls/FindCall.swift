// C_FindObjectsInit by CKA_LABEL + C_FindObjects + C_FindObjectsFinal in the store of find keys;
// each thread walks the labels from its own starting point.

import CPKCS11

/// Finds one key of the find store by label and checks that exactly one object matches.
final class FindCall: BenchCall {
    private let module: PKCS11Module
    private let session: CK_SESSION_HANDLE
    private let searches: [AttributeTemplate]
    private let found: UnsafeMutablePointer<CK_OBJECT_HANDLE>
    private var next: Int

    init(module: PKCS11Module, session: CK_SESSION_HANDLE, searches: [AttributeTemplate], thread: Int) {
        self.module = module
        self.session = session
        self.searches = searches
        next = (thread &* 7919) % max(searches.count, 1)
        found = .allocate(capacity: 2)
        found.initialize(repeating: 0, count: 2)
    }

    deinit { found.deallocate() }

    func run() throws(PKCS11Error) {
        let search = searches[next]
        next = next + 1 == searches.count ? 0 : next + 1
        let count = try module.find(session, search, into: found, capacity: 2)
        guard count == 1 else {
            throw PKCS11Error("C_FindObjects", CK_RV(CKR_OK), detail: "\(count) objects match a find-store label, not 1")
        }
    }
}
