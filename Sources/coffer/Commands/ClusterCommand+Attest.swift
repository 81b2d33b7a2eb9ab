// `coffer cluster attest`: asks a node for its attestation with a fresh nonce and checks it.

import ArgumentParser
import CofferClient
import CofferAttestation
import Crypto
import Foundation

extension ClusterCommand {
    /// SHA-256 of the file at `path`, hex (a cofferd executable's, as attestations report it).
    static func fileSHA256(_ path: String) throws -> String {
        guard let file = FileHandle(forReadingAtPath: path) else { throw CLIError("cannot read \(path)") }
        defer { try? file.close() }
        var hash = SHA256()
        while let chunk = try file.read(upToCount: 1 << 20), !chunk.isEmpty { hash.update(data: chunk) }
        return NodeAttestation.hex(hash.finalize())
    }

    /// `coffer cluster attest`.
    struct Attest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check what a node runs: its signed attestation for a fresh nonce.",
            discussion: """
                Sends a random nonce to the profile's first endpoint (or --endpoint) and checks the answer: \
                the statement must be signed by the identity key it names, answer this nonce, and be dated \
                within 5 minutes of now. With --expect-binary (a cofferd file) or --expect-digest (its SHA-256), \
                the node must report that executable. With --expect-identity, it must sign with that key \
                (from an earlier attest), so a node whose identity changed is noticed. The attestation is \
                software only: it proves the node holds its identity key and what it reports, not the \
                hardware, and a modified binary could report another digest (docs/cluster.md). Needs no login.
                """)

        @OptionGroup var options: CommonOptions
        @Option(help: "A cofferd executable the node must be running (its SHA-256 is compared).") var expectBinary: String?
        @Option(help: "The SHA-256 (hex) of the executable the node must be running.") var expectDigest: String?
        @Option(help: "The identity signing key (base64) the node must sign with.") var expectIdentity: String?

        func run() async throws {
            var nonce = [UInt8](repeating: 0, count: 32)
            var generator = SystemRandomNumberGenerator()
            for index in nonce.indices { nonce[index] = UInt8.random(in: 0...255, using: &generator) }
            let answer = try await Connection.with(options, login: false) { try await $0.attestation(nonce: nonce) }
            let statement: AttestationStatement
            do {
                statement = try NodeAttestation(statement: answer.statement, signature: answer.signature).verify(nonce: nonce)
            } catch {
                throw CLIError("the node's attestation is not valid: \(error.description)")
            }
            var expected = expectDigest?.lowercased()
            if let expectBinary { expected = try ClusterCommand.fileSHA256(expectBinary) }
            if let expected, expected != statement.binarySHA256 {
                throw CLIError("the node runs a binary with SHA-256 \(statement.binarySHA256), not the expected \(expected)")
            }
            if let expectIdentity, expectIdentity != statement.identitySigningKey {
                throw CLIError("the node signs with identity key \(statement.identitySigningKey), not the expected \(expectIdentity)")
            }
            try Output.emit(
                options,
                json: [
                    "valid": true, "node_id": statement.nodeID, "cluster": statement.cluster, "version": statement.version,
                    "binary_sha256": statement.binarySHA256, "identity_signing_key": statement.identitySigningKey,
                    "identity_agreement_key": statement.identityAgreementKey, "evidence": statement.evidence,
                    "time": ISO8601DateFormatter().string(from: statement.time), "binary_checked": expected != nil,
                ],
                human: """
                    valid attestation (\(statement.evidence.joined(separator: ", "))): node \(statement.nodeID) of cluster "\(statement.cluster)", version \(statement.version)
                    binary SHA-256 \(statement.binarySHA256)\(expected != nil ? " (as expected)" : "")
                    identity signing key \(statement.identitySigningKey)
                    """)
        }
    }
}
