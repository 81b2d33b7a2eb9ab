// TokenService calls on sessions, mechanisms and objects. `session` is 0 for calls outside a
// session (the CLI's); the PKCS#11 library passes the session it opened.

import CofferProtocol
import Foundation

extension CofferClient {
    /// Opens a session on the current endpoint.
    public func openSession(readWrite: Bool = true) async throws(CofferClientError) -> UInt64 {
        var request = Coffer_V1_OpenSessionRequest()
        request.readWrite = readWrite
        let response: Coffer_V1_OpenSessionResponse = try await call(
            Coffer_V1_TokenService.Method.OpenSession.descriptor, request)
        return response.session
    }

    /// Closes a session (and destroys its session objects).
    public func closeSession(_ session: UInt64) async throws(CofferClientError) {
        let _: Coffer_V1_CloseSessionResponse = try await call(
            Coffer_V1_TokenService.Method.CloseSession.descriptor, Coffer_V1_CloseSessionRequest(), session: session)
    }

    /// The mechanisms the node supports.
    public func listMechanisms() async throws(CofferClientError) -> [Coffer_V1_MechanismInfo] {
        let response: Coffer_V1_ListMechanismsResponse = try await call(
            Coffer_V1_TokenService.Method.ListMechanisms.descriptor, Coffer_V1_ListMechanismsRequest())
        return response.mechanisms
    }

    /// One mechanism's key sizes and flags.
    public func mechanismInfo(_ type: UInt64) async throws(CofferClientError) -> Coffer_V1_MechanismInfo {
        var request = Coffer_V1_GetMechanismInfoRequest()
        request.type = type
        let response: Coffer_V1_GetMechanismInfoResponse = try await call(
            Coffer_V1_TokenService.Method.GetMechanismInfo.descriptor, request)
        return response.info
    }

    /// Creates an object from a template; returns its handle. Repeating the call with the same
    /// `request` makes no second object (see `RequestID`).
    public func createObject(
        template: [Coffer_V1_Attribute], session: UInt64 = 0, request id: RequestID = RequestID()
    ) async throws(CofferClientError) -> UInt64 {
        var request = Coffer_V1_CreateObjectRequest()
        request.template = template
        let response: Coffer_V1_CreateObjectResponse = try await call(
            Coffer_V1_TokenService.Method.CreateObject.descriptor, request, session: session, requestID: id)
        return response.handle
    }

    /// Copies an object, changing the attributes in `template`; returns the copy's handle. Repeating
    /// the call with the same `request` makes no second copy (see `RequestID`).
    public func copyObject(
        _ handle: UInt64, template: [Coffer_V1_Attribute] = [], session: UInt64 = 0, request id: RequestID = RequestID()
    ) async throws(CofferClientError) -> UInt64 {
        var request = Coffer_V1_CopyObjectRequest()
        request.handle = handle
        request.template = template
        let response: Coffer_V1_CopyObjectResponse = try await call(
            Coffer_V1_TokenService.Method.CopyObject.descriptor, request, session: session, requestID: id)
        return response.handle
    }

    /// Destroys an object. Repeating the call with the same `request` after its node died destroys
    /// nothing twice: the node answers a repeat of a destroy that landed as that destroy (see `RequestID`).
    /// `quorumToken`, when given, is sent instead of the client's (a PKCS#11 session's token).
    public func destroyObject(
        _ handle: UInt64, session: UInt64 = 0, request id: RequestID = RequestID(), quorumToken token: String = ""
    ) async throws(CofferClientError) {
        var request = Coffer_V1_DestroyObjectRequest()
        request.header.quorumToken = token
        request.handle = handle
        let _: Coffer_V1_DestroyObjectResponse = try await call(
            Coffer_V1_TokenService.Method.DestroyObject.descriptor, request, session: session, requestID: id)
    }

    /// Handles of the objects the caller may see that match every attribute of `template`, ascending:
    /// all of them (the node answers in pages, fetched here one after another), or with `limit` at
    /// most that many.
    public func findObjects(
        template: [Coffer_V1_Attribute] = [], limit: UInt32 = 0, session: UInt64 = 0
    ) async throws(CofferClientError) -> [UInt64] {
        let result = await withCheckedContinuation { continuation in
            findObjects(template: template, limit: limit, session: session) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// `findObjects` for a caller that cannot await (the PKCS#11 library's C threads): each page goes
    /// on the pipeline (the fast path when attached) and `completion` runs once with every handle.
    public func findObjects(
        template: [Coffer_V1_Attribute] = [], limit: UInt32 = 0, session: UInt64 = 0,
        completion: @escaping @Sendable (Result<[UInt64], CofferClientError>) -> Void
    ) {
        search(template: template, limit: limit, session: session) { completion($0.map(\.handles)) }
    }

    /// `findObjects` that also brings back, for each object found, the values of `attributeTypes` that
    /// are never secret (FindObjectsRequest.attribute_types), in `objects`.
    public func search(
        template: [Coffer_V1_Attribute] = [], attributeTypes: [UInt64], limit: UInt32 = 0, session: UInt64 = 0
    ) async throws(CofferClientError) -> SearchResult {
        let result = await withCheckedContinuation { continuation in
            search(template: template, attributeTypes: attributeTypes, limit: limit, session: session) {
                continuation.resume(returning: $0)
            }
        }
        return try result.get()
    }

    /// `search` for a caller that cannot await; `completion` runs once with every page's results.
    /// Attributes come for the first `attributeLimit` objects or so (whole pages); later pages
    /// bring handles only, which bounds the memory a huge listing takes.
    public func search(
        template: [Coffer_V1_Attribute] = [], attributeTypes: [UInt64] = [], attributeLimit: Int = .max,
        limit: UInt32 = 0, session: UInt64 = 0,
        completion: @escaping @Sendable (Result<SearchResult, CofferClientError>) -> Void
    ) {
        findPage(
            FindPages(
                template: template, attributeTypes: attributeTypes, attributeLimit: attributeLimit, limit: limit,
                session: session),
            completion: completion)
    }

    /// A search's pages so far. Only one page is in flight at a time, so nothing shares it concurrently.
    private final class FindPages: @unchecked Sendable {
        let template: [Coffer_V1_Attribute]
        let attributeTypes: [UInt64]
        let attributeLimit: Int
        let limit: UInt32
        let session: UInt64
        var result = SearchResult()

        init(
            template: [Coffer_V1_Attribute], attributeTypes: [UInt64], attributeLimit: Int, limit: UInt32,
            session: UInt64
        ) {
            self.template = template
            self.attributeTypes = attributeTypes
            self.attributeLimit = attributeLimit
            self.limit = limit
            self.session = session
        }
    }

    /// Asks for the page after the handles found so far; then the next, until the node says no more.
    private func findPage(
        _ pages: FindPages, completion: @escaping @Sendable (Result<SearchResult, CofferClientError>) -> Void
    ) {
        let after = pages.result.handles.last ?? 0
        var call = Coffer_V1_PipelineCall()
        call.find = .with {
            $0.template = pages.template
            if pages.result.objects.count < pages.attributeLimit { $0.attributeTypes = pages.attributeTypes }
            $0.limit = pages.limit == 0 ? 0 : pages.limit - UInt32(pages.result.handles.count)
            $0.after = after
        }
        pipelinedReply(call, session: pages.session) { result in
            switch result {
            case .failure(let error): completion(.failure(error))
            case .success(let reply):
                pages.result.handles += reply.handles
                pages.result.objects += reply.objects
                let full = pages.limit != 0 && pages.result.handles.count >= Int(pages.limit)
                // A page that does not move past the cursor would loop forever: take it as the end.
                guard reply.more, !full, let last = reply.handles.last, last > after else {
                    return completion(.success(pages.result))
                }
                self.findPage(pages, completion: completion)
            }
        }
    }

    /// Reads attributes; each result is the value or the per-attribute CKR (sensitive, invalid type).
    public func getAttributes(
        _ handle: UInt64, types: [UInt64], session: UInt64 = 0
    ) async throws(CofferClientError) -> [Coffer_V1_AttributeResult] {
        var request = Coffer_V1_GetAttributesRequest()
        request.handle = handle
        request.types = types
        let response: Coffer_V1_GetAttributesResponse = try await call(
            Coffer_V1_TokenService.Method.GetAttributes.descriptor, request, session: session)
        return response.attributes
    }

    /// Changes attributes of an object. A repeat with the same `request` is answered as the first
    /// attempt if that one landed (see `RequestID`).
    public func setAttributes(
        _ handle: UInt64, template: [Coffer_V1_Attribute], session: UInt64 = 0, request id: RequestID = RequestID()
    ) async throws(CofferClientError) {
        var request = Coffer_V1_SetAttributesRequest()
        request.handle = handle
        request.template = template
        let _: Coffer_V1_SetAttributesResponse = try await call(
            Coffer_V1_TokenService.Method.SetAttributes.descriptor, request, session: session, requestID: id)
    }

    /// Shares an object with another user (`shared` false withdraws the share).
    public func shareObject(
        _ handle: UInt64, with user: String, shared: Bool = true, session: UInt64 = 0, request id: RequestID = RequestID()
    ) async throws(CofferClientError) {
        var request = Coffer_V1_ShareObjectRequest()
        request.handle = handle
        request.userName = user
        request.shared = shared
        let _: Coffer_V1_ShareObjectResponse = try await call(
            Coffer_V1_TokenService.Method.ShareObject.descriptor, request, session: session, requestID: id)
    }
}
