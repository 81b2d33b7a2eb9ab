// `coffer key attest` and `coffer attest verify`: key attestation (docs/attestation.md). The first
// asks the cluster for a certificate of what a key is; the second checks one offline, with only
// the cluster's CA certificate.

import ArgumentParser
import CofferAttestation
import CofferClient
import Foundation

extension KeyCommand {
    /// `coffer key attest`.
    struct Attest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Get the cluster's signed attestation of a key.",
            discussion: """
                Writes an X.509 certificate issued by the cluster CA for the key's public key (a secret key, \
                or one whose public key has no X.509 form, gets a one-off key), with the key's claims in its \
                comment extension: class, type, owner, label, id, CKA_LOCAL (made inside Coffer), \
                CKA_SENSITIVE, CKA_ALWAYS_SENSITIVE, CKA_EXTRACTABLE, CKA_NEVER_EXTRACTABLE, the cluster, the \
                time and the nonce. A relying party checks it with `coffer attest verify FILE --ca ca.pem`, or \
                the chain with openssl. For a key pair's label, the private key is attested.
                """)

        @OptionGroup var options: CommonOptions
        @Argument(help: "A handle or a label.") var key: String
        @Option(help: "The relying party's nonce, 32 to 128 hex digits (a random one if absent).") var nonce: String?
        @Option(help: "Where to write the attestation certificate (PEM).") var out: String
        @Option(help: "Where to write the cluster CA certificate (PEM) too.") var caOut: String?

        func run() async throws {
            let nonce = try AttestCommand.nonce(nonce)
            let (certificate, ca) = try await Connection.with(options) { client in
                let handle = try await KeyLookup.one(
                    client, key, classes: [KeyCommand.objectClass("private-key"), KeyCommand.objectClass("secret-key")],
                    role: "private or secret")
                return try await client.attestKey(handle, nonce: nonce)
            }
            try SecretFile.writePublic(Data(certificate.utf8), to: out)
            if let caOut { try SecretFile.writePublic(Data(ca.utf8), to: caOut) }
            let claims = try await AttestCommand.check(certificate, ca: ca, nonce: nonce)
            try Output.emit(
                options, json: AttestCommand.json(claims, file: out),
                human: "attestation of \(claims.objectClass) \(claims.handle) (\(claims.label)) written to \(out): local \(claims.local), never extractable \(claims.neverExtractable)")
        }
    }
}

/// `coffer attest`: checking attestations offline.
struct AttestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attest", abstract: "Check attestations offline.", subcommands: [Verify.self])

    /// The nonce from hex, or 32 random bytes.
    static func nonce(_ hex: String?) throws -> [UInt8] {
        guard let hex else { return Array(OperationMechanism.randomIV(32)) }
        guard let bytes = Hex.decode(hex).map(Array.init), NodeAttestation.nonceLengths.contains(bytes.count) else {
            throw ValidationError("--nonce is 16 to 64 bytes in hex (32 to 128 hex digits)")
        }
        return bytes
    }

    static func check(_ certificate: String, ca: String, nonce: [UInt8]?) async throws -> KeyClaims {
        do { return try await KeyAttestation.verify(certificatePEM: certificate, caPEM: ca, nonce: nonce) } catch {
            throw CLIError("the attestation is not valid: \(error.description)")
        }
    }

    static func json(_ claims: KeyClaims, file: String) -> [String: Any] {
        [
            "valid": true, "file": file, "cluster": claims.cluster, "handle": claims.handle, "label": claims.label,
            "id": claims.id, "class": claims.objectClass, "key_type": claims.keyType, "owner": claims.owner,
            "local": claims.local, "sensitive": claims.sensitive, "always_sensitive": claims.alwaysSensitive,
            "extractable": claims.extractable, "never_extractable": claims.neverExtractable,
            "certificate_key": claims.certificateKey, "public_key_sha256": claims.publicKeySHA256,
            "check_value": claims.checkValue, "time": ISO8601DateFormatter().string(from: claims.time), "nonce": claims.nonce,
        ]
    }

    /// `coffer attest verify`.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a key attestation offline.",
            discussion: """
                Checks that the certificate chains to the CA certificate given (the cluster's, which you \
                got from a trusted source), is within its validity, carries Coffer key claims and, for a key \
                with an X.509 public key, certifies that very key; with --nonce, that it answers yours. Prints \
                the claims. Needs no node and no login.
                """)

        @OptionGroup var options: CommonOptions
        @Argument(help: "The attestation certificate (PEM).") var file: String
        @Option(help: "The cluster CA certificate (PEM) to check it against.") var ca: String
        @Option(help: "The nonce the attestation must answer, in hex.") var nonce: String?

        func run() async throws {
            let certificate = String(decoding: try SecretFile.read(file), as: UTF8.self)
            let authority = String(decoding: try SecretFile.read(ca), as: UTF8.self)
            let claims = try await AttestCommand.check(certificate, ca: authority, nonce: try nonce.map { try AttestCommand.nonce($0) })
            try Output.emit(
                options, json: AttestCommand.json(claims, file: file),
                human: """
                    valid attestation by the cluster CA (cluster "\(claims.cluster)"), at \(ISO8601DateFormatter().string(from: claims.time))
                    \(claims.objectClass) \(claims.keyType) handle \(claims.handle) label "\(claims.label)" owner \(claims.owner)
                    local \(claims.local), sensitive \(claims.sensitive), always sensitive \(claims.alwaysSensitive), extractable \(claims.extractable), never extractable \(claims.neverExtractable)
                    """)
        }
    }
}
