// Object management (PKCS#11 2.40 section 5.7): create, copy, destroy, attributes and search, each
// one node call in the caller's node session (so session objects live in that session).
import CPKCS11
import CofferClient
import CofferProtocol

/// C_CreateObject.
@_cdecl("C_CreateObject")
public func cCreateObject(
    _ session: CK_SESSION_HANDLE, _ template: UnsafeMutablePointer<CK_ATTRIBUTE>?, _ count: CK_ULONG,
    _ object: UnsafeMutablePointer<CK_OBJECT_HANDLE>?
) -> CK_RV {
    returnCode { () throws(CKRError) in
        _ = try Library.shared.session(session)
        let object = try required(object)
        guard template != nil else { throw CKRError(CK_RV(CKR_ARGUMENTS_BAD)) }
        let attributes = try Template.attributes(template, count)
        let request = RequestID()
        object.pointee = CK_OBJECT_HANDLE(
            try Library.shared.callOnSession(session, .repeatable) { (client: CofferClient, remote: UInt64) async throws(CofferClientError) in
                try await client.createObject(template: attributes, session: remote, request: request)
            })
    }
}

/// C_CopyObject.
@_cdecl("C_CopyObject")
public func cCopyObject(
    _ session: CK_SESSION_HANDLE, _ source: CK_OBJECT_HANDLE, _ template: UnsafeMutablePointer<CK_ATTRIBUTE>?,
    _ count: CK_ULONG, _ object: UnsafeMutablePointer<CK_OBJECT_HANDLE>?
) -> CK_RV {
    returnCode { () throws(CKRError) in
        _ = try Library.shared.session(session)
        let object = try required(object)
        let attributes = try Template.attributes(template, count)
        let request = RequestID()
        object.pointee = CK_OBJECT_HANDLE(
            try Library.shared.callOnSession(session, .repeatable) { (client: CofferClient, remote: UInt64) async throws(CofferClientError) in
                try await client.copyObject(UInt64(source), template: attributes, session: remote, request: request)
            })
    }
}

/// C_DestroyObject.
@_cdecl("C_DestroyObject")
public func cDestroyObject(_ session: CK_SESSION_HANDLE, _ object: CK_OBJECT_HANDLE) -> CK_RV {
    returnCode { () throws(CKRError) in
        _ = try Library.shared.session(session)
        // Before and after the call: a search in flight meanwhile then stores nothing (AttributeCache).
        Library.shared.invalidateAttributes(UInt64(object))
        defer { Library.shared.invalidateAttributes(UInt64(object)) }
        let request = RequestID()
        let approval = try Library.shared.takeApproval(session)
        try Library.shared.callOnSession(session, .repeatable) { (client: CofferClient, remote: UInt64) async throws(CofferClientError) in
            try await client.destroyObject(UInt64(object), session: remote, request: request, quorumToken: approval)
        }
        Library.shared.forgetCheckedUses()
    }
}

/// C_GetObjectSize: the size is not disclosed (section 5.7 allows CK_UNAVAILABLE_INFORMATION).
@_cdecl("C_GetObjectSize")
public func cGetObjectSize(
    _ session: CK_SESSION_HANDLE, _ object: CK_OBJECT_HANDLE, _ size: UnsafeMutablePointer<CK_ULONG>?
) -> CK_RV {
    returnCode { () throws(CKRError) in
        _ = try Library.shared.session(session)
        let size = try required(size)
        // Asking for the class proves the handle exists and is visible to the caller.
        _ = try Library.shared.callOnSession(session, .safe) { (client: CofferClient, remote: UInt64) async throws(CofferClientError) in
            try await client.getAttributes(UInt64(object), types: [UInt64(CKA_CLASS)], session: remote)
        }
        size.pointee = unavailableInformation
    }
}

/// C_GetAttributeValue: fills what it can (see `Template.fill`), from the attributes the last search
/// brought when it has them all (see `AttributeCache`), else from the node.
@_cdecl("C_GetAttributeValue")
public func cGetAttributeValue(
    _ session: CK_SESSION_HANDLE, _ object: CK_OBJECT_HANDLE, _ template: UnsafeMutablePointer<CK_ATTRIBUTE>?,
    _ count: CK_ULONG
) -> CK_RV {
    returnCode { () throws(CKRError) in
        _ = try Library.shared.session(session)
        let template = try required(template)
        let types = try Template.types(template, count)
        let results: [Coffer_V1_AttributeResult]
        if let cached = try Library.shared.cachedAttributes(UInt64(object), types: types) {
            results = cached
        } else {
            results = try Library.shared.callOnSession(session, .safe) { (client: CofferClient, remote: UInt64) async throws(CofferClientError) in
                try await client.getAttributes(UInt64(object), types: types, session: remote)
            }
        }
        try Template.fill(template, count, from: results)
    }
}

/// C_SetAttributeValue.
@_cdecl("C_SetAttributeValue")
public func cSetAttributeValue(
    _ session: CK_SESSION_HANDLE, _ object: CK_OBJECT_HANDLE, _ template: UnsafeMutablePointer<CK_ATTRIBUTE>?,
    _ count: CK_ULONG
) -> CK_RV {
    returnCode { () throws(CKRError) in
        _ = try Library.shared.session(session)
        guard template != nil else { throw CKRError(CK_RV(CKR_ARGUMENTS_BAD)) }
        let attributes = try Template.attributes(template, count)
        Library.shared.invalidateAttributes(UInt64(object))
        defer { Library.shared.invalidateAttributes(UInt64(object)) }
        let request = RequestID()
        try Library.shared.callOnSession(session, .repeatable) { (client: CofferClient, remote: UInt64) async throws(CofferClientError) in
            try await client.setAttributes(UInt64(object), template: attributes, session: remote, request: request)
        }
        Library.shared.forgetCheckedUses()
    }
}

/// C_FindObjectsInit: the node answers the whole search now; C_FindObjects pages through it.
@_cdecl("C_FindObjectsInit")
public func cFindObjectsInit(_ session: CK_SESSION_HANDLE, _ template: UnsafeMutablePointer<CK_ATTRIBUTE>?, _ count: CK_ULONG) -> CK_RV {
    returnCode { () throws(CKRError) in
        let record = try Library.shared.session(session)
        guard record.find == nil else { throw CKRError(CK_RV(CKR_OPERATION_ACTIVE)) }
        let attributes = try Template.attributes(template, count)
        // A public session sees only public objects (PKCS#11 2.40 section 4.4) and every Coffer token
        // object belongs to a user, so before C_Login the search succeeds and finds nothing (libp11
        // and SunPKCS11 search before they log in).
        let handles: [UInt64] =
            try Library.shared.read({ $0.loggedIn }) ? try Library.shared.search(attributes, session: session) : []
        try Library.shared.withSession(session) { (record: inout Session) throws(CKRError) in
            guard record.find == nil else { throw CKRError(CK_RV(CKR_OPERATION_ACTIVE)) }
            record.find = Session.FindCursor(handles: handles)
        }
    }
}

/// C_FindObjects.
@_cdecl("C_FindObjects")
public func cFindObjects(
    _ session: CK_SESSION_HANDLE, _ objects: UnsafeMutablePointer<CK_OBJECT_HANDLE>?, _ maximum: CK_ULONG,
    _ count: UnsafeMutablePointer<CK_ULONG>?
) -> CK_RV {
    returnCode { () throws(CKRError) in
        try Library.shared.withSession(session) { (record: inout Session) throws(CKRError) in
            guard var cursor = record.find else { throw CKRError(CK_RV(CKR_OPERATION_NOT_INITIALIZED)) }
            let count = try required(count)
            guard let objects else { throw CKRError(CK_RV(CKR_ARGUMENTS_BAD)) }
            let batch = cursor.handles.dropFirst(cursor.position).prefix(Int(min(maximum, CK_ULONG(Int.max))))
            for (index, handle) in batch.enumerated() { objects[index] = CK_OBJECT_HANDLE(handle) }
            count.pointee = CK_ULONG(batch.count)
            cursor.position += batch.count
            record.find = cursor
        }
    }
}

/// C_FindObjectsFinal.
@_cdecl("C_FindObjectsFinal")
public func cFindObjectsFinal(_ session: CK_SESSION_HANDLE) -> CK_RV {
    returnCode { () throws(CKRError) in
        try Library.shared.withSession(session) { (record: inout Session) throws(CKRError) in
            guard record.find != nil else { throw CKRError(CK_RV(CKR_OPERATION_NOT_INITIALIZED)) }
            record.find = nil
        }
    }
}
