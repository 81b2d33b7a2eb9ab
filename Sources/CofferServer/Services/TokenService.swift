// TokenService: sessions, mechanisms, objects, key lifecycle and cryptographic operations.
// The hot path (sign, verify, encrypt, decrypt) is a lookup of the key the index parsed at load
// time and one mechanism call: no store access and no parsing of stored bytes.

import CofferCrypto
import CofferModel
import CofferProtocol
import CofferState
import struct Crypto.SHA256
import Foundation
import GRPCCore

/// The token: what the PKCS#11 library and the CLI use.
struct TokenService: Coffer_V1_TokenService.SimpleServiceProtocol {
    let gate: RequestGate
    var state: StateMachine { gate.state }

    // MARK: - Sessions

    func openSession(request: Coffer_V1_OpenSessionRequest, context: ServerContext) async throws -> Coffer_V1_OpenSessionResponse {
        try await gate.run(request.header, context) { caller in
            var response = Coffer_V1_OpenSessionResponse()
            response.session = try gate.sessions.open(connection: caller.peer.connection, readWrite: request.readWrite)
            response.header = gate.responseHeader()
            return response
        }
    }

    func closeSession(request: Coffer_V1_CloseSessionRequest, context: ServerContext) async throws -> Coffer_V1_CloseSessionResponse {
        try await gate.run(request.header, context) { caller in
            let session = try caller.requireSession()
            try gate.sessions.close(session, connection: caller.peer.connection)
            state.endSession(session)
            var response = Coffer_V1_CloseSessionResponse()
            response.header = gate.responseHeader()
            return response
        }
    }

    // MARK: - Mechanisms

    func listMechanisms(request: Coffer_V1_ListMechanismsRequest, context: ServerContext) async throws -> Coffer_V1_ListMechanismsResponse {
        try await gate.run(request.header, context) { _ in
            let registry = try state.mechanismRegistry
            var response = Coffer_V1_ListMechanismsResponse()
            response.mechanisms = try registry.types.map { type throws(CryptoError) in Self.wire(type, try registry.mechanism(type).info) }
            response.header = gate.responseHeader()
            return response
        }
    }

    func getMechanismInfo(request: Coffer_V1_GetMechanismInfoRequest, context: ServerContext) async throws -> Coffer_V1_GetMechanismInfoResponse {
        try await gate.run(request.header, context) { _ in
            let type = MechanismType(rawValue: UInt(request.type))
            var response = Coffer_V1_GetMechanismInfoResponse()
            response.info = Self.wire(type, try state.mechanismRegistry.mechanism(type).info)
            response.header = gate.responseHeader()
            return response
        }
    }

    // MARK: - Objects

    func createObject(request: Coffer_V1_CreateObjectRequest, context: ServerContext) async throws -> Coffer_V1_CreateObjectResponse {
        try await gate.run(request.header, context) { caller in
            let user = try caller.requireUser()
            let template = try WireDecoding.template(request.template)
            var response = Coffer_V1_CreateObjectResponse()
            response.handle = try await state.createObject(template, by: user, in: caller.context)
            gate.settle(caller)
            response.header = gate.responseHeader()
            return response
        }
    }

    func copyObject(request: Coffer_V1_CopyObjectRequest, context: ServerContext) async throws -> Coffer_V1_CopyObjectResponse {
        try await gate.run(request.header, context) { caller in
            AuditContext.current?.note(handle: request.handle, mechanism: nil)
            let user = try caller.requireUser()
            let template = try WireDecoding.template(request.template)
            var response = Coffer_V1_CopyObjectResponse()
            response.handle = try await state.copyObject(request.handle, template: template, by: user, in: caller.context)
            gate.settle(caller)
            response.header = gate.responseHeader()
            return response
        }
    }

    func destroyObject(request: Coffer_V1_DestroyObjectRequest, context: ServerContext) async throws -> Coffer_V1_DestroyObjectResponse {
        try await gate.run(request.header, context) { caller in
            AuditContext.current?.note(handle: request.handle, mechanism: nil)
            let user = try caller.requireUser()
            try await state.destroy(request.handle, by: user, in: caller.context)
            var response = Coffer_V1_DestroyObjectResponse()
            response.header = gate.responseHeader()
            return response
        }
    }

    func findObjects(request: Coffer_V1_FindObjectsRequest, context: ServerContext) async throws -> Coffer_V1_FindObjectsResponse {
        try await gate.run(request.header, context) { caller in
            var response = Coffer_V1_FindObjectsResponse()
            let page = try find(request, caller)
            (response.handles, response.more, response.objects) = (page.handles, page.more, page.objects)
            response.header = gate.responseHeader()
            return response
        }
    }

    /// One page of a search: its handles, whether more match past them, and with `attribute_types`
    /// each object's public attributes.
    struct FoundPage {
        var handles: [UInt64] = []
        var more = false
        var objects: [Coffer_V1_FoundObject] = []
    }

    /// One page of a FindObjects search (also answered on the pipeline): the matching handles after
    /// `request.after`, ascending, at most the page's limit, and whether more match beyond them.
    func find(_ request: Coffer_V1_FindObjectsRequest, _ caller: Caller) throws -> FoundPage {
        let user = try caller.requireUser()
        let template = try WireDecoding.template(request.template)
        guard request.attributeTypes.count <= WireDecoding.maxAttributes else {
            throw ServiceFailure.argumentsBad("more than \(WireDecoding.maxAttributes) attribute types")
        }
        let limit = request.limit == 0 ? WireDecoding.defaultFindLimit : min(Int(request.limit), WireDecoding.maxFindLimit)
        let all = try state.find(template, for: user, in: caller.context)
        // `all` is ascending: the page starts at the first handle past the cursor.
        var low = 0
        var high = all.count
        while low < high {
            let middle = (low + high) / 2
            if all[middle] <= request.after { low = middle + 1 } else { high = middle }
        }
        var page = FoundPage()
        guard !request.attributeTypes.isEmpty else {
            page.handles = Array(all[low...].prefix(limit))
            page.more = low + page.handles.count < all.count
            return page
        }
        let types = request.attributeTypes.map { AttributeType(rawValue: $0) }
        var bytes = 0
        var next = low
        while next < all.count, next - low < limit, bytes < WireDecoding.maxFoundAttributeBytes {
            let handle = all[next]
            next += 1
            // An object destroyed since the search is simply not in this page.
            guard let object = try? state.object(handle, for: user, in: caller.context).object else { continue }
            let found = Self.publicAttributes(types, of: object)
            page.handles.append(handle)
            page.objects.append(found)
            bytes += found.attributes.reduce(16) { $0 + $1.value.count + 16 }
        }
        page.more = next < all.count
        return page
    }

    /// The attributes of `types` as C_GetAttributeValue would answer them, except that no key material
    /// travels with a search: a secret component the policy would reveal is left out. One it refuses
    /// (a sensitive or unextractable key's) comes back as CKR_ATTRIBUTE_SENSITIVE, as GetAttributes
    /// says for it to anyone: that follows from CKA_SENSITIVE and CKA_EXTRACTABLE, which are public,
    /// and it never changes (both move one way only).
    static func publicAttributes(_ types: [AttributeType], of object: StoredObject) -> Coffer_V1_FoundObject {
        let rules = ObjectSchema.rules(for: object.objectClass, keyType: object.keyType)
        var found = Coffer_V1_FoundObject()
        found.handle = object.handle
        let revealable = !(object.attributes.bool(.sensitive) ?? true) && (object.attributes.bool(.extractable) ?? false)
        for type in types {
            var result = Coffer_V1_AttributeResult()
            result.type = type.rawValue
            if let rule = rules[type] {
                if rule.contains(.secret) {
                    guard !revealable else { continue }
                    result.error = UInt64(ReturnCode.attributeSensitive.rawValue)
                } else if let value = object.attributes[type] {
                    result.value = Data(value.rawBytes)
                } else {
                    result.error = UInt64(ReturnCode.attributeTypeInvalid.rawValue)
                }
            } else {
                result.error = UInt64(ReturnCode.attributeTypeInvalid.rawValue)
            }
            found.attributes.append(result)
        }
        return found
    }

    func getAttributes(request: Coffer_V1_GetAttributesRequest, context: ServerContext) async throws -> Coffer_V1_GetAttributesResponse {
        try await gate.run(request.header, context) { caller in
            AuditContext.current?.note(handle: request.handle, mechanism: nil)
            let user = try caller.requireUser()
            guard request.types.count <= WireDecoding.maxAttributes else {
                throw ServiceFailure.argumentsBad("more than \(WireDecoding.maxAttributes) attributes")
            }
            _ = try state.object(request.handle, for: user, in: caller.context)
            var response = Coffer_V1_GetAttributesResponse()
            response.attributes = request.types.map { raw in
                var result = Coffer_V1_AttributeResult()
                result.type = raw
                let type = AttributeType(rawValue: raw)
                do {
                    result.value = Data(try state.attributeValue(type, of: request.handle, for: user, in: caller.context).rawBytes)
                } catch {
                    let code = ServiceFailure(error).returnCode
                    result.error = UInt64(code == .attributeSensitive ? code.rawValue : ReturnCode.attributeTypeInvalid.rawValue)
                }
                return result
            }
            response.header = gate.responseHeader()
            return response
        }
    }

    func setAttributes(request: Coffer_V1_SetAttributesRequest, context: ServerContext) async throws -> Coffer_V1_SetAttributesResponse {
        try await gate.run(request.header, context) { caller in
            AuditContext.current?.note(handle: request.handle, mechanism: nil)
            let user = try caller.requireUser()
            let changes = try WireDecoding.template(request.template)
            try await state.setAttributes(request.handle, changes, by: user, in: caller.context)
            var response = Coffer_V1_SetAttributesResponse()
            response.header = gate.responseHeader()
            return response
        }
    }

    func shareObject(request: Coffer_V1_ShareObjectRequest, context: ServerContext) async throws -> Coffer_V1_ShareObjectResponse {
        try await gate.run(request.header, context) { caller in
            AuditContext.current?.note(handle: request.handle, mechanism: nil)
            try caller.requireWritable()
            try await state.setShared(
                request.handle, withNamed: request.userName, shared: request.shared, by: try caller.requireUser(),
                in: caller.context)
            var response = Coffer_V1_ShareObjectResponse()
            response.header = gate.responseHeader()
            return response
        }
    }

    // MARK: - Key lifecycle

    func generateKey(request: Coffer_V1_GenerateKeyRequest, context: ServerContext) async throws -> Coffer_V1_GenerateKeyResponse {
        try await gate.run(request.header, context) { caller in
            AuditContext.current?.note(handle: nil, mechanism: request.mechanism.type)
            let user = try caller.requireUser()
            let (mechanism, _) = try WireDecoding.mechanism(request.mechanism, present: request.hasMechanism)
            let template = try WireDecoding.template(request.template)
            var response = Coffer_V1_GenerateKeyResponse()
            response.handle = try await state.generateKey(mechanism: mechanism, template: template, by: user, in: caller.context)
            gate.settle(caller)
            response.header = gate.responseHeader()
            return response
        }
    }

    func generateKeys(request: Coffer_V1_GenerateKeysRequest, context: ServerContext) async throws -> Coffer_V1_GenerateKeysResponse {
        try await gate.run(request.header, context) { caller in
            AuditContext.current?.note(handle: nil, mechanism: request.mechanism.type)
            let user = try caller.requireUser()
            let (mechanism, _) = try WireDecoding.mechanism(request.mechanism, present: request.hasMechanism)
            let template = try WireDecoding.template(request.template)
            var response = Coffer_V1_GenerateKeysResponse()
            response.handles = try await state.generateKeys(
                mechanism: mechanism, template: template, count: Int(request.count),
                labelPrefix: request.labelPrefix.isEmpty ? nil : request.labelPrefix, firstNumber: request.firstNumber,
                by: user, in: caller.context)
            gate.settle(caller)
            response.header = gate.responseHeader()
            return response
        }
    }

    func generateKeyPair(request: Coffer_V1_GenerateKeyPairRequest, context: ServerContext) async throws -> Coffer_V1_GenerateKeyPairResponse {
        try await gate.run(request.header, context) { caller in
            AuditContext.current?.note(handle: nil, mechanism: request.mechanism.type)
            let user = try caller.requireUser()
            let (mechanism, _) = try WireDecoding.mechanism(request.mechanism, present: request.hasMechanism)
            let publicTemplate = try WireDecoding.template(request.publicTemplate)
            let privateTemplate = try WireDecoding.template(request.privateTemplate)
            let pair = try await state.generateKeyPair(
                mechanism: mechanism, publicTemplate: publicTemplate, privateTemplate: privateTemplate, by: user, in: caller.context)
            gate.settle(caller)
            var response = Coffer_V1_GenerateKeyPairResponse()
            response.publicHandle = pair.publicKey
            response.privateHandle = pair.privateKey
            response.header = gate.responseHeader()
            return response
        }
    }

    func wrapKey(request: Coffer_V1_WrapKeyRequest, context: ServerContext) async throws -> Coffer_V1_WrapKeyResponse {
        try await gate.run(request.header, context) { caller in
            AuditContext.current?.note(handle: request.key, mechanism: request.mechanism.type)
            let user = try caller.requireUser()
            let (mechanism, parameters) = try WireDecoding.mechanism(request.mechanism, present: request.hasMechanism)
            let wrapped = try await gate.approved(.exportKey(request.key, wrappingKey: request.wrappingKey), user) {
                try await approvedUse(request.wrappingKey, .wrap, user) {
                    try state.wrapKey(
                        mechanism: mechanism, parameters: parameters, wrappingKey: request.wrappingKey, key: request.key, by: user,
                        in: caller.context)
                }
            }
            var response = Coffer_V1_WrapKeyResponse()
            response.wrappedKey = Data(wrapped)
            response.header = gate.responseHeader()
            return response
        }
    }

    func unwrapKey(request: Coffer_V1_UnwrapKeyRequest, context: ServerContext) async throws -> Coffer_V1_UnwrapKeyResponse {
        try await gate.run(request.header, context) { caller in
            AuditContext.current?.note(handle: request.unwrappingKey, mechanism: request.mechanism.type)
            let user = try caller.requireUser()
            let (mechanism, parameters) = try WireDecoding.mechanism(request.mechanism, present: request.hasMechanism)
            let wrapped = try WireDecoding.data(request.wrappedKey)
            let template = try WireDecoding.template(request.template)
            var response = Coffer_V1_UnwrapKeyResponse()
            response.handle = try await gate.approved(.importKey(unwrappingKey: request.unwrappingKey), user) {
                try await approvedUse(request.unwrappingKey, .unwrap, user) {
                    try await state.unwrapKey(
                        mechanism: mechanism, parameters: parameters, unwrappingKey: request.unwrappingKey, wrappedKey: wrapped,
                        template: template, by: user, in: caller.context)
                }
            }
            gate.settle(caller)
            response.header = gate.responseHeader()
            return response
        }
    }

    func deriveKey(request: Coffer_V1_DeriveKeyRequest, context: ServerContext) async throws -> Coffer_V1_DeriveKeyResponse {
        try await gate.run(request.header, context) { caller in
            AuditContext.current?.note(handle: request.baseKey, mechanism: request.mechanism.type)
            let user = try caller.requireUser()
            let (mechanism, parameters) = try WireDecoding.mechanism(request.mechanism, present: request.hasMechanism)
            let template = try WireDecoding.template(request.template)
            var response = Coffer_V1_DeriveKeyResponse()
            response.handle = try await approvedUse(request.baseKey, .derive, user) {
                try await state.deriveKey(
                    mechanism: mechanism, parameters: parameters, baseKey: request.baseKey, template: template, by: user,
                    in: caller.context)
            }
            gate.settle(caller)
            response.header = gate.responseHeader()
            return response
        }
    }

    func encapsulateKey(request: Coffer_V1_EncapsulateKeyRequest, context: ServerContext) async throws -> Coffer_V1_EncapsulateKeyResponse {
        try await gate.run(request.header, context) { caller in
            AuditContext.current?.note(handle: request.publicKey, mechanism: request.mechanism.type)
            let user = try caller.requireUser()
            let mechanism = try WireDecoding.unparameterised(request.mechanism, present: request.hasMechanism)
            let template = try WireDecoding.template(request.template)
            let made = try await state.encapsulateKey(
                mechanism: mechanism, publicKey: request.publicKey, template: template, by: user, in: caller.context)
            gate.settle(caller)
            var response = Coffer_V1_EncapsulateKeyResponse()
            response.handle = made.handle
            response.ciphertext = Data(made.ciphertext)
            response.header = gate.responseHeader()
            return response
        }
    }

    func decapsulateKey(request: Coffer_V1_DecapsulateKeyRequest, context: ServerContext) async throws -> Coffer_V1_DecapsulateKeyResponse {
        try await gate.run(request.header, context) { caller in
            AuditContext.current?.note(handle: request.privateKey, mechanism: request.mechanism.type)
            let user = try caller.requireUser()
            let mechanism = try WireDecoding.unparameterised(request.mechanism, present: request.hasMechanism)
            let ciphertext = try WireDecoding.data(request.ciphertext)
            let template = try WireDecoding.template(request.template)
            var response = Coffer_V1_DecapsulateKeyResponse()
            response.handle = try await approvedUse(request.privateKey, .decapsulate, user) {
                try await state.decapsulateKey(
                    mechanism: mechanism, privateKey: request.privateKey, ciphertext: ciphertext, template: template, by: user,
                    in: caller.context)
            }
            gate.settle(caller)
            response.header = gate.responseHeader()
            return response
        }
    }

    // MARK: - Single-part operations

    func sign(request: Coffer_V1_SignRequest, context: ServerContext) async throws -> Coffer_V1_SignResponse {
        try await gate.run(request.header, context) { caller in
            var response = Coffer_V1_SignResponse()
            response.signature = Data(
                try await approvedUse(request.key, .sign, caller.user, data: request.data) {
                    try single(.sign, request.mechanism, request.hasMechanism, key: request.key, data: request.data, caller)
                })
            response.header = gate.responseHeader()
            return response
        }
    }

    func verify(request: Coffer_V1_VerifyRequest, context: ServerContext) async throws -> Coffer_V1_VerifyResponse {
        try await gate.run(request.header, context) { caller in
            _ = try single(
                .verify, request.mechanism, request.hasMechanism, key: request.key, data: request.data, signature: request.signature, caller)
            var response = Coffer_V1_VerifyResponse()
            response.header = gate.responseHeader()
            return response
        }
    }

    func encrypt(request: Coffer_V1_CipherRequest, context: ServerContext) async throws -> Coffer_V1_CipherResponse {
        try await cipher(.encrypt, request, context)
    }

    func decrypt(request: Coffer_V1_CipherRequest, context: ServerContext) async throws -> Coffer_V1_CipherResponse {
        try await cipher(.decrypt, request, context)
    }

    private func cipher(_ kind: OperationKind, _ request: Coffer_V1_CipherRequest, _ context: ServerContext) async throws -> Coffer_V1_CipherResponse {
        try await gate.run(request.header, context) { caller in
            var response = Coffer_V1_CipherResponse()
            response.data = Data(
                try await approvedUse(request.key, kind == .encrypt ? .encrypt : .decrypt, caller.user, data: request.data) {
                    try single(kind, request.mechanism, request.hasMechanism, key: request.key, data: request.data, caller)
                })
            response.header = gate.responseHeader()
            return response
        }
    }

    func digest(request: Coffer_V1_DigestRequest, context: ServerContext) async throws -> Coffer_V1_DigestResponse {
        try await gate.run(request.header, context) { caller in
            var response = Coffer_V1_DigestResponse()
            response.digest = Data(try single(.digest, request.mechanism, request.hasMechanism, key: 0, data: request.data, caller))
            response.header = gate.responseHeader()
            return response
        }
    }

    func generateRandom(request: Coffer_V1_GenerateRandomRequest, context: ServerContext) async throws -> Coffer_V1_GenerateRandomResponse {
        try await gate.run(request.header, context) { _ in
            guard request.length <= WireDecoding.maxRandomBytes else {
                throw ServiceFailure(.dataLenRange, "at most \(WireDecoding.maxRandomBytes) random bytes per call")
            }
            _ = try state.mechanismRegistry
            var response = Coffer_V1_GenerateRandomResponse()
            response.data = Data(SecureRandom.bytes(Int(request.length)))
            response.header = gate.responseHeader()
            return response
        }
    }

    // MARK: - Multi-part operations

    func operationInit(request: Coffer_V1_OperationInitRequest, context: ServerContext) async throws -> Coffer_V1_OperationInitResponse {
        try await gate.run(request.header, context) { caller in
            let session = try caller.requireSession()
            let kind = try WireDecoding.operationKind(request.kind)
            AuditContext.current?.operation = "\(kind)-init"
            AuditContext.current?.note(handle: kind == .digest ? nil : request.key, mechanism: request.mechanism.type)
            let (mechanism, parameters) = try WireDecoding.mechanism(request.mechanism, present: request.hasMechanism)
            let use: KeyOperation? =
                switch kind {
                case .encrypt: .encrypt
                case .decrypt: .decrypt
                case .sign: .sign
                case .verify: .verify
                case .digest: nil
                }
            let prepared = try await gate.approved(use.map { .useKey(request.key, $0) }, caller.user) {
                try prepare(kind, mechanism, key: request.key, caller)
            }
            var operation = ActiveOperation(mechanism: mechanism, parameters: parameters, key: prepared.key, userID: prepared.userID)
            operation.needsContextLogin = prepared.alwaysAuthenticate
            if let key = prepared.key, kind == .encrypt || kind == .decrypt {
                operation.stream = try CipherStream(mechanism, kind == .encrypt ? .encrypt : .decrypt, key: key, parameters: parameters)
            }
            operation.hash = try messageHash(kind, mechanism).map(IncrementalHash.init)
            try gate.sessions.begin(kind, operation, session: session, connection: caller.peer.connection)
            var response = Coffer_V1_OperationInitResponse()
            response.header = gate.responseHeader()
            return response
        }
    }

    func operationUpdate(request: Coffer_V1_OperationUpdateRequest, context: ServerContext) async throws -> Coffer_V1_OperationUpdateResponse {
        try await gate.run(request.header, context) { caller in
            let session = try caller.requireSession()
            let kind = try WireDecoding.operationKind(request.kind)
            var data: [UInt8]
            do {
                data = try WireDecoding.data(request.data)
                if request.digestKey != 0 {
                    guard kind == .digest else { throw ServiceFailure.argumentsBad("digest_key is for digests only") }
                    let user = try caller.requireUser()
                    let key = try state.digestibleKeyValue(ObjectHandle(request.digestKey), by: user, in: caller.context)
                    key.withUnsafeBytes { data.append(contentsOf: $0) }
                }
            } catch {
                // A refused Update ends the operation, as any failed C_*Update does.
                _ = try? gate.sessions.finish(kind, userID: caller.user?.id, session: session, connection: caller.peer.connection)
                throw error
            }
            defer { data.withUnsafeMutableBytes { SecretBytes.zeroise($0) } }
            var response = Coffer_V1_OperationUpdateResponse()
            response.data = Data(
                try gate.sessions.update(kind, with: data, userID: caller.user?.id, session: session, connection: caller.peer.connection))
            response.header = gate.responseHeader()
            return response
        }
    }

    func operationFinal(request: Coffer_V1_OperationFinalRequest, context: ServerContext) async throws -> Coffer_V1_OperationFinalResponse {
        try await gate.run(request.header, context) { caller in
            let session = try caller.requireSession()
            let kind = try WireDecoding.operationKind(request.kind)
            AuditContext.current?.operation = "\(kind)-final"
            var operation = try gate.sessions.finish(kind, userID: caller.user?.id, session: session, connection: caller.peer.connection)
            AuditContext.current?.note(handle: nil, mechanism: UInt64(operation.mechanism.rawValue))
            // The buffer may hold plaintext or, after C_DigestKey, a key's value.
            defer { operation.buffer.withUnsafeMutableBytes { SecretBytes.zeroise($0) } }
            // The operation has ended by now, whatever the final input turns out to be.
            guard !operation.needsContextLogin || operation.contextLoggedIn else { throw ServiceFailure.contextLoginNeeded }
            let last = try WireDecoding.data(request.data)
            let signature = Array(request.signature.prefix(WireDecoding.maxParameterBytes))
            if var hash = operation.hash {
                hash.update(last)
                var response = Coffer_V1_OperationFinalResponse()
                response.data = Data(try performHashed(kind, operation, digest: hash.finalize(), signature: signature))
                response.header = gate.responseHeader()
                return response
            }
            guard operation.buffer.count + last.count <= SessionTable.maxBufferedBytes else {
                throw ServiceFailure(.dataLenRange, "multi-part input exceeds \(SessionTable.maxBufferedBytes) bytes")
            }
            var response = Coffer_V1_OperationFinalResponse()
            if var stream = operation.stream {
                let output = try stream.update(last) + stream.finish()
                response.data = Data(output)
                response.header = gate.responseHeader()
                return response
            }
            response.data = Data(
                try perform(
                    kind, operation.mechanism, operation.parameters, key: operation.key, data: operation.buffer + last,
                    signature: signature))
            response.header = gate.responseHeader()
            return response
        }
    }

    func operationAuthenticate(
        request: Coffer_V1_OperationAuthenticateRequest, context: ServerContext
    ) async throws -> Coffer_V1_OperationAuthenticateResponse {
        try await gate.run(request.header, context) { caller in
            let session = try caller.requireSession()
            let kind = try WireDecoding.operationKind(request.kind)
            let user = try caller.requireUser()
            try gate.sessions.checkActive(kind, userID: user.id, session: session, connection: caller.peer.connection)
            // The same check as a login, failed attempts and lockout included.
            let checked = try await gate.state.authenticate(name: user.name, password: WireDecoding.password(request.password))
            guard checked.id == user.id else { throw ServiceFailure(.pinIncorrect, StateError.pinIncorrect.description) }
            try gate.sessions.authenticate(kind, userID: user.id, session: session, connection: caller.peer.connection)
            var response = Coffer_V1_OperationAuthenticateResponse()
            response.header = gate.responseHeader()
            return response
        }
    }

    // MARK: - Running operations

    /// Runs `body` as the one use of `handle` for `operation` that the request's key-usage token
    /// approves (`RequestGate.approved`); a digest (no key) runs as it is.
    /// A single-part call passes its `data`: with a token, its SHA-256 is what a token naming data
    /// must name (`use-key ... sha256=HEX`).
    func approvedUse<T>(
        _ handle: UInt64, _ operation: KeyOperation, _ user: User?, data: Data? = nil, _ body: () async throws -> T
    ) async throws -> T {
        guard let data, QuorumContext.token != nil else { return try await gate.approved(handle == 0 ? nil : .useKey(handle, operation), user, body) }
        return try await QuorumContext.$dataSHA256.withValue(Array(SHA256.hash(data: data))) {
            try await gate.approved(handle == 0 ? nil : .useKey(handle, operation), user, body)
        }
    }

    /// One single-part operation: decode, take the key, run the mechanism.
    func single(
        _ kind: OperationKind, _ wireMechanism: Coffer_V1_Mechanism, _ hasMechanism: Bool, key handle: UInt64, data: Data,
        signature: Data = Data(), _ caller: Caller
    ) throws -> [UInt8] {
        AuditContext.current?.note(handle: kind == .digest ? nil : handle, mechanism: UInt64(wireMechanism.type))
        let (mechanism, parameters) = try WireDecoding.mechanism(wireMechanism, present: hasMechanism)
        let input = try WireDecoding.data(data)
        let prepared = try prepare(kind, mechanism, key: handle, caller)
        // A single-part call has no Init to authenticate after (PKCS#11 3.0 section 4.9).
        guard !prepared.alwaysAuthenticate else { throw ServiceFailure.contextLoginNeeded }
        let key = prepared.key
        return try perform(kind, mechanism, parameters, key: key, data: input, signature: Array(signature.prefix(WireDecoding.maxParameterBytes)))
    }

    /// Checks the mechanism does `kind` and takes the key for it (none for digests).
    private func prepare(
        _ kind: OperationKind, _ mechanism: MechanismType, key handle: UInt64, _ caller: Caller
    ) throws -> (key: KeyMaterial?, userID: UserID?, alwaysAuthenticate: Bool) {
        let registry = try state.mechanismRegistry
        let operation: KeyOperation
        switch kind {
        case .digest:
            _ = try registry.digest(mechanism)
            return (nil, caller.user?.id, false)
        case .encrypt:
            _ = try registry.cipher(mechanism)
            operation = .encrypt
        case .decrypt:
            _ = try registry.cipher(mechanism)
            operation = .decrypt
        case .sign:
            _ = try registry.signature(mechanism)
            operation = .sign
        case .verify:
            _ = try registry.signature(mechanism)
            operation = .verify
        }
        let user = try caller.requireUser()
        let use = try state.keyUse(handle, for: operation, mechanism: mechanism, by: user, in: caller.context)
        return (use.material, user.id, use.alwaysAuthenticate)
    }

    /// Runs the mechanism. Verification returns no bytes; a bad signature throws.
    private func perform(
        _ kind: OperationKind, _ mechanism: MechanismType, _ parameters: MechanismParameters, key: KeyMaterial?, data: [UInt8],
        signature: [UInt8]
    ) throws -> [UInt8] {
        let registry = try state.mechanismRegistry
        if kind == .digest {
            guard parameters == .none else { throw ServiceFailure(.mechanismParamInvalid, "digests take no parameter") }
            return try registry.digest(mechanism).digest(data)
        }
        guard let key else { throw ServiceFailure(.keyHandleInvalid, "no key") }
        switch kind {
        case .encrypt: return try registry.cipher(mechanism).encrypt(data, key: key, parameters: parameters)
        case .decrypt: return try registry.cipher(mechanism).decrypt(data, key: key, parameters: parameters)
        case .sign: return try registry.signature(mechanism).sign(data, key: key, parameters: parameters)
        case .verify:
            try registry.signature(mechanism).verify(signature, for: data, key: key, parameters: parameters)
            return []
        case .digest: return []
        }
    }

    /// The hash a multi-part `kind` with `mechanism` can run part by part: a SHA-2 digest's, or a
    /// hash-then-sign signature's message hash. Nil for everything else (those buffer their input).
    private func messageHash(_ kind: OperationKind, _ mechanism: MechanismType) throws -> MessageHash? {
        let registry = try state.mechanismRegistry
        switch kind {
        case .digest: return try registry.digest(mechanism).messageHash
        case .sign, .verify: return (try registry.signature(mechanism) as? any HashThenSignMechanism)?.messageHash
        case .encrypt, .decrypt: return nil
        }
    }

    /// Final of a hashed operation: the digest itself, or the signature over it (verification returns
    /// no bytes; a bad signature throws).
    private func performHashed(_ kind: OperationKind, _ operation: ActiveOperation, digest: [UInt8], signature: [UInt8]) throws -> [UInt8] {
        let registry = try state.mechanismRegistry
        if kind == .digest {
            guard operation.parameters == .none else { throw ServiceFailure(.mechanismParamInvalid, "digests take no parameter") }
            return digest
        }
        guard let key = operation.key, let mechanism = try registry.signature(operation.mechanism) as? any HashThenSignMechanism else {
            throw ServiceFailure(.keyHandleInvalid, "no key")
        }
        switch kind {
        case .sign: return try mechanism.sign(digest: digest, key: key, parameters: operation.parameters)
        case .verify:
            try mechanism.verify(signature, digest: digest, key: key, parameters: operation.parameters)
            return []
        case .digest, .encrypt, .decrypt: return []
        }
    }

    private static func wire(_ type: MechanismType, _ info: MechanismInfo) -> Coffer_V1_MechanismInfo {
        var wire = Coffer_V1_MechanismInfo()
        wire.type = UInt64(type.rawValue)
        wire.minKeySize = UInt64(info.minKeySize)
        wire.maxKeySize = UInt64(info.maxKeySize)
        // Every mechanism runs on the node, the token's device, never in the caller's process: CKF_HW.
        wire.flags = UInt64(info.flags.union(.hardware).rawValue)
        return wire
    }
}
