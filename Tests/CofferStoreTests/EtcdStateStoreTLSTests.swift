// The etcd store over TLS with a client certificate, against a member of its own that serves
// clients only over TLS and asks for their certificates; the certificates are made by openssl.

import CofferState
import CofferStoreEtcd
import Foundation
import Testing

@Suite struct EtcdStateStoreTLSTests {
    @Test(.timeLimit(.minutes(1))) func connectsWithItsClientCertificate() async throws {
        try await withTemporaryFolder { folder in
            try makeCertificates(in: folder)
            func read(_ name: String) throws -> String {
                try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            }
            let withCertificate = EtcdConfiguration.TLS(
                trustRootsPEM: try read("ca.pem"), clientCertificatePEM: try read("client.pem"),
                clientKeyPEM: try read("client.key"))
            let server = EtcdTestServer(
                tls: .init(
                    certificate: folder.appendingPathComponent("server.pem").path,
                    key: folder.appendingPathComponent("server.key").path,
                    clientCA: folder.appendingPathComponent("ca.pem").path, probe: withCertificate))
            do {
                let endpoint = try await server.endpoint()
                func store(_ tls: EtcdConfiguration.TLS?) throws -> EtcdStateStore {
                    try EtcdStateStore(
                        configuration: EtcdConfiguration(
                            endpoints: [endpoint], prefix: bytes("tls/"), tls: tls, callTimeout: .seconds(5)))
                }
                let trusted = try store(withCertificate)
                let revision = try await trusted.put(bytes("k"), bytes("v"))
                #expect(try await trusted.get(bytes("k"), at: nil)?.modRevision == revision)
                await trusted.close()

                // Without a client certificate, and in plaintext, etcd does not serve.
                let anonymous = try store(.init(trustRootsPEM: try read("ca.pem")))
                await #expect(throws: StoreError.self) { try await anonymous.get(bytes("k"), at: nil) }
                await anonymous.close()
                let plaintext = try store(nil)
                await #expect(throws: StoreError.self) { try await plaintext.get(bytes("k"), at: nil) }
                await plaintext.close()
            } catch {
                await server.stop()
                throw error
            }
            await server.stop()
        }
    }

    /// A CA, a server certificate for 127.0.0.1 and a client certificate, P-256, valid for a day.
    private func makeCertificates(in folder: URL) throws {
        let script = """
            set -e
            cd '\(folder.path)'
            openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
                -days 1 -subj /CN=coffer-test-ca 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' > server.ext
            printf 'extendedKeyUsage=clientAuth\\n' > client.ext
            for name in server client; do
                openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $name.key -out $name.csr \
                    -subj /CN=$name 2>/dev/null
                openssl x509 -req -in $name.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $name.pem -days 1 \
                    -extfile $name.ext 2>/dev/null
            done
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw EtcdTestServerError(description: "openssl could not make the test certificates")
        }
    }
}
