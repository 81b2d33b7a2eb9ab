// TokenService over the in-process transport: isolation between crypto-users, admins and keys,
// sensitive keys, single- and multi-part operations, malformed requests, and min_revision.

import CofferCrypto
import CofferModel
import CofferProtocol
import Foundation
import GRPCCore
import Testing
@testable import CofferServer

@Suite struct TokenServiceTests {
    static func aesTemplate(label: String, extractable: Bool = false, sensitive: Bool = true) -> [Coffer_V1_Attribute] {
        [
            attribute(.objectClass, .ulong(ObjectClass.secretKey.rawValue)), attribute(.keyType, .ulong(KeyType.aes.rawValue)),
            attribute(.valueLen, .ulong(32)), attribute(.label, .string(label)), attribute(.token, .bool(true)),
            attribute(.encrypt, .bool(true)), attribute(.decrypt, .bool(true)), attribute(.extractable, .bool(extractable)),
            attribute(.sensitive, .bool(sensitive)),
        ]
    }

    static func generateAES(_ c: Clients, _ token: String, label: String, extractable: Bool = false, sensitive: Bool = true) async throws -> UInt64 {
        var request = Coffer_V1_GenerateKeyRequest()
        request.header = header(token)
        request.mechanism = mechanism(.aesKeyGen)
        request.template = aesTemplate(label: label, extractable: extractable, sensitive: sensitive)
        return try await c.token.generateKey(request).handle
    }

    static func cipher(_ key: UInt64, _ token: String, _ data: [UInt8], session: UInt64 = 0) -> Coffer_V1_CipherRequest {
        var request = Coffer_V1_CipherRequest()
        request.header = header(token, session: session)
        var gcm = Coffer_V1_GcmParameters()
        gcm.iv = Data(repeating: 7, count: 12)
        gcm.tagBits = 128
        request.mechanism = mechanism(.aesGCM, .gcm(gcm))
        request.key = key
        request.data = Data(data)
        return request
    }

    static func find(_ c: Clients, _ token: String) async throws -> [UInt64] {
        var request = Coffer_V1_FindObjectsRequest()
        request.header = header(token)
        return try await c.token.findObjects(request).handles
    }

    @Test func usersAreIsolatedAndAdminsCannotUseKeys() async throws {
        let f = try await ServerFixture.make()
        try await f.run { c in
            let admin = try await c.login("admin", ServerFixture.adminPassword)
            let alice = try await c.cryptoUser("alice", admin: admin)
            let bob = try await c.cryptoUser("bob", admin: admin)
            let mine = try await Self.generateAES(c, alice, label: "alice-only")
            let shared = try await Self.generateAES(c, alice, label: "shared")

            #expect(try await Self.find(c, alice).sorted() == [mine, shared].sorted())
            #expect(try await Self.find(c, bob).isEmpty)
            #expect(await returnCode { try await c.token.encrypt(Self.cipher(mine, bob, [1, 2, 3])) } == .keyHandleInvalid)

            var share = Coffer_V1_ShareObjectRequest()
            share.header = header(alice)
            share.handle = shared
            share.userName = "bob"
            share.shared = true
            let shareReply = try await c.token.shareObject(share)
            #expect(shareReply.header.revision == f.state.revision)
            #expect(try await Self.find(c, bob) == [shared])
            let ciphertext = try await c.token.encrypt(Self.cipher(shared, bob, [1, 2, 3])).data
            #expect(try await c.token.decrypt(Self.cipher(shared, alice, Array(ciphertext))).data == Data([1, 2, 3]))
            #expect(await returnCode { try await c.token.encrypt(Self.cipher(mine, bob, [1])) } == .keyHandleInvalid)
            // Bob may use but not destroy it.
            var destroy = Coffer_V1_DestroyObjectRequest()
            destroy.header = header(bob)
            destroy.handle = shared
            #expect(await returnCode { try await c.token.destroyObject(destroy) } == .actionProhibited)

            // The admin sees objects but never uses them, and never reads their secrets.
            #expect(await returnCode { try await c.token.encrypt(Self.cipher(mine, admin, [1])) } == .userNotLoggedIn)
            // Refused for the role, not for want of a login: a client must not log in again for it.
            #expect(await loginUnknown { try await c.token.encrypt(Self.cipher(mine, admin, [1])) } == false)
            var generate = Coffer_V1_GenerateKeyRequest()
            generate.header = header(admin)
            generate.mechanism = mechanism(.aesKeyGen)
            generate.template = Self.aesTemplate(label: "admin")
            #expect(await returnCode { try await c.token.generateKey(generate) } == .userNotLoggedIn)

            // Unshare withdraws.
            share.shared = false
            _ = try await c.token.shareObject(share)
            #expect(await returnCode { try await c.token.encrypt(Self.cipher(shared, bob, [1])) } == .keyHandleInvalid)
            // No login at all.
            #expect(await returnCode { try await c.token.encrypt(Self.cipher(mine, "", [1])) } == .userNotLoggedIn)
            #expect(await loginUnknown { try await c.token.encrypt(Self.cipher(mine, "", [1])) } == true)
            #expect(await loginUnknown { try await c.token.encrypt(Self.cipher(mine, "00", [1])) } == true)
        }
    }

    @Test func sensitiveAndUnextractableKeysNeverLeave() async throws {
        let f = try await ServerFixture.make()
        try await f.run { c in
            let admin = try await c.login("admin", ServerFixture.adminPassword)
            let alice = try await c.cryptoUser("alice", admin: admin)
            let sensitive = try await Self.generateAES(c, alice, label: "sensitive")
            let open = try await Self.generateAES(c, alice, label: "open", extractable: true, sensitive: false)

            var get = Coffer_V1_GetAttributesRequest()
            get.header = header(alice)
            get.handle = sensitive
            get.types = [AttributeType.value.rawValue, AttributeType.label.rawValue, 0xDEAD_BEEF]
            let attributes = try await c.token.getAttributes(get).attributes
            #expect(attributes[0].error == UInt64(ReturnCode.attributeSensitive.rawValue))
            #expect(attributes[1].value == Data("sensitive".utf8))
            #expect(attributes[2].error == UInt64(ReturnCode.attributeTypeInvalid.rawValue))

            get.handle = open
            get.types = [AttributeType.value.rawValue]
            #expect(try await c.token.getAttributes(get).attributes[0].value.count == 32)
            get.header = header(admin)
            #expect(try await c.token.getAttributes(get).attributes[0].error == UInt64(ReturnCode.attributeSensitive.rawValue))

            // Wrapping: a non-extractable key cannot leave.
            var kek = Coffer_V1_GenerateKeyRequest()
            kek.header = header(alice)
            kek.mechanism = mechanism(.aesKeyGen)
            kek.template = [
                attribute(.objectClass, .ulong(ObjectClass.secretKey.rawValue)), attribute(.keyType, .ulong(KeyType.aes.rawValue)),
                attribute(.valueLen, .ulong(32)), attribute(.wrap, .bool(true)), attribute(.unwrap, .bool(true)),
                attribute(.token, .bool(true)),
            ]
            let wrappingKey = try await c.token.generateKey(kek).handle
            var wrap = Coffer_V1_WrapKeyRequest()
            wrap.header = header(alice)
            wrap.mechanism = mechanism(.aesKeyWrap)
            wrap.wrappingKey = wrappingKey
            wrap.key = sensitive
            #expect(await returnCode { try await c.token.wrapKey(wrap) } == .keyUnextractable)
            // An extractable one wraps, and unwraps into a working key.
            wrap.key = open
            let wrapped = try await c.token.wrapKey(wrap).wrappedKey
            var unwrap = Coffer_V1_UnwrapKeyRequest()
            unwrap.header = header(alice)
            unwrap.mechanism = mechanism(.aesKeyWrap)
            unwrap.unwrappingKey = wrappingKey
            unwrap.wrappedKey = wrapped
            unwrap.template = [
                attribute(.objectClass, .ulong(ObjectClass.secretKey.rawValue)), attribute(.keyType, .ulong(KeyType.aes.rawValue)),
                attribute(.decrypt, .bool(true)), attribute(.token, .bool(true)),
            ]
            let unwrapped = try await c.token.unwrapKey(unwrap).handle
            let ciphertext = try await c.token.encrypt(Self.cipher(open, alice, [9, 9])).data
            #expect(try await c.token.decrypt(Self.cipher(unwrapped, alice, Array(ciphertext))).data == Data([9, 9]))
        }
    }

    @Test func singleAndMultiPartOperations() async throws {
        let f = try await ServerFixture.make()
        try await f.run { c in
            let admin = try await c.login("admin", ServerFixture.adminPassword)
            let alice = try await c.cryptoUser("alice", admin: admin)
            let aes = try await Self.generateAES(c, alice, label: "aes")
            var pair = Coffer_V1_GenerateKeyPairRequest()
            pair.header = header(alice)
            pair.mechanism = mechanism(.ecKeyPairGen)
            pair.publicTemplate = [
                attribute(.ecParams, .bytes(NamedCurve.p256.derOID)), attribute(.verify, .bool(true)), attribute(.token, .bool(true)),
            ]
            pair.privateTemplate = [attribute(.sign, .bool(true)), attribute(.token, .bool(true))]
            let keys = try await c.token.generateKeyPair(pair)

            // Single-part.
            var sign = Coffer_V1_SignRequest()
            sign.header = header(alice)
            sign.mechanism = mechanism(.ecdsaSHA256)
            sign.key = keys.privateHandle
            sign.data = Data("message".utf8)
            let signature = try await c.token.sign(sign).signature
            var verify = Coffer_V1_VerifyRequest()
            verify.header = header(alice)
            verify.mechanism = mechanism(.ecdsaSHA256)
            verify.key = keys.publicHandle
            verify.data = Data("message".utf8)
            verify.signature = signature
            _ = try await c.token.verify(verify)
            verify.data = Data("massage".utf8)
            #expect(await returnCode { try await c.token.verify(verify) } == .signatureInvalid)
            var digest = Coffer_V1_DigestRequest()
            digest.mechanism = mechanism(.sha256)
            digest.data = Data("abc".utf8)
            let abc = try await c.token.digest(digest).digest
            #expect(Hex.encode(abc) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")

            // Multi-part, on a session.
            var openSession = Coffer_V1_OpenSessionRequest()
            openSession.header = header(alice)
            openSession.readWrite = false
            let session = try await c.token.openSession(openSession).session
            func initOp(_ kind: Coffer_V1_OperationKind, _ m: Coffer_V1_Mechanism, key: UInt64) async throws {
                var request = Coffer_V1_OperationInitRequest()
                request.header = header(alice, session: session)
                request.kind = kind
                request.mechanism = m
                request.key = key
                _ = try await c.token.operationInit(request)
            }
            func update(_ kind: Coffer_V1_OperationKind, _ data: String) async throws {
                var request = Coffer_V1_OperationUpdateRequest()
                request.header = header(alice, session: session)
                request.kind = kind
                request.data = Data(data.utf8)
                _ = try await c.token.operationUpdate(request)
            }
            func final(_ kind: Coffer_V1_OperationKind, data: String = "", signature: Data = Data()) async throws -> Data {
                var request = Coffer_V1_OperationFinalRequest()
                request.header = header(alice, session: session)
                request.kind = kind
                request.data = Data(data.utf8)
                request.signature = signature
                return try await c.token.operationFinal(request).data
            }

            try await initOp(.digest, mechanism(.sha256), key: 0)
            #expect(await returnCode { try await initOp(.digest, mechanism(.sha256), key: 0) } == .operationActive)
            try await update(.digest, "a")
            try await update(.digest, "bc")
            #expect(try await final(.digest) == abc)
            #expect(await returnCode { try await update(.digest, "a") } == .operationNotInitialized)
            #expect(await returnCode { try await final(.digest) } == .operationNotInitialized)
            // Final's data follows what Update gave; alone it makes Init + Final a single-part call.
            try await initOp(.digest, mechanism(.sha256), key: 0)
            try await update(.digest, "a")
            #expect(try await final(.digest, data: "bc") == abc)
            try await initOp(.digest, mechanism(.sha256), key: 0)
            #expect(try await final(.digest, data: "abc") == abc)
            // Init refuses a key that cannot do the operation, before any data comes.
            #expect(await returnCode { try await initOp(.sign, mechanism(.ecdsaSHA256), key: aes) } == .keyTypeInconsistent)
            #expect(await returnCode { try await initOp(.sign, mechanism(.ecdsaSHA256), key: 424_242) } == .keyHandleInvalid)
            #expect(await returnCode { try await final(.sign) } == .operationNotInitialized)
            // An operation another login left behind (its user logged out) is replaced, not stuck.
            try await initOp(.digest, mechanism(.sha256), key: 0)
            var anonymous = Coffer_V1_OperationInitRequest()
            anonymous.header = header("", session: session)
            anonymous.kind = .digest
            anonymous.mechanism = mechanism(.sha256)
            _ = try await c.token.operationInit(anonymous)
            #expect(await returnCode { try await final(.digest) } == .operationNotInitialized)
            #expect(await returnCode { try await c.token.operationInit(anonymous) } == .operationActive)
            try await initOp(.digest, mechanism(.sha256), key: 0)
            #expect(try await final(.digest, data: "abc") == abc)

            let gcm = Self.cipher(aes, alice, []).mechanism
            try await initOp(.encrypt, gcm, key: aes)
            // One operation per kind: a sign may run beside the encrypt.
            try await initOp(.sign, mechanism(.ecdsaSHA256), key: keys.privateHandle)
            try await update(.encrypt, "hello, ")
            try await update(.sign, "mess")
            try await update(.encrypt, "world")
            try await update(.sign, "age")
            let ciphertext = try await final(.encrypt)
            #expect(try await c.token.decrypt(Self.cipher(aes, alice, Array(ciphertext))).data == Data("hello, world".utf8))
            let multiSignature = try await final(.sign)
            verify.data = Data("message".utf8)
            verify.signature = multiSignature
            _ = try await c.token.verify(verify)

            // A failed Final ends the operation.
            try await initOp(.verify, mechanism(.ecdsaSHA256), key: keys.publicHandle)
            try await update(.verify, "other")
            #expect(await returnCode { try await final(.verify, signature: multiSignature) } == .signatureInvalid)
            #expect(await returnCode { try await final(.verify, signature: multiSignature) } == .operationNotInitialized)
            // Init checks the key for the operation; a failed Init starts nothing.
            #expect(await returnCode { try await initOp(.sign, mechanism(.ecdsaSHA256), key: keys.publicHandle) } != nil)
            #expect(await returnCode { try await final(.sign) } == .operationNotInitialized)

            // The session is read-only: no objects through it.
            var generate = Coffer_V1_GenerateKeyRequest()
            generate.header = header(alice, session: session)
            generate.mechanism = mechanism(.aesKeyGen)
            generate.template = Self.aesTemplate(label: "ro")
            #expect(await returnCode { try await c.token.generateKey(generate) } == .sessionReadOnly)
            // Closing drops its operations.
            try await initOp(.digest, mechanism(.sha256), key: 0)
            var close = Coffer_V1_CloseSessionRequest()
            close.header = header(alice, session: session)
            _ = try await c.token.closeSession(close)
            #expect(await returnCode { try await final(.digest) } == .sessionHandleInvalid)
            #expect(f.services.sessions.count == 0)
        }
    }

    @Test func malformedRequestsChangeNothing() async throws {
        let f = try await ServerFixture.make()
        try await f.run { c in
            let admin = try await c.login("admin", ServerFixture.adminPassword)
            let alice = try await c.cryptoUser("alice", admin: admin)
            let aes = try await Self.generateAES(c, alice, label: "aes")
            let revision = f.state.revision

            var generate = Coffer_V1_GenerateKeyRequest()
            generate.header = header(alice)
            generate.template = Self.aesTemplate(label: "x")
            #expect(await returnCode { try await c.token.generateKey(generate) } == .argumentsBad)
            generate.mechanism = mechanism(MechanismType(rawValue: 0xFFFF_FFFF))
            #expect(await returnCode { try await c.token.generateKey(generate) } == .mechanismInvalid)

            #expect(await returnCode { try await c.token.encrypt(Self.cipher(424_242, alice, [1])) } == .keyHandleInvalid)
            var noMechanism = Self.cipher(aes, alice, [1])
            noMechanism.clearMechanism()
            #expect(await returnCode { try await c.token.encrypt(noMechanism) } == .argumentsBad)
            var badParameter = Self.cipher(aes, alice, [1])
            badParameter.mechanism = mechanism(.aesGCM, .iv(Data([1, 2])))
            #expect(await returnCode { try await c.token.encrypt(badParameter) } == .mechanismParamInvalid)
            var pss = Coffer_V1_PssParameters()
            pss.mgf = 99
            badParameter.mechanism = mechanism(.rsaPKCSPSS, .pss(pss))
            #expect(await returnCode { try await c.token.encrypt(badParameter) } == .mechanismParamInvalid)
            var huge = Self.cipher(aes, alice, [])
            huge.data = Data(count: 5 << 20)
            #expect(await returnCode { try await c.token.encrypt(huge) } == .dataLenRange)

            var random = Coffer_V1_GenerateRandomRequest()
            random.header = header(alice)
            random.length = UInt32.max
            #expect(await returnCode { try await c.token.generateRandom(random) } == .dataLenRange)
            random.length = 32
            let bytes = try await c.token.generateRandom(random)
            #expect(bytes.data.count == 32)
            #expect(bytes.header.revision == revision)

            var create = Coffer_V1_CreateObjectRequest()
            create.header = header(alice)
            #expect(await returnCode { try await c.token.createObject(create) } == .templateIncomplete)
            var garbage = Coffer_V1_Attribute()
            garbage.type = AttributeType.objectClass.rawValue
            garbage.value = Data([1, 2, 3])
            create.template = [garbage]
            #expect(await returnCode { try await c.token.createObject(create) } == .attributeValueInvalid)
            garbage.type = 0x7FFF_0000
            create.template = [garbage]
            #expect(await returnCode { try await c.token.createObject(create) } == .attributeTypeInvalid)
            create.template = Array(repeating: attribute(.label, .string("x")), count: 300)
            #expect(await returnCode { try await c.token.createObject(create) } == .argumentsBad)

            var set = Coffer_V1_SetAttributesRequest()
            set.header = header(alice)
            set.handle = aes
            set.template = [attribute(.extractable, .bool(true))]
            #expect(await returnCode { try await c.token.setAttributes(set) } == .attributeReadOnly)

            var operation = Coffer_V1_OperationInitRequest()
            operation.header = header(alice)
            operation.kind = .digest
            operation.mechanism = mechanism(.sha256)
            #expect(await returnCode { try await c.token.operationInit(operation) } == .sessionHandleInvalid)
            operation.header = header(alice, session: 12345)
            #expect(await returnCode { try await c.token.operationInit(operation) } == .sessionHandleInvalid)

            var find = Coffer_V1_FindObjectsRequest()
            find.header = header(alice)
            find.template = [garbage]
            #expect(await returnCode { try await c.token.findObjects(find) } == .attributeTypeInvalid)

            #expect(f.state.revision == revision)
            // Failed calls carry the revision too.
            do {
                _ = try await c.token.encrypt(Self.cipher(424_242, alice, [1]))
                Issue.record("expected a failure")
            } catch let error as RPCError {
                #expect(error.metadata[stringValues: ServiceFailure.revisionMetadataKey].first(where: { _ in true }) == String(revision))
                #expect(error.code == .notFound)
            }
        }
    }

    /// A generation sent again with the same request id (its node died before answering) answers
    /// with the first key and makes none; another id makes another key; an id of a bad length is
    /// CKR_ARGUMENTS_BAD and makes nothing.
    @Test func aRepeatedRequestIdMakesNoSecondKey() async throws {
        let f = try await ServerFixture.make()
        try await f.run { c in
            let admin = try await c.login("admin", ServerFixture.adminPassword)
            let alice = try await c.cryptoUser("alice", admin: admin)
            var generate = Coffer_V1_GenerateKeyRequest()
            generate.header = header(alice)
            generate.header.requestID = Data(repeating: 0x5A, count: 16)
            generate.mechanism = mechanism(.aesKeyGen)
            generate.template = Self.aesTemplate(label: "once")
            let first = try await c.token.generateKey(generate).handle
            #expect(try await c.token.generateKey(generate).handle == first)
            #expect(try await Self.find(c, alice) == [first])
            generate.header.requestID = Data(repeating: 0x6B, count: 16)
            let second = try await c.token.generateKey(generate).handle
            #expect(second != first)
            generate.header.requestID = Data(repeating: 0x7C, count: 8)
            #expect(await returnCode { try await c.token.generateKey(generate) } == .argumentsBad)
            #expect(Set(try await Self.find(c, alice)) == [first, second])
        }
    }

    @Test func minRevisionWaitsForTheIndex() async throws {
        let f = try await ServerFixture.make(indexTimeout: .seconds(1))
        try await f.run { c in
            let admin = try await c.login("admin", ServerFixture.adminPassword)
            let revision = f.state.revision
            var list = Coffer_V1_ListUsersRequest()
            list.header = header(admin, minRevision: revision + 1)
            let token = c.users
            let waitingRequest = list
            let waiting = Task { try await token.listUsers(waitingRequest) }
            _ = try await c.cryptoUser("alice", admin: admin)
            let reply = try await waiting.value
            #expect(reply.header.revision >= revision + 1)
            #expect(reply.users.contains { $0.name == "alice" })

            // A revision the node never reaches: bounded wait, then CKR_DEVICE_ERROR.
            list.header = header(admin, minRevision: revision + 1_000_000)
            #expect(await returnCode { try await c.users.listUsers(list) } == .deviceError)
        }
    }
}
