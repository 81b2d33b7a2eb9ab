// ClusterService calls: the members, removal, and the binaries allowed to get the domain key.

import CofferProtocol
import Foundation

extension CofferClient {
    /// The cluster's members (removed ones too) and the allowed binary digests (admins and auditors).
    public func listNodes() async throws(CofferClientError) -> Coffer_V1_ListNodesResponse {
        try await call(Coffer_V1_ClusterService.Method.ListNodes.descriptor, Coffer_V1_ListNodesRequest())
    }

    /// Removes member `nodeID` for good (admins). Repeating it changes nothing more.
    public func removeNode(_ nodeID: String) async throws(CofferClientError) -> Coffer_V1_ClusterMember {
        var request = Coffer_V1_RemoveNodeRequest()
        request.nodeID = nodeID
        let response: Coffer_V1_RemoveNodeResponse = try await call(
            Coffer_V1_ClusterService.Method.RemoveNode.descriptor, request)
        return response.node
    }

    /// Puts a cofferd SHA-256 on the allowed list, or takes it off (admins). Returns the list.
    public func setBinaryAllowed(_ sha256: String, allowed: Bool) async throws(CofferClientError) -> [String] {
        var request = Coffer_V1_SetBinaryAllowedRequest()
        request.sha256 = sha256
        request.allowed = allowed
        let response: Coffer_V1_SetBinaryAllowedResponse = try await call(
            Coffer_V1_ClusterService.Method.SetBinaryAllowed.descriptor, request)
        return response.allowedBinaries
    }
}

extension CofferClient {
    /// A join credential for a node to be named `name` (admins); `validSeconds` 0 for the default.
    public func addNode(name: String, replaceable: Bool, validSeconds: UInt64) async throws(CofferClientError)
        -> Coffer_V1_AddNodeResponse
    {
        var request = Coffer_V1_AddNodeRequest()
        request.name = name
        request.replaceable = replaceable
        request.validSeconds = validSeconds
        return try await call(Coffer_V1_ClusterService.Method.AddNode.descriptor, request)
    }
}

extension CofferClient {
    /// A client certificate and key from the cluster CA (admins): `profile` is "admin-workstation"
    /// or "application".
    public func issueClientCertificate(commonName: String, profile: String) async throws(CofferClientError)
        -> Coffer_V1_IssueClientCertificateResponse
    {
        var request = Coffer_V1_IssueClientCertificateRequest()
        request.commonName = commonName
        request.profile = profile
        return try await call(Coffer_V1_ClusterService.Method.IssueClientCertificate.descriptor, request)
    }
}
