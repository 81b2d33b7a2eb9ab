// pkcs11-tool's own checks of a module (--test, --test-threads, --test-fork) and the key-management
// paths it can drive (AES key wrap and unwrap, ECDH derivation, RSA-OAEP decryption), each result
// checked against OpenSSL or read back through the library, against a real cofferd.
import CofferTestSupport
import Foundation
import Testing

@Suite(.serialized) struct PKCS11ToolSelfTests {
    /// Lines pkcs11-tool prints when one of its checks fails.
    static func failures(in output: String) -> [Substring] {
        output.split(separator: "\n").filter {
            $0.contains("ERR") || $0.contains("error:") || $0.contains("failed") || $0.contains("Unknown test")
        }
    }

    @Test func selfTestThreadsAndFork() throws {
        let fixture = try PKCS11Fixture()
        let login = ["--login", "--pin", fixture.pin]
        // --test signs, verifies and decrypts with every private key it finds: give it RSA and EC keys.
        try fixture.pkcs11ToolOK(login + ["--keypairgen", "--key-type", "rsa:2048", "--label", "r1", "--id", "01"])
        try fixture.pkcs11ToolOK(login + ["--keypairgen", "--key-type", "EC:prime256v1", "--label", "e1", "--id", "02"])

        let test = try fixture.pkcs11ToolOK(login + ["--test"])
        let output = test.stdout + test.stderr
        #expect(output.contains("No errors"), "\(output)")
        #expect(Self.failures(in: output).isEmpty, "\(output)")
        // The RSA checks ran rather than being skipped (they need CKF_HW and Init-time key checks).
        #expect(output.contains("all 4 digest functions seem to work"), "\(output)")
        #expect(output.contains("all 4 signature functions seem to work"), "\(output)")
        #expect(output.contains("RSA-PKCS: OK"), "\(output)")
        #expect(output.contains("SHA256-RSA-PKCS: OK"), "\(output)")
        #expect(output.split(separator: "\n").filter { $0 == "OK" }.count >= 2, "OAEP decryptions:\n\(output)")

        // Threads that each C_Initialize (plain and CKF_OS_LOCKING_OK) and query, racing the main
        // thread's C_Initialize and its --test.
        let threads = ["IN:SL:T0:GI", "IL:GI:SL:T0:T0", "IN:P1:GI:SL:T0", "IL:SL:T0:GI:SL"]
        let threaded = try fixture.pkcs11ToolOK(login + threads.flatMap { ["--test-threads", $0] } + ["--test"])
        let threadOutput = threaded.stdout + threaded.stderr
        #expect(threadOutput.contains("test_threads all threads have ended with CKR_OK"), "\(threadOutput)")
        for index in threads.indices {
            #expect(threadOutput.contains("test_threads thread:\(index) state:-1, rv:CKR_OK"), "\(threadOutput)")
        }
        #expect(threadOutput.contains("No errors"), "\(threadOutput)")
        #expect(Self.failures(in: threadOutput).isEmpty, "\(threadOutput)")

        // The child of fork() calls C_Initialize and runs the whole --test.
        let forked = try fixture.pkcs11ToolOK(login + ["--test-fork", "--test"])
        let forkOutput = forked.stdout + forked.stderr
        #expect(forkOutput.contains("Calling C_Initialize in forked child process"), "\(forkOutput)")
        #expect(forkOutput.contains("No errors"), "\(forkOutput)")
        #expect(Self.failures(in: forkOutput).isEmpty, "\(forkOutput)")
    }

    @Test func aesKeyWrapAndUnwrap() throws {
        let fixture = try PKCS11Fixture()
        let login = ["--login", "--pin", fixture.pin]
        try fixture.pkcs11ToolOK(login + ["--keygen", "--key-type", "AES:32", "--label", "kek", "--id", "10", "--usage-wrap"])
        let payload = try fixture.pkcs11ToolOK(
            login + ["--keygen", "--key-type", "AES:16", "--label", "payload", "--id", "11", "--extractable"])
        // Not sensitive and extractable, so pkcs11-tool prints the value.
        let value = try #require(Self.value(in: payload.stdout), "\(payload.stdout)")

        try fixture.pkcs11ToolOK(login + ["--wrap", "-m", "AES-KEY-WRAP", "--id", "10", "--application-id", "11", "-o", "wrapped.bin"])
        let wrapped = try Data(contentsOf: URL(fileURLWithPath: fixture.node.folder + "/wrapped.bin"))
        #expect(wrapped.count == 24, "RFC 3394 wraps 16 bytes into 24")
        #expect(wrapped.range(of: Self.bytes(hex: value)) == nil)

        let unwrapped = try fixture.pkcs11ToolOK(
            login + [
                "--unwrap", "-m", "AES-KEY-WRAP", "--id", "10", "-i", "wrapped.bin", "--key-type", "AES:16",
                "--application-id", "12", "--application-label", "unwrapped", "--extractable",
            ])
        #expect(Self.value(in: unwrapped.stdout) == value, "\(unwrapped.stdout)")

        // A wrap that changed one byte does not unwrap.
        var tampered = wrapped
        tampered[5] ^= 0x01
        try tampered.write(to: URL(fileURLWithPath: fixture.node.folder + "/tampered.bin"))
        let refused = try fixture.pkcs11Tool(
            login + ["--unwrap", "-m", "AES-KEY-WRAP", "--id", "10", "-i", "tampered.bin", "--key-type", "AES:16", "--application-id", "13"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("CKR_WRAPPED_KEY_INVALID") || refused.stderr.contains("CKR_ENCRYPTED_DATA_INVALID"), "\(refused.stderr)")

        // The KEK itself is not extractable: wrapping it fails on the node.
        let unextractable = try fixture.pkcs11Tool(
            login + ["--wrap", "-m", "AES-KEY-WRAP", "--id", "10", "--application-id", "10", "-o", "kek.bin"])
        #expect(unextractable.status != 0)
        #expect(unextractable.stderr.contains("CKR_KEY_UNEXTRACTABLE"), "\(unextractable.stderr)")
    }

    @Test func ecdhDerivationAndOAEPDecryption() throws {
        let fixture = try PKCS11Fixture()
        let folder = fixture.node.folder
        let login = ["--login", "--pin", fixture.pin]

        // ECDH: Coffer's P-256 key with an OpenSSL peer; both sides must agree on the secret.
        try fixture.pkcs11ToolOK(
            login + ["--keypairgen", "--key-type", "EC:prime256v1", "--label", "e1", "--id", "02", "--usage-derive"])
        try fixture.pkcs11ToolOK(login + ["--read-object", "--type", "pubkey", "--id", "02", "-o", "e1.der"])
        let generated = try Tool.run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "peer.pem"], folder: folder)
        #expect(generated.status == 0, "\(generated.stderr)")
        let exported = try Tool.run("openssl", ["pkey", "-in", "peer.pem", "-pubout", "-outform", "DER", "-out", "peer.der"], folder: folder)
        #expect(exported.status == 0, "\(exported.stderr)")
        try fixture.pkcs11ToolOK(login + ["--derive", "-m", "ECDH1-DERIVE", "--id", "02", "-i", "peer.der", "-o", "shared.coffer"])
        let derived = try Tool.run(
            "openssl", ["pkeyutl", "-derive", "-inkey", "peer.pem", "-peerkey", "e1.der", "-peerform", "DER", "-out", "shared.openssl"],
            folder: folder)
        #expect(derived.status == 0, "\(derived.stderr)")
        let ours = try Data(contentsOf: URL(fileURLWithPath: folder + "/shared.coffer"))
        let theirs = try Data(contentsOf: URL(fileURLWithPath: folder + "/shared.openssl"))
        #expect(ours.count == 32 && ours == theirs)

        // RSA-OAEP (SHA-256, MGF1-SHA-256): OpenSSL encrypts to the public key, Coffer decrypts.
        try fixture.pkcs11ToolOK(login + ["--keypairgen", "--key-type", "rsa:2048", "--label", "r1", "--id", "01"])
        try fixture.pkcs11ToolOK(login + ["--read-object", "--type", "pubkey", "--id", "01", "-o", "r1.der"])
        let message = "an OAEP message " + UUID().uuidString
        try message.write(toFile: folder + "/message.txt", atomically: true, encoding: .utf8)
        let encrypted = try Tool.run(
            "openssl",
            [
                "pkeyutl", "-encrypt", "-pubin", "-inkey", "r1.der", "-keyform", "DER", "-pkeyopt", "rsa_padding_mode:oaep",
                "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256", "-in", "message.txt", "-out", "message.oaep",
            ], folder: folder)
        #expect(encrypted.status == 0, "\(encrypted.stderr)")
        try fixture.pkcs11ToolOK(
            login + [
                "--decrypt", "-m", "RSA-PKCS-OAEP", "--hash-algorithm", "SHA256", "--mgf", "MGF1-SHA256", "--id", "01",
                "-i", "message.oaep", "-o", "message.dec",
            ])
        #expect(try String(contentsOfFile: folder + "/message.dec", encoding: .utf8) == message)
        // The wrong hash in the parameters does not decrypt.
        let mismatched = try fixture.pkcs11Tool(
            login + [
                "--decrypt", "-m", "RSA-PKCS-OAEP", "--hash-algorithm", "SHA384", "--mgf", "MGF1-SHA384", "--id", "01",
                "-i", "message.oaep", "-o", "message.bad",
            ])
        #expect(mismatched.status != 0)
    }

    /// The hex after "VALUE:" in pkcs11-tool's description of a key.
    static func value(in output: String) -> String? {
        for line in output.split(separator: "\n") where line.contains("VALUE:") {
            return line.split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    static func bytes(hex: String) -> Data {
        var data = Data()
        var index = hex.startIndex
        while let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex), index != hex.endIndex {
            data.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return data
    }
}
