// `coffer crypto sign|verify|encrypt|decrypt`: one-shot operations on files, for scripts.

import ArgumentParser
import CofferClient
import CofferProtocol
import Foundation

/// The crypto command group.
struct CryptoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crypto", abstract: "Sign, verify, encrypt and decrypt files with keys in the cluster.",
        discussion: """
            Default mechanisms by key type: RSA sha256-rsa-pkcs (sign) and rsa-pkcs-oaep with SHA-256 \
            (encrypt); EC ecdsa-sha256; Ed25519 eddsa; ML-DSA ml-dsa; AES aes-gcm (encrypt) and \
            aes-cmac (sign); HMAC keys sha256-hmac.

            --mechanism names for signing and verifying: \(signingMechanisms.joined(separator: ", ")). \
            For encrypting and decrypting: \(cipherMechanisms.joined(separator: ", ")).
            """,
        subcommands: [Sign.self, Verify.self, Encrypt.self, Decrypt.self])

    /// The mechanism names `--mechanism` takes, for `--help`.
    static let signingMechanisms = [
        "sha256-rsa-pkcs", "sha384-rsa-pkcs", "sha512-rsa-pkcs", "rsa-pkcs-pss", "sha256-rsa-pkcs-pss", "sha384-rsa-pkcs-pss",
        "sha512-rsa-pkcs-pss", "ecdsa", "ecdsa-sha256", "ecdsa-sha384", "ecdsa-sha512", "eddsa", "ml-dsa", "aes-cmac",
        "sha256-hmac", "sha384-hmac", "sha512-hmac",
    ]
    static let cipherMechanisms = ["aes-gcm", "aes-cbc", "aes-cbc-pad", "aes-ctr", "rsa-pkcs-oaep"]

    static let privateClasses: [UInt64] = [0x3, 0x4]  // private-key, secret-key
    static let publicClasses: [UInt64] = [0x2, 0x4]  // public-key, secret-key

    /// The key handle and mechanism name for an operation.
    static func resolve(
        _ client: CofferClient, key: String, mechanism: String?, operation: OperationMechanism.Operation
    ) async throws -> (handle: UInt64, mechanism: String) {
        let classes = operation == .sign || operation == .decrypt ? privateClasses : publicClasses
        let role = operation == .sign || operation == .decrypt ? "private or secret" : "public or secret"
        let handle = try await KeyLookup.one(client, key, classes: classes, role: role)
        if let mechanism {
            _ = try OperationMechanism.value(mechanism)
            return (handle, mechanism)
        }
        let kind = try await KeyLookup.kind(client, handle)
        return (handle, try OperationMechanism.defaultName(keyType: kind.keyType, operation: operation))
    }

    /// Writes output to `path`, or to stdout (raw bytes) when there is none and --json is off.
    static func deliver(_ data: Data, to path: String?, field: String, options: CommonOptions) throws {
        if let path { try SecretFile.writePublic(data, to: path) }
        if options.json {
            var json: [String: Any] = ["length": data.count]
            if let path { json["out"] = path } else { json[field] = data.base64EncodedString() }
            try Output.emit(options, json: json, human: "")
        } else if path == nil {
            FileHandle.standardOutput.write(data)
        }
    }
}

extension CryptoCommand {
    /// `coffer crypto sign`.
    struct Sign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a file with a private or secret key.",
            discussion: """
                Writes the signature to --out, else to stdout (base64 in "signature" with --json). \
                ECDSA signatures are raw r || s by default (as PKCS#11 gives them); --format der writes \
                the DER SEQUENCE of r and s that OpenSSL and X.509 use.
                """)

        @OptionGroup var options: CommonOptions
        @Option(help: "The key: a handle or a label.") var key: String
        @Option(help: "Mechanism name (default by key type; `coffer crypto --help` lists them).") var mechanism: String?
        @Option(name: .customLong("in"), help: "The file to sign.") var input: String
        @Option(help: "Where to write the signature.") var out: String?
        @Option(help: "Signature layout for ECDSA: raw (r || s) or der.") var format: SignatureFormat = .raw

        func run() async throws {
            let size = try StreamedOperation.size(of: input)
            let signature = try await Connection.with(options) { client in
                let (handle, name) = try await CryptoCommand.resolve(
                    client, key: key, mechanism: mechanism, operation: .sign)
                let chosen = try OperationMechanism.mechanism(name)
                let raw =
                    size > StreamedOperation.threshold
                    ? try await StreamedOperation.run(client, .sign, mechanism: chosen, key: handle, input: input, output: nil)
                    : try await client.sign(mechanism: chosen, key: handle, data: try SecretFile.read(input))
                return try await format.encode(raw, client: client, key: handle)
            }
            try CryptoCommand.deliver(signature, to: out, field: "signature", options: options)
        }
    }

    /// `coffer crypto verify`.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a file's signature with a public or secret key.",
            discussion:
                "Exits 0 and prints \"valid\" when the signature is valid; else prints CKR_SIGNATURE_INVALID and exits 1."
        )

        @OptionGroup var options: CommonOptions
        @Option(help: "The key: a handle or a label.") var key: String
        @Option(help: "Mechanism name (default by key type; `coffer crypto --help` lists them).") var mechanism: String?
        @Option(name: .customLong("in"), help: "The signed file.") var input: String
        @Option(help: "The signature file.") var signature: String
        @Option(help: "Signature layout for ECDSA: raw (r || s) or der.") var format: SignatureFormat = .raw

        func run() async throws {
            let size = try StreamedOperation.size(of: input)
            let signatureBytes = try SecretFile.read(signature)
            try await Connection.with(options) { client in
                let (handle, name) = try await CryptoCommand.resolve(
                    client, key: key, mechanism: mechanism, operation: .verify)
                let chosen = try OperationMechanism.mechanism(name)
                let raw = try await format.decode(signatureBytes, client: client, key: handle)
                if size > StreamedOperation.threshold {
                    _ = try await StreamedOperation.run(
                        client, .verify, mechanism: chosen, key: handle, input: input, signature: raw, output: nil)
                } else {
                    try await client.verify(mechanism: chosen, key: handle, data: try SecretFile.read(input), signature: raw)
                }
            }
            try Output.emit(options, json: ["valid": true], human: "valid")
        }
    }

    /// `coffer crypto encrypt`.
    struct Encrypt: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Encrypt a file with a secret or public key.",
            discussion: """
                Output file format: for aes-gcm, a random 12-byte IV, then the ciphertext, then the 16-byte \
                tag; a file over 4 MiB is sealed in 1 MiB segments instead, each with its own IV and tag \
                (a "coffer-gcm-seg1" header, then IV, ciphertext and tag per segment; each segment's index \
                and a last-segment flag are authenticated), so that neither the node nor the CLI holds the \
                file. For aes-cbc, aes-cbc-pad and aes-ctr, a random 16-byte IV (counter block) then the \
                ciphertext; for RSA mechanisms, the ciphertext alone. `coffer crypto decrypt` reads the same \
                layout. Written to --out, else stdout (base64 in "data" with --json).
                """)

        @OptionGroup var options: CommonOptions
        @Option(help: "The key: a handle or a label.") var key: String
        @Option(help: "Mechanism name (default by key type; `coffer crypto --help` lists them).") var mechanism: String?
        @Option(name: .customLong("in"), help: "The file to encrypt.") var input: String
        @Option(help: "Where to write the result.") var out: String?

        func run() async throws {
            let size = try StreamedOperation.size(of: input)
            if size > StreamedOperation.threshold {
                return try await streamed()
            }
            let data = try SecretFile.read(input)
            let output = try await Connection.with(options) { client in
                let (handle, name) = try await CryptoCommand.resolve(
                    client, key: key, mechanism: mechanism, operation: .encrypt)
                let iv = OperationMechanism.randomIV(OperationMechanism.ivLength(name))
                let ciphertext = try await client.encrypt(
                    mechanism: try OperationMechanism.mechanism(name, iv: iv), key: handle, data: data)
                return iv + ciphertext
            }
            try CryptoCommand.deliver(output, to: out, field: "data", options: options)
        }

        /// A file over 4 MiB: a multi-part encryption (segments for aes-gcm), written to --out as it comes.
        private func streamed() async throws {
            guard let out else { throw CLIError("--out is needed for files over 4 MiB") }
            let sink = try StreamedOutput(path: out)
            try await Connection.with(options) { client in
                let (handle, name) = try await CryptoCommand.resolve(
                    client, key: key, mechanism: mechanism, operation: .encrypt)
                if name == "aes-gcm" {
                    return try await SegmentedGCM.encrypt(client, key: handle, input: input, output: sink)
                }
                let iv = OperationMechanism.randomIV(OperationMechanism.ivLength(name))
                try sink.write(iv)
                let last = try await StreamedOperation.run(
                    client, .encrypt, mechanism: try OperationMechanism.mechanism(name, iv: iv), key: handle, input: input,
                    output: sink)
                try sink.write(last)
            }
            try sink.commit()
            try Output.emit(options, json: ["length": sink.written, "out": out], human: "")
        }
    }

    /// `coffer crypto decrypt`.
    struct Decrypt: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decrypt a file made by `coffer crypto encrypt` (see its --help for the layout).",
            discussion: "Writes the plaintext to --out, else stdout (base64 in \"data\" with --json).")

        @OptionGroup var options: CommonOptions
        @Option(help: "The key: a handle or a label.") var key: String
        @Option(help: "Mechanism name (default by key type; `coffer crypto --help` lists them).") var mechanism: String?
        @Option(name: .customLong("in"), help: "The file to decrypt.") var input: String
        @Option(help: "Where to write the plaintext.") var out: String?

        func run() async throws {
            let size = try StreamedOperation.size(of: input)
            if size > StreamedOperation.threshold {
                return try await streamed()
            }
            let data = try SecretFile.read(input)
            let plaintext = try await Connection.with(options) { client in
                let (handle, name) = try await CryptoCommand.resolve(
                    client, key: key, mechanism: mechanism, operation: .decrypt)
                let ivLength = OperationMechanism.ivLength(name)
                guard data.count >= ivLength else { throw CLIError("\(input) is too short to hold an IV") }
                let iv = data.prefix(ivLength)
                return try await client.decrypt(
                    mechanism: try OperationMechanism.mechanism(name, iv: Data(iv)), key: handle,
                    data: Data(data.dropFirst(ivLength)))
            }
            try CryptoCommand.deliver(plaintext, to: out, field: "data", options: options)
        }

        /// A file over 4 MiB: a multi-part decryption (segment by segment for a segmented aes-gcm file),
        /// written to --out as it comes and put in place only once the whole file decrypted.
        private func streamed() async throws {
            guard let out else { throw CLIError("--out is needed for files over 4 MiB") }
            let sink = try StreamedOutput(path: out)
            try await Connection.with(options) { client in
                let (handle, name) = try await CryptoCommand.resolve(
                    client, key: key, mechanism: mechanism, operation: .decrypt)
                if name == "aes-gcm", SegmentedGCM.isSegmented(input) {
                    return try await SegmentedGCM.decrypt(client, key: handle, input: input, output: sink)
                }
                // A one-piece GCM file over 4 MiB (as earlier versions wrote them) is buffered on the node.
                let ivLength = OperationMechanism.ivLength(name)
                let iv = try StreamedOperation.prefix(ivLength, of: input)
                let last = try await StreamedOperation.run(
                    client, .decrypt, mechanism: try OperationMechanism.mechanism(name, iv: iv), key: handle, input: input,
                    offset: ivLength, output: sink)
                try sink.write(last)
            }
            try sink.commit()
            try Output.emit(options, json: ["length": sink.written, "out": out], human: "")
        }
    }
}
