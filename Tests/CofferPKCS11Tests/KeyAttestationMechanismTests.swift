// Key attestation through PKCS#11 (C/keyattest.c): the vendor mechanism CKM_COFFER_KEY_ATTESTATION
// returns the cluster's attestation certificate for a key and the caller's nonce, and the
// certificate it wrote verifies offline with `coffer attest verify` against the cluster CA the dev
// node wrote for its clients, for that nonce and not another.
import CofferTestSupport
import Foundation
import Testing

@Suite struct KeyAttestationMechanismTests {
    @Test func aVendorMechanismAttestsAKeyForTheCallersNonce() throws {
        let fixture = try PKCS11Fixture()
        let folder = fixture.node.folder
        try CProgram.runChecks("keyattest", on: fixture, [folder + "/attested.der"])
        let converted = try Tool.run(
            "openssl", ["x509", "-inform", "DER", "-in", "attested.der", "-out", "attested.pem"], folder: folder)
        #expect(converted.status == 0, "\(converted.stderr)")
        let ca = fixture.node.dataDirectory + "/client/ca.pem"
        // The nonce keyattest.c gave: 32 bytes from 0xa0 up.
        let nonce = (0..<32).map { String(format: "%02x", 0xa0 + $0) }.joined()
        let offline = CofferCLI(configDirectory: folder + "/offline-config", profile: folder + "/no-such-profile.json")
        let checked = try offline.ok(["--json", "attest", "verify", folder + "/attested.pem", "--ca", ca, "--nonce", nonce]).json
        #expect(checked?["valid"] as? Bool == true && checked?["label"] as? String == "p11-attested", "\(String(describing: checked))")
        #expect(checked?["local"] as? Bool == true && checked?["never_extractable"] as? Bool == true && checked?["owner"] as? String == "alice")
        #expect(checked?["certificate_key"] as? String == "subject" && checked?["class"] as? String == "private-key")
        let replayed = try offline.fails(
            ["attest", "verify", folder + "/attested.pem", "--ca", ca, "--nonce", String(repeating: "a0", count: 32)])
        #expect(replayed.stderr.contains("another nonce"), "\(replayed.stderr)")
    }
}
