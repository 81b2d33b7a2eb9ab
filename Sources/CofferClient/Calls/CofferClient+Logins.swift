// Logins on more than one node. A login of LOGIN_SCOPE_CONNECTION lives on the node (and connection)
// it was made on. The PKCS#11 library logs in on the standby endpoints too, right after C_Login, so
// that a failover finds the next node already logged in instead of waiting for a password check.

import CofferProtocol
import Foundation

extension CofferClient {
    /// Whether this client holds a login of its own for the current endpoint.
    public var hasLoginOnCurrentEndpoint: Bool {
        state.withLock { $0.tokens[selection.index] != nil }
    }

    /// Forgets the current endpoint's login (its node no longer knows it: the node restarted or the
    /// connection was made again), so that the caller logs in there again.
    public func forgetLoginOnCurrentEndpoint() {
        state.withLock { $0.tokens[selection.index] = nil }
    }

    /// Logs in with LOGIN_SCOPE_CONNECTION on every endpoint other than the current one that has no
    /// login yet, all at once, and keeps the tokens. Failures are ignored: that endpoint logs in
    /// when a call first needs it. A login that finishes after `logOutEverywhere` or `forgetLogins`
    /// is revoked at once rather than kept. Returns how many endpoints are now logged in.
    @discardableResult
    public func standbyLogin(user: String, password: [UInt8]) async -> Int {
        let current = selection.index
        let count = connections.count
        let (epoch, targets) = state.withLock { state in
            (state.loginEpoch, (0..<count).filter { $0 != current && state.tokens[$0] == nil })
        }
        var login = Coffer_V1_LoginRequest()
        login.userName = user
        login.password = Data(password)
        login.scope = .connection
        let request = login
        let deadline = configuration.deadline
        let connections = self.connections
        return await withTaskGroup(of: Int.self) { group in
            for index in targets {
                group.addTask { [self] in
                    let response: Coffer_V1_LoginResponse
                    do {
                        response = try await Self.unary(
                            connections[index], Coffer_V1_NodeService.Method.Login.descriptor, request, deadline: deadline)
                    } catch {
                        return 0
                    }
                    self.observe(revision: response.header.revision)
                    let kept = self.state.withLock { state -> Bool in
                        guard state.loginEpoch == epoch, state.tokens[index] == nil else { return false }
                        state.tokens[index] = response.loginToken
                        return true
                    }
                    if kept { return 1 }
                    await self.revoke(response.loginToken, on: index)
                    return 0
                }
            }
            return await group.reduce(0, +)
        }
    }

    /// Revokes every login this client holds, on each endpoint it was made on, and forgets them all
    /// (failures are ignored: a node that is gone has forgotten the login with the connection).
    public func logOutEverywhere() async {
        let tokens = state.withLock { state in
            defer {
                state.tokens = [:]
                state.sharedToken = ""
                state.loginEpoch += 1
            }
            return state.tokens
        }
        for (index, token) in tokens { await revoke(token, on: index) }
    }

    /// Forgets every login without a call (the application's login ended).
    public func forgetLogins() {
        state.withLock { state in
            state.tokens = [:]
            state.sharedToken = ""
            state.loginEpoch += 1
        }
    }

    /// Sends Logout with `token` to endpoint `index`; failures are ignored.
    private func revoke(_ token: String, on index: Int) async {
        var request = Coffer_V1_LogoutRequest()
        request.header.loginToken = token
        let _: Coffer_V1_LogoutResponse? = try? await Self.unary(
            connections[index], Coffer_V1_NodeService.Method.Logout.descriptor, request, deadline: configuration.deadline)
    }
}
