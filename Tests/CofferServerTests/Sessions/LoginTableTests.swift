// The login table alone: certificate binding, idle expiry, logout, and the per-binding bound.

import CofferModel
import Testing
@testable import CofferServer

@Suite struct LoginTableTests {
    let certA = Peer(connection: "ipv4:10.0.0.1:4000", certificateFingerprint: Array(repeating: 0xA, count: 32))
    let certAOtherConnection = Peer(connection: "ipv4:10.0.0.1:4001", certificateFingerprint: Array(repeating: 0xA, count: 32))
    let certB = Peer(connection: "ipv4:10.0.0.1:4000", certificateFingerprint: Array(repeating: 0xB, count: 32))

    @Test func certificateLoginsFollowTheCertificate() {
        let table = LoginTable(idleTimeout: .seconds(3600))
        let token = table.login(UserID(7), binding: .certificate(certA.certificateFingerprint!))
        #expect(token.count == 64)
        #expect(table.user(for: token, from: certAOtherConnection) == UserID(7))
        #expect(table.user(for: token, from: certB) == nil)
        #expect(table.logout(token, from: certB) == false)
        #expect(table.logout(token, from: certA))
        #expect(table.user(for: token, from: certA) == nil)
    }

    @Test func idleCertificateLoginsExpire() {
        let table = LoginTable(idleTimeout: .zero)
        let certificateToken = table.login(UserID(7), binding: .certificate(certA.certificateFingerprint!))
        let connectionToken = table.login(UserID(7), binding: .connection(certA.connection))
        // Any time at all exceeds a zero idle timeout; connection logins do not expire.
        #expect(table.user(for: certificateToken, from: certA) == nil)
        #expect(table.user(for: connectionToken, from: certA) == UserID(7))
    }

    @Test func loginsPerBindingAreBounded() {
        let table = LoginTable(idleTimeout: .seconds(3600))
        let first = table.login(UserID(1), binding: .connection("c"))
        for _ in 0..<LoginTable.maxPerBinding { _ = table.login(UserID(1), binding: .connection("c")) }
        #expect(table.count == LoginTable.maxPerBinding)
        #expect(table.user(for: first, from: Peer(connection: "c", certificateFingerprint: nil)) == nil)
    }
}
