// `coffer quorum show|set|request|approve|status` and `coffer user register-approval-key`: M-of-N
// approvals for dangerous operations (docs/quorum.md). An approver's private key stays in a file on
// their machine; only signatures over a token's text reach the cluster.

import ArgumentParser
import CofferClient
import CofferProtocol
import Crypto
import Foundation

/// `coffer quorum`.
struct QuorumCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quorum",
        abstract: "Guard dangerous operations with approvals from several people.",
        discussion: """
            A service (user-management, key-management, backup, quorum, cluster) with a quorum of M runs \
            its operations only with a token approved by M distinct approvers: someone requests a token for \
            one exact operation, approvers sign it with their approval keys (coffer user \
            register-approval-key), and the operation then runs once with --quorum-token. Tokens expire \
            after 10 minutes unless asked otherwise. key-usage quorums are per key: each use of such a key \
            (a signature, a decryption) needs its own token. See docs/quorum.md.
            """,
        subcommands: [Show.self, Set.self, Request.self, Approve.self, Status.self])

    static func json(_ token: Coffer_V1_QuorumTokenResponse) -> [String: Any] {
        [
            "id": token.id, "service": token.service, "operation": token.operation, "requester": token.requester,
            "created_at": token.createdAt, "expires_at": token.expiresAt, "used_at": token.usedAt, "approvers": token.approvers,
            "valid_approvers": token.validApprovers, "needed": token.needed,
        ]
    }

    static func human(_ token: Coffer_V1_QuorumTokenResponse) -> String {
        let state = token.usedAt.isEmpty ? "unused, expires \(token.expiresAt)" : "used \(token.usedAt)"
        return """
            token \(token.id): \(token.service): \(token.operation)
              requested by \(token.requester) at \(token.createdAt); \(state)
              approvals \(token.validApprovers.count) of \(token.needed): \(token.approvers.isEmpty ? "none" : token.approvers.joined(separator: ", "))
            """
    }

    /// `coffer quorum show`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show each service's quorum and the registered approval keys.")

        @OptionGroup var options: CommonOptions

        func run() async throws {
            let quorum = try await Connection.with(options) { try await $0.getQuorum() }
            let settings = quorum.settings.map { "\($0.service): \($0.approvals == 0 ? "no quorum" : "\($0.approvals) approvals") (approved by \($0.approverRole)s)" }
            let keys = quorum.keys.map { "  \($0.user)  \($0.fingerprint)  registered \($0.registeredAt)" }
            let guarded = quorum.keyQuorums.map { "  key \($0.handle) \"\($0.label)\": \($0.approvals) approvals per use, \($0.uses) approved uses" }
            try Output.emit(
                options,
                json: [
                    "settings": quorum.settings.map { ["service": $0.service, "approvals": $0.approvals, "approver_role": $0.approverRole] },
                    "keys": quorum.keys.map { ["user": $0.user, "fingerprint": $0.fingerprint, "registered_at": $0.registeredAt] },
                    "key_quorums": quorum.keyQuorums.map { ["handle": $0.handle, "label": $0.label, "approvals": $0.approvals, "uses": $0.uses] },
                ],
                human: (settings.filter { !$0.hasPrefix("key-usage:") } + ["key-usage (per key, approved by the key's users):"]
                    + (guarded.isEmpty ? ["  none"] : guarded) + ["approval keys:"] + keys).joined(separator: "\n"))
        }
    }

    /// `coffer quorum set`.
    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the approvals a service needs.",
            discussion: """
                M from 1 to 8, or 0 for none. Refused when fewer approvers of the service's role (admins, or \
                crypto-users for key-management) have approval keys than M. Changing a quorum is itself an \
                operation of the quorum service: once that has a quorum, pass --quorum-token for `set-quorum \
                service=S approvals=M`.

                key-usage is set per key, by the key's owner: --service key-usage --key KEY --m M makes each \
                use of that private or secret key need M approvals from its owner and the users it is shared \
                with (`use-key handle=H operation=sign`, one token per use, with --quorum-token or, through \
                PKCS#11, C_Login with the vendor user type CKU_COFFER_APPROVAL before the call). Once set, changing it needs the key's own quorum \
                (`set-key-quorum handle=H approvals=M`). Such a key cannot be copied or wrapped out.
                """)

        @OptionGroup var options: CommonOptions
        @Option(help: "user-management, key-management, key-usage, backup, quorum or cluster.") var service: String
        @Option(name: .customLong("m"), help: "The approvals needed: 1 to 8, 0 for none.") var approvals: UInt32
        @Option(help: "For key-usage: the key (a handle or a label).") var key: String?

        func run() async throws {
            guard (service == "key-usage") == (key != nil) else {
                throw CLIError(key == nil ? "key-usage quorums are per key: add --key KEY" : "--key is for --service key-usage only")
            }
            let handle = try await Connection.with(options) { client in
                var handle: UInt64 = 0
                if let key {
                    handle = try await KeyLookup.one(
                        client, key, classes: [KeyCommand.objectClass("private-key"), KeyCommand.objectClass("secret-key")],
                        role: "private or secret")
                }
                try await client.setQuorum(service: service, approvals: approvals, key: handle)
                return handle
            }
            let subject = key == nil ? service : "key \(handle)"
            try Output.emit(
                options, json: ["service": service, "approvals": approvals, "key": handle],
                human: approvals == 0 ? "\(subject): no quorum" : "\(subject): \(approvals) approvals needed\(key == nil ? "" : " per use")")
        }
    }

    /// `coffer quorum request`.
    struct Request: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask for approvals of one exact operation.",
            discussion: """
                --operation names the command and its arguments as key=value words: create-user name=N \
                role=R, delete-user name=N, unlock-user name=N, change-password name=N, destroy-object \
                handle=H, share handle=H user=N shared=true|false, restore-object handle=H, set-quorum \
                service=S approvals=M, remove-node node=ID, set-binary-allowed sha256=HEX allowed=true|false, \
                add-node name=N, issue-certificate name=N profile=admin-workstation|application, create-backup, \
                export-key handle=H wrapping=W, import-key unwrapping=W, set-audit-reader name=N \
                granted=true|false; for key-usage, use-key handle=H operation=sign|decrypt|encrypt|verify|wrap|\
                unwrap|derive|decapsulate (one use; with sha256=HEX, one use on exactly the data whose SHA-256 \
                that is, in a single-part coffer crypto call) and set-key-quorum handle=H approvals=M. The token \
                approves that and nothing else; give its id to the approvers.
                """)

        @OptionGroup var options: CommonOptions
        @Option(help: "The service the operation belongs to.") var service: String
        @Option(help: "The operation, such as 'create-user name=bob role=crypto-user'.") var operation: String
        @Option(help: "How long the token is valid: 90s, 30m, 12h (10m by default, at most 24h).") var validFor: String?

        func run() async throws {
            let seconds = try validFor.map(ClusterCommand.AddNode.seconds) ?? 0
            let token = try await Connection.with(options) {
                try await $0.requestQuorum(service: service, operation: operation, validSeconds: seconds)
            }
            try Output.emit(options, json: QuorumCommand.json(token), human: QuorumCommand.human(token))
        }
    }

    /// `coffer quorum approve`.
    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a token with your approval key.",
            discussion: """
                Shows what the token approves, signs its text with your approval key and hands the signature \
                to the cluster, which checks it against your registered approval key. The key is a PEM file \
                (--key) or a P-256 key pair on a PKCS#11 token (--pkcs11-module with --key-label; the PIN from \
                --pin-file or $COFFER_APPROVAL_PIN); either way it never leaves this machine. Each approver \
                approves a token once.

                On a machine with no connection to the cluster: write the token's text with `coffer quorum \
                status TOKEN --text-out FILE` where there is one, sign it offline with `coffer quorum approve \
                --text FILE --signature-out SIG` and your key (nothing is sent), then hand in the signature \
                with `coffer quorum approve TOKEN --signature SIG`.
                """)

        @OptionGroup var options: CommonOptions
        @Argument(help: "The token id (not with --text).") var token: String?
        @OptionGroup var approvalKey: ApprovalKeyOptions
        @Option(help: "Sign this token text offline (from `coffer quorum status --text-out`); needs --signature-out.")
        var text: String?
        @Option(help: "With --text: where to write the signature (base64).") var signatureOut: String?
        @Option(help: "Hand in a signature made offline (base64, from --signature-out) instead of signing here.")
        var signature: String?

        func validate() throws {
            let hasKey = approvalKey.key != nil || approvalKey.onToken
            if text != nil {
                guard token == nil, signature == nil else { throw ValidationError("--text signs offline: no token id, no --signature") }
                guard signatureOut != nil, hasKey else { throw ValidationError("--text needs --signature-out and your key") }
            } else if signature != nil {
                guard token != nil, !hasKey else { throw ValidationError("--signature needs the token id and no key") }
            } else {
                guard token != nil, hasKey, signatureOut == nil else {
                    throw ValidationError("give the token id and --key FILE (or --pkcs11-module with --key-label)")
                }
            }
        }

        func run() async throws {
            if let text, let signatureOut {
                let signed = String(decoding: try SecretFile.read(text), as: UTF8.self)
                // A token's text starts with its format line (QuorumToken.format in CofferState).
                guard signed.hasPrefix("coffer-quorum-token/1\n") else {
                    throw CLIError("\(text) is not a quorum token's text (coffer quorum status TOKEN --text-out FILE)")
                }
                let made = try approvalKey.sign(signed)
                try SecretFile.write(Data(Data(made).base64EncodedString().utf8), to: signatureOut)
                try Output.emit(
                    options, json: ["signed": signed, "signature": signatureOut],
                    human: "signed, offline, for handing in with coffer quorum approve TOKEN --signature \(signatureOut):\n" + signed)
                return
            }
            guard let token else { throw ValidationError("give the token id") }
            let handedIn: [UInt8]? = try signature.map { path in
                let text = String(decoding: try SecretFile.read(path), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                guard let bytes = Data(base64Encoded: text), bytes.count <= 128 else { throw CLIError("\(path) holds no signature (base64)") }
                return Array(bytes)
            }
            let approved = try await Connection.with(options) { client in
                if let handedIn { return try await client.approveQuorum(token, signature: handedIn) }
                let current = try await client.quorumToken(token)
                return try await client.approveQuorum(token, signature: try approvalKey.sign(current.signedText))
            }
            try Output.emit(options, json: QuorumCommand.json(approved), human: "approved\n" + QuorumCommand.human(approved))
        }
    }

    /// `coffer quorum status`.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a token: its operation, approvals and whether it was used.")

        @OptionGroup var options: CommonOptions
        @Argument(help: "The token id.") var token: String
        @Option(help: "Also write the text an approver signs to this file, to sign it offline (coffer quorum approve --text).")
        var textOut: String?

        func run() async throws {
            let current = try await Connection.with(options) { try await $0.quorumToken(token) }
            if let textOut { try SecretFile.write(Data(current.signedText.utf8), to: textOut) }
            try Output.emit(options, json: QuorumCommand.json(current), human: QuorumCommand.human(current))
        }
    }
}

extension UserCommand {
    /// `coffer user register-approval-key`.
    struct RegisterApprovalKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "register-approval-key",
            abstract: "Register your key for approving quorum tokens.",
            discussion: """
                With --generate, makes a P-256 key, writes its private key to --out (mode 0600; keep it on \
                your own machine) and registers its public key. With --key, registers the public key of a \
                P-256 key you have (a private or public key in PEM, from openssl for example). With \
                --pkcs11-module and --key-label, registers the public key of a P-256 key pair on a PKCS#11 \
                token (a smart card, a YubiKey, SoftHSM2), whose private key never leaves it; approve with the \
                same options. A new registration replaces the old key, and approvals made with the old one \
                stop counting.
                """)

        @OptionGroup var options: CommonOptions
        @Flag(help: "Make a new key.") var generate = false
        @Option(help: "Where --generate writes the private key.") var out: String?
        @OptionGroup var approvalKey: ApprovalKeyOptions

        func validate() throws {
            let existing = approvalKey.key != nil || approvalKey.onToken
            guard generate != existing else {
                throw ValidationError("give --generate --out FILE, --key FILE, or --pkcs11-module with --key-label")
            }
            if generate, out == nil { throw ValidationError("--generate needs --out FILE") }
        }

        static func privateKey(_ path: String) throws -> P256.Signing.PrivateKey {
            let text = String(decoding: try SecretFile.read(path), as: UTF8.self)
            guard let key = try? P256.Signing.PrivateKey(pemRepresentation: text) else {
                throw CLIError("\(path) is not a P-256 private key in PEM")
            }
            return key
        }

        func run() async throws {
            let publicKey: P256.Signing.PublicKey
            if generate, let out {
                let made = P256.Signing.PrivateKey()
                try SecretFile.write(Data(made.pemRepresentation.utf8), to: out)
                publicKey = made.publicKey
            } else {
                publicKey = try approvalKey.publicKey()
            }
            try await Connection.with(options) { try await $0.registerApprovalKey(Array(publicKey.derRepresentation)) }
            let fingerprint = SHA256.hash(data: publicKey.derRepresentation).map { String(format: "%02x", $0) }.joined()
            try Output.emit(
                options, json: ["registered": true, "fingerprint": fingerprint, "private_key": out ?? ""],
                human: "approval key registered (SHA-256 \(fingerprint))" + (out.map { "; its private key is in \($0)" } ?? ""))
        }
    }
}
