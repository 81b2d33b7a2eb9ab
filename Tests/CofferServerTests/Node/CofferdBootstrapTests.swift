// The bootstrap flow on a real cofferd: pin the bootstrap certificate, Initialize, then mTLS with
// the returned client certificate, and unseal with the returned shares.

import CofferProtocol
import CofferServer
import Foundation
import GRPCCore
import Testing
import X509

@Suite("cofferd bootstrap init")
struct CofferdBootstrapTests {

    @Test func initializeThenUnsealOverMutualTLS() async throws {
        let data = try CofferdProcess.temporaryDirectory()
        let node = try CofferdProcess(["--data-dir", data, "--cluster-name", "test-cluster"])
        let bootstrapLine = try await node.line(containing: "bootstrap endpoint: ")
        let bootstrapEndpoint = try PrintedEndpoint(line: bootstrapLine)

        // The printed fingerprint is the bootstrap certificate's.
        let bootstrapPEM = try String(contentsOfFile: data + "/bootstrap/ca.pem", encoding: .utf8)
        let fingerprint = try Certificate(pemEncoded: bootstrapPEM).sha256Fingerprint
        #expect(node.printed.contains("SHA-256 fingerprint:    \(fingerprint)"))

        let pinned = ClientIdentity(caPEM: bootstrapPEM)
        let (before, reply) = try await withNode(bootstrapEndpoint, as: pinned) { client in
            let status = try await Coffer_V1_NodeService.Client(wrapping: client).getStatus(
                Coffer_V1_GetStatusRequest())
            var request = Coffer_V1_InitializeRequest()
            request.threshold = 2
            request.shares = 3
            request.adminName = "root"
            request.adminPassword = Data("correct horse battery".utf8)
            // Another name than the node's configured one: the cluster's name is the one given here.
            request.clusterName = "lab"
            let reply = try await Coffer_V1_BootstrapService.Client(wrapping: client).initialize(request)
            return (status, reply)
        }
        #expect(before.sealState == .uninitialized)
        #expect(reply.shares.count == 3)
        #expect(reply.shares.allSatisfy { $0.hasPrefix("coffer-share:") })
        let ca = try Certificate(pemEncoded: reply.caCertificatePem)
        #expect(ca.subject.description.contains("lab"))
        #expect(try String(contentsOfFile: data + "/tls/ca.pem", encoding: .utf8) == reply.caCertificatePem)
        let clientCertificate = try Certificate(pemEncoded: reply.clientCertificatePem)
        #expect(clientCertificate.subject.description.contains("root"))
        // The shares are the custodians' only copy: never printed or logged.
        #expect(reply.shares.allSatisfy { !node.printed.contains($0) })

        // The node now serves mutual TLS on the same address.
        let endpoint = try await node.endpoint()
        #expect(endpoint.port == bootstrapEndpoint.port)
        let admin = ClientIdentity(
            caPEM: reply.caCertificatePem, certificatePEM: reply.clientCertificatePem, keyPEM: reply.clientPrivateKeyPem
        )
        try await withNode(endpoint, as: admin) { client in
            let nodeService = Coffer_V1_NodeService.Client(wrapping: client)
            let sealed = try await nodeService.getStatus(Coffer_V1_GetStatusRequest())
            #expect(sealed.sealState == .sealed)
            #expect(sealed.threshold == 2)
            var unseal = Coffer_V1_UnsealRequest()
            unseal.share = reply.shares[0]
            #expect(try await nodeService.unseal(unseal).sealState == .sealed)
            unseal.share = reply.shares[2]
            #expect(try await nodeService.unseal(unseal).sealState == .unsealed)
            let unsealed = try await nodeService.getStatus(Coffer_V1_GetStatusRequest())
            #expect(unsealed.sealState == .unsealed)
            #expect(unsealed.clusterName == "lab")

            // A second Initialize is refused: the mTLS listener does not offer it.
            var again = Coffer_V1_InitializeRequest()
            again.threshold = 1
            again.shares = 1
            again.adminName = "mallory"
            again.adminPassword = Data("another password".utf8)
            let refused = await rpcError {
                _ = try await Coffer_V1_BootstrapService.Client(wrapping: client).initialize(again)
            }
            #expect(refused != nil)
        }
        // The bootstrap certificate no longer opens anything.
        let stale = await rpcError {
            _ = try await withNode(endpoint, as: pinned) { client in
                try await Coffer_V1_NodeService.Client(wrapping: client).getStatus(Coffer_V1_GetStatusRequest())
            }
        }
        #expect(stale?.code == .unavailable)
        #expect(node.terminate() == 0)

        // After a restart the node is sealed and serves mTLS straight away.
        let restarted = try CofferdProcess(["--data-dir", data])
        let again = try await restarted.endpoint()
        #expect(restarted.printed.contains("(sealed)"))
        #expect(!restarted.printed.contains("bootstrap endpoint"))
        let status = try await withNode(again, as: admin) { client in
            try await Coffer_V1_NodeService.Client(wrapping: client).getStatus(Coffer_V1_GetStatusRequest())
        }
        #expect(status.sealState == .sealed)
        #expect(restarted.terminate() == 0)
    }
}
