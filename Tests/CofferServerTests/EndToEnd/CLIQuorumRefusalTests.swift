// Issue 14's refusals for every service through real processes (a dev cofferd and the coffer CLI):
// with a quorum of 2, each service's guarded operation is refused, and changes nothing, without a
// token, with M-1 approvals (after the same approver tried to approve twice), with approvals for
// another operation of the service, with an expired token and with its token once used; with two
// approvals it runs once. Cluster is walked twice: allowing a binary and issuing a client
// certificate. user-management's own walk is in CLIQuorumTests.

import CofferTestSupport
import Foundation
import Testing

@Suite struct CLIQuorumRefusalTests {
    /// One service's guarded operation, as its tests run it.
    struct Guarded {
        let service: String
        /// The operation's text, as `coffer quorum request --operation` takes it.
        let operation: String
        /// Another operation of the same service.
        let other: String
        /// Who asks for tokens and runs the command.
        let requester: CofferCLI
        /// The command, without `--quorum-token`.
        let command: [String]
        /// Two approvers of the service's role: their CLIs and approval key files.
        let approvers: [(CofferCLI, String)]
        /// What the operation changes, as the CLI shows it.
        let observe: () throws -> String
        /// Makes the operation's effect unseen again once it ran (removes a file it wrote).
        var reset: () throws -> Void = {}

        func token(_ operation: String, validFor: String? = nil) throws -> String {
            try CLIQuorumTests.token(requester, service, operation, validFor: validFor)
        }

        func approve(_ token: String, by index: Int) throws -> CofferCLI.Result {
            let (cli, key) = approvers[index]
            return try cli.run(["quorum", "approve", token, "--key", key])
        }

        /// The command with `token`, expected to be refused with `reason` and to leave `observe` as it was.
        func refused(_ token: String?, _ reason: String, _ comment: String) throws {
            let before = try observe()
            let result = try requester.fails(command + (token.map { ["--quorum-token", $0] } ?? []))
            #expect(result.stderr.contains("CKR_FUNCTION_REJECTED") && result.stderr.contains(reason), "\(service), \(comment): \(result.stderr)")
            #expect(try observe() == before, "\(service), \(comment): the refused command changed what it guards")
        }

        /// A token for `operation` with both approvals, valid for a few seconds.
        func expiring() throws -> String {
            let brief = try token(operation, validFor: "4s")
            for index in approvers.indices { #expect(try approve(brief, by: index).status == 0, "\(service): approving \(brief)") }
            return brief
        }

        /// Every refusal but the expired token's and the used token's; returns the token with one approval.
        func refusals() throws -> String {
            try refused(nil, "needs 2 approval", "no token")
            let token = try token(operation)
            #expect(try approve(token, by: 0).status == 0)
            let twice = try approve(token, by: 0)
            #expect(twice.status != 0 && twice.stderr.contains("approved token \(token) already"), "\(service): \(twice.stderr)")
            try refused(token, "1 valid approval of the 2", "one approval, the same approver twice")

            let another = try self.token(other)
            for index in approvers.indices { #expect(try approve(another, by: index).status == 0) }
            try refused(another, "approves another operation", "approvals for \(other)")
            let unspent = try requester.ok(["--json", "quorum", "status", another]).json
            #expect((unspent?["used_at"] as? String ?? "").isEmpty, "\(service): a refused token was spent: \(String(describing: unspent))")
            return token
        }

        /// `token` gets its second approval: the command runs once, and then its token is refused.
        func approvedOnce(_ token: String) throws {
            let before = try observe()
            #expect(try approve(token, by: 1).status == 0)
            try requester.ok(command + ["--quorum-token", token])
            #expect(try observe() != before, "\(service): the approved command changed nothing")
            try reset()
            try refused(token, "was used already", "the token reused")
        }
    }

    @Test func everyServiceRefusesWhatItsApprovalsDoNotCover() throws {
        let node = try DevNode()
        defer { node.remove() }
        let folder = node.folder
        let (admin, alice, password) = try CLIWalkthroughTests.adminAndAlice(on: node)
        for (name, role) in [("ann", "admin"), ("abe", "admin"), ("alice", "crypto-user"), ("dave", "crypto-user"), ("erin", "crypto-user")] {
            try admin.ok(["user", "create", "--name", name, "--role", role, "--password-file", password])
        }
        let ann = try CLIQuorumTests.approver("ann", on: node, password: password)
        let abe = try CLIQuorumTests.approver("abe", on: node, password: password)
        let dave = try CLIQuorumTests.approver("dave", on: node, password: password)
        let erin = try CLIQuorumTests.approver("erin", on: node, password: password)
        try alice.ok(["login", "--user", "alice", "--password-file", password])
        let aliceKey = folder + "/alice-approval.pem"
        try alice.ok(["user", "register-approval-key", "--generate", "--out", aliceKey])

        // Keys first: sharing is itself guarded once key-management has a quorum.
        func handle(_ arguments: [String], _ member: String = "handle") throws -> Int {
            try #require(try alice.ok(["--json", "key"] + arguments).json?[member] as? Int)
        }
        let kek = try handle(["generate-symmetric", "--label", "kek"])
        let out = try handle(["generate-symmetric", "--label", "out", "--extractable"])
        let signer = try handle(["generate-asymmetric", "--label", "signer", "--type", "ec-p256"], "private_handle")
        try alice.ok(["key", "share", "signer", "--with", "dave"])
        try alice.ok(["quorum", "set", "--service", "key-usage", "--key", "signer", "--m", "2"])
        for service in ["key-management", "backup", "cluster", "quorum"] {
            try admin.ok(["quorum", "set", "--service", service, "--m", "2"])
        }

        func fileExists(_ path: String) -> () throws -> String {
            { FileManager.default.fileExists(atPath: path) ? "written" : "absent" }
        }
        func removing(_ path: String) -> () throws -> Void {
            { try FileManager.default.removeItem(atPath: path) }
        }
        let message = folder + "/message.txt"
        try "one approved signature".write(toFile: message, atomically: true, encoding: .utf8)
        let wrapped = folder + "/out.wrapped", signature = folder + "/message.sig", backup = folder + "/approved.coffer"
        let digest = String(repeating: "cd", count: 32)
        let issued = folder + "/billing"
        let guarded = [
            Guarded(
                service: "key-management", operation: "export-key handle=\(out) wrapping=\(kek)",
                other: "destroy-object handle=\(out)", requester: alice,
                command: ["key", "wrap", "--wrapping-key", "kek", "--key", "out", "--out", wrapped],
                approvers: [dave, erin], observe: fileExists(wrapped), reset: removing(wrapped)),
            Guarded(
                service: "key-usage", operation: "use-key handle=\(signer) operation=sign",
                other: "use-key handle=\(signer) operation=decrypt", requester: alice,
                command: ["crypto", "sign", "--key", "signer", "--in", message, "--out", signature],
                approvers: [(alice, aliceKey), dave], observe: fileExists(signature), reset: removing(signature)),
            Guarded(
                service: "backup", operation: "create-backup", other: "restore-object handle=\(out)", requester: admin,
                command: ["backup", "create", "--out", backup], approvers: [ann, abe],
                observe: fileExists(backup), reset: removing(backup)),
            Guarded(
                service: "cluster", operation: "set-binary-allowed sha256=\(digest) allowed=true",
                other: "set-binary-allowed sha256=\(digest) allowed=false", requester: admin,
                command: ["cluster", "allow-binary", "--sha256", digest], approvers: [ann, abe],
                observe: { try admin.ok(["cluster", "nodes"]).stdout.contains(digest) ? "allowed" : "not allowed" }),
            Guarded(
                service: "cluster", operation: "issue-certificate name=billing profile=application",
                other: "issue-certificate name=billing profile=admin-workstation", requester: admin,
                command: ["cluster", "issue-certificate", "--certificate-profile", "application", "--name", "billing", "--out", issued],
                approvers: [ann, abe], observe: fileExists(issued + "/client.pem"), reset: removing(issued)),
            Guarded(
                service: "quorum", operation: "set-quorum service=user-management approvals=1",
                other: "set-quorum service=user-management approvals=2", requester: admin,
                command: ["quorum", "set", "--service", "user-management", "--m", "1"], approvers: [ann, abe],
                observe: {
                    let settings = try admin.ok(["--json", "quorum", "show"]).json?["settings"] as? [[String: Any]] ?? []
                    return "\(settings.first { $0["service"] as? String == "user-management" }?["approvals"] ?? "none")"
                }),
        ]

        // Tokens with both approvals that expire while the other refusals run, checked before anything
        // ran, so that "changes nothing" means something for each.
        let expiring = try guarded.map { try $0.expiring() }
        let madeAt = Date()
        let halfApproved = try guarded.map { try $0.refusals() }
        Thread.sleep(forTimeInterval: max(0, 5 - Date().timeIntervalSince(madeAt)))
        for (service, token) in zip(guarded, expiring) { try service.refused(token, "expired", "an expired token") }
        for (service, token) in zip(guarded, halfApproved) { try service.approvedOnce(token) }
    }
}
