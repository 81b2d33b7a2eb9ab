// Roles, ownership and sharing.

import CofferCrypto
import Testing

@testable import CofferModel

@Suite struct AccessTests {
    let owner = user(1, .cryptoUser)
    let friend = user(2, .cryptoUser)
    let stranger = user(3, .cryptoUser)
    let admin = user(4, .admin)
    let auditor = user(5, .auditor)

    var object: StoredObject {
        StoredObject(handle: 7, objectClass: .secretKey, attributes: ObjectSchema.defaults(for: .secretKey, keyType: .aes), owner: owner.id, sharedWith: [friend.id])
    }

    @Test func ownerAndSharedUsersUseKeys() {
        #expect(Access.canUse(object, by: owner))
        #expect(Access.canUse(object, by: friend))
        #expect(!Access.canUse(object, by: stranger))
        expectCode(.objectHandleInvalid) { try Access.checkUse(object, by: stranger) }
    }

    @Test func adminAndAuditorNeverUseKeys() {
        expectCode(.userNotLoggedIn) { try Access.checkUse(object, by: admin) }
        expectCode(.userNotLoggedIn) { try Access.checkUse(object, by: auditor) }
        expectCode(.userNotLoggedIn) { try Access.checkCreateObjects(by: admin) }
        expectCode(.userNotLoggedIn) { try Access.checkCreateObjects(by: auditor) }
    }

    @Test func visibility() {
        #expect(Access.canSee(object, by: owner))
        #expect(Access.canSee(object, by: friend))
        #expect(Access.canSee(object, by: admin))
        #expect(!Access.canSee(object, by: stranger))
        #expect(!Access.canSee(object, by: auditor))
    }

    @Test func onlyTheOwnerSharesWithCryptoUsers() {
        #expect(Access.canShare(object, by: owner, with: stranger))
        #expect(!Access.canShare(object, by: friend, with: stranger))
        expectCode(.actionProhibited) { try Access.checkShare(object, by: friend, with: stranger) }
        expectCode(.objectHandleInvalid) { try Access.checkShare(object, by: stranger, with: friend) }
        expectCode(.argumentsBad) { try Access.checkShare(object, by: owner, with: admin) }
        expectCode(.argumentsBad) { try Access.checkShare(object, by: owner, with: owner) }
        expectCode(.userNotLoggedIn) { try Access.checkShare(object, by: admin, with: friend) }
    }

    @Test func onlyTheOwnerManages() throws {
        try Access.checkManage(object, by: owner)
        try Access.checkManage(object, by: admin)
        expectCode(.actionProhibited) { try Access.checkManage(object, by: friend) }
        expectCode(.objectHandleInvalid) { try Access.checkManage(object, by: stranger) }
        expectCode(.userNotLoggedIn) { try Access.checkManage(object, by: auditor) }
    }

    @Test func userManagementAndAudit() throws {
        try Access.checkManageUsers(by: admin)
        expectCode(.userNotLoggedIn) { try Access.checkManageUsers(by: owner) }
        expectCode(.userNotLoggedIn) { try Access.checkManageUsers(by: auditor) }
        try Access.checkReadAuditLog(by: auditor)
        expectCode(.userNotLoggedIn) { try Access.checkReadAuditLog(by: owner) }
    }

    @Test func userNamesAreChecked() {
        expectCode(.argumentsBad) { _ = try User(id: UserID(1), name: "", role: .admin, passwordVerifier: []) }
        expectCode(.argumentsBad) { _ = try User(id: UserID(1), name: "a b", role: .admin, passwordVerifier: []) }
        expectCode(.argumentsBad) { _ = try User(id: UserID(1), name: String(repeating: "a", count: 65), role: .admin, passwordVerifier: []) }
    }

    @Test func lockoutAfterFailedLogins() {
        var u = owner
        for _ in 0..<(User.lockoutThreshold - 1) { u = u.recordingFailedLogin() }
        #expect(!u.locked)
        u = u.recordingFailedLogin()
        #expect(u.locked)
        #expect(u.recordingSuccessfulLogin().failedLoginCount == 0)
    }
}
