// Issue 4's OpenSSL interop check: OpenSSL 3 with libp11's `pkcs11` engine signs CSRs and
// certificates with RSA and EC keys generated in Coffer, and `openssl` itself verifies the results.
import Foundation
import Testing

@Suite(.serialized) struct OpenSSLEngineTests {
    @Test(arguments: [("rsa-signer", "10", "rsa:2048"), ("ec-signer", "11", "EC:prime256v1")])
    func csrAndSelfSignedCertificate(label: String, id: String, keyType: String) throws {
        let fixture = try PKCS11Fixture()
        let engine = try OpenSSLEngine(fixture: fixture)
        try fixture.pkcs11ToolOK(
            ["--login", "--pin", fixture.pin, "--keypairgen", "--key-type", keyType, "--label", label, "--id", id])

        // A certificate request signed on the node; `openssl req -verify` checks its self-signature.
        let request = try engine.openssl([
            "req", "-new", "-engine", "pkcs11", "-keyform", "engine", "-key", OpenSSLEngine.privateKey(label),
            "-subj", "/CN=\(label)/O=Coffer", "-sha256", "-out", "\(label).csr",
        ])
        #expect(request.status == 0, "\(request.stderr)")
        // libp11 searches for the key before it logs in; that search must succeed (and find nothing).
        #expect(!request.stderr.contains("Unable to enumerate"), "\(request.stderr)")
        let checked = try engine.openssl(["req", "-in", "\(label).csr", "-verify", "-noout", "-text"])
        #expect(checked.status == 0 && checked.stderr.contains("verify OK"), "\(checked.stdout)\(checked.stderr)")
        #expect(
            checked.stdout.contains(keyType.hasPrefix("rsa") ? "rsaEncryption" : "id-ecPublicKey"), "\(checked.stdout)")

        // A self-signed certificate signed on the node; `openssl verify` accepts it as its own root.
        let made = try engine.selfSignedCertificate(label)
        #expect(made.status == 0, "\(made.stderr)")
        let verified = try engine.openssl(["verify", "-CAfile", "\(label).pem", "\(label).pem"])
        #expect(
            verified.status == 0 && verified.stdout.contains("\(label).pem: OK"), "\(verified.stdout)\(verified.stderr)"
        )

        // The certificate's key is the Coffer key: its public key equals the one read out by pkcs11-tool.
        try fixture.pkcs11ToolOK([
            "--login", "--pin", fixture.pin, "--read-object", "--type", "pubkey", "--id", id, "-o", "\(label).pub.der",
        ])
        let fromToken = try engine.openssl(["pkey", "-pubin", "-inform", "DER", "-in", "\(label).pub.der"])
        let fromCertificate = try engine.openssl(["x509", "-in", "\(label).pem", "-noout", "-pubkey"])
        #expect(fromToken.status == 0 && !fromToken.stdout.isEmpty && fromToken.stdout == fromCertificate.stdout)
    }

    @Test func coffersRSAKeyCertifiesItsECKey() throws {
        let fixture = try PKCS11Fixture()
        let engine = try OpenSSLEngine(fixture: fixture)
        let login = ["--login", "--pin", fixture.pin]
        try fixture.pkcs11ToolOK(login + ["--keypairgen", "--key-type", "rsa:3072", "--label", "root", "--id", "20"])
        try fixture.pkcs11ToolOK(
            login + ["--keypairgen", "--key-type", "EC:secp384r1", "--label", "leaf", "--id", "21"])
        #expect(try engine.selfSignedCertificate("root").status == 0)

        // The EC key's request, signed by the RSA root: both signatures are made in Coffer.
        let request = try engine.openssl([
            "req", "-new", "-engine", "pkcs11", "-keyform", "engine", "-key", OpenSSLEngine.privateKey("leaf"),
            "-subj", "/CN=leaf", "-sha384", "-out", "leaf.csr",
        ])
        #expect(request.status == 0, "\(request.stderr)")
        let issued = try engine.openssl([
            "x509", "-req", "-in", "leaf.csr", "-engine", "pkcs11", "-CA", "root.pem", "-CAkeyform", "engine",
            "-CAkey", OpenSSLEngine.privateKey("root"), "-CAcreateserial", "-days", "30", "-sha256", "-out",
            "leaf-issued.pem",
        ])
        #expect(issued.status == 0, "\(issued.stderr)")
        let verified = try engine.openssl(["verify", "-CAfile", "root.pem", "leaf-issued.pem"])
        #expect(
            verified.status == 0 && verified.stdout.contains("leaf-issued.pem: OK"),
            "\(verified.stdout)\(verified.stderr)")

        // A root that did not sign the leaf is refused, so the check above can fail.
        #expect(try engine.selfSignedCertificate("leaf").status == 0)
        let refused = try engine.openssl(["verify", "-CAfile", "leaf.pem", "leaf-issued.pem"])
        #expect(refused.status != 0, "\(refused.stdout)")
    }

    /// An account with every key type Coffer makes: libp11 (Debian's 0.4.12) stops listing private
    /// keys at the first type it does not know and then finds none, so the library's profile can
    /// name the key types its searches show (`search_key_types`); with RSA and EC only, the engine
    /// signs with the EC key although the account also holds Ed25519, ML-DSA and ML-KEM keys.
    @Test func anAccountWithEveryKeyTypeWorksWithTheSearchKeyTypesSetting() throws {
        let fixture = try PKCS11Fixture()
        let alice = fixture.node.cli(config: "alice")
        try alice.ok(["login", "--user", "alice", "--password-file", fixture.node.folder + "/alice-password"])
        // The unknown types first, so that a listing in handle order meets one before the EC key.
        for (label, type) in [
            ("every-ed", "ed25519"), ("every-mldsa", "ml-dsa-65"), ("every-mlkem", "ml-kem-768"), ("every-rsa", "rsa-2048"),
            ("every-ec", "ec-p256"),
        ] {
            try alice.ok(["key", "generate-asymmetric", "--label", label, "--type", type])
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture.configuration))
        var profile = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        profile["search_key_types"] = ["rsa", "ec"]
        try JSONSerialization.data(withJSONObject: profile).write(to: URL(fileURLWithPath: fixture.configuration))

        let engine = try OpenSSLEngine(fixture: fixture)
        for label in ["every-ec", "every-rsa"] {
            let request = try engine.openssl([
                "req", "-new", "-engine", "pkcs11", "-keyform", "engine", "-key", OpenSSLEngine.privateKey(label),
                "-subj", "/CN=\(label)", "-sha256", "-out", "\(label).csr",
            ])
            #expect(request.status == 0, "\(label): \(request.stderr)")
            #expect(!request.stderr.contains("Unable to enumerate"), "\(request.stderr)")
            let checked = try engine.openssl(["req", "-in", "\(label).csr", "-verify", "-noout"])
            #expect(checked.status == 0 && checked.stderr.contains("verify OK"), "\(checked.stderr)")
        }
        // The other keys are only out of this application's searches: pkcs11-tool under the same
        // profile lists two key pairs, and a profile of an unknown type name is refused.
        let listed = try fixture.pkcs11ToolOK(["--login", "--pin", fixture.pin, "--list-objects", "--type", "privkey"])
        #expect(listed.stdout.contains("every-ec") && listed.stdout.contains("every-rsa"), "\(listed.stdout)")
        #expect(!listed.stdout.contains("every-ed") && !listed.stdout.contains("every-mldsa"), "\(listed.stdout)")
        profile["search_key_types"] = ["rsa", "dsa"]
        try JSONSerialization.data(withJSONObject: profile).write(to: URL(fileURLWithPath: fixture.configuration))
        let refused = try fixture.pkcs11Tool(["-L"])
        #expect(refused.status != 0 || refused.stderr.contains("search_key_types"), "\(refused.stdout)\(refused.stderr)")
    }
}
