// What the client needs to know about the generated messages: requests that carry a RequestHeader
// (so the client can fill in login token, session and min_revision) and replies that carry the
// store revision. The conformances only name properties the generated code already has.

import CofferProtocol
import SwiftProtobuf

/// A request message with a `RequestHeader`.
protocol HeaderedRequest: SwiftProtobuf.Message {
    var header: Coffer_V1_RequestHeader { get set }
}

/// A reply message with a `ResponseHeader`.
protocol RevisionedResponse: SwiftProtobuf.Message {
    var header: Coffer_V1_ResponseHeader { get }
}

extension Coffer_V1_LogoutRequest: HeaderedRequest {}
extension Coffer_V1_CreateUserRequest: HeaderedRequest {}
extension Coffer_V1_DeleteUserRequest: HeaderedRequest {}
extension Coffer_V1_ListUsersRequest: HeaderedRequest {}
extension Coffer_V1_SetAuditReaderRequest: HeaderedRequest {}
extension Coffer_V1_ListAuditReadersRequest: HeaderedRequest {}
extension Coffer_V1_ChangePasswordRequest: HeaderedRequest {}
extension Coffer_V1_UnlockUserRequest: HeaderedRequest {}
extension Coffer_V1_ListNodesRequest: HeaderedRequest {}
extension Coffer_V1_RemoveNodeRequest: HeaderedRequest {}
extension Coffer_V1_SetBinaryAllowedRequest: HeaderedRequest {}
extension Coffer_V1_AddNodeRequest: HeaderedRequest {}
extension Coffer_V1_IssueClientCertificateRequest: HeaderedRequest {}
extension Coffer_V1_OpenSessionRequest: HeaderedRequest {}
extension Coffer_V1_CloseSessionRequest: HeaderedRequest {}
extension Coffer_V1_ListMechanismsRequest: HeaderedRequest {}
extension Coffer_V1_GetMechanismInfoRequest: HeaderedRequest {}
extension Coffer_V1_CreateObjectRequest: HeaderedRequest {}
extension Coffer_V1_CopyObjectRequest: HeaderedRequest {}
extension Coffer_V1_DestroyObjectRequest: HeaderedRequest {}
extension Coffer_V1_FindObjectsRequest: HeaderedRequest {}
extension Coffer_V1_GetAttributesRequest: HeaderedRequest {}
extension Coffer_V1_SetAttributesRequest: HeaderedRequest {}
extension Coffer_V1_ShareObjectRequest: HeaderedRequest {}
extension Coffer_V1_GenerateKeyRequest: HeaderedRequest {}
extension Coffer_V1_GenerateKeyPairRequest: HeaderedRequest {}
extension Coffer_V1_GenerateKeysRequest: HeaderedRequest {}
extension Coffer_V1_WrapKeyRequest: HeaderedRequest {}
extension Coffer_V1_UnwrapKeyRequest: HeaderedRequest {}
extension Coffer_V1_DeriveKeyRequest: HeaderedRequest {}
extension Coffer_V1_EncapsulateKeyRequest: HeaderedRequest {}
extension Coffer_V1_DecapsulateKeyRequest: HeaderedRequest {}
extension Coffer_V1_AttestKeyRequest: HeaderedRequest {}
extension Coffer_V1_ReadAuditRequest: HeaderedRequest {}
extension Coffer_V1_ArchiveAuditRequest: HeaderedRequest {}
extension Coffer_V1_RegisterApprovalKeyRequest: HeaderedRequest {}
extension Coffer_V1_SetQuorumRequest: HeaderedRequest {}
extension Coffer_V1_GetQuorumRequest: HeaderedRequest {}
extension Coffer_V1_RequestQuorumRequest: HeaderedRequest {}
extension Coffer_V1_GetQuorumTokenRequest: HeaderedRequest {}
extension Coffer_V1_ApproveQuorumRequest: HeaderedRequest {}
extension Coffer_V1_SignRequest: HeaderedRequest {}
extension Coffer_V1_VerifyRequest: HeaderedRequest {}
extension Coffer_V1_CipherRequest: HeaderedRequest {}
extension Coffer_V1_DigestRequest: HeaderedRequest {}
extension Coffer_V1_GenerateRandomRequest: HeaderedRequest {}
extension Coffer_V1_OperationInitRequest: HeaderedRequest {}
extension Coffer_V1_OperationUpdateRequest: HeaderedRequest {}
extension Coffer_V1_OperationFinalRequest: HeaderedRequest {}
extension Coffer_V1_OperationAuthenticateRequest: HeaderedRequest {}

extension Coffer_V1_GetStatusResponse: RevisionedResponse {}
extension Coffer_V1_GetAttestationResponse: RevisionedResponse {}
extension Coffer_V1_UnsealResponse: RevisionedResponse {}
extension Coffer_V1_LoginResponse: RevisionedResponse {}
extension Coffer_V1_LogoutResponse: RevisionedResponse {}
extension Coffer_V1_CreateUserResponse: RevisionedResponse {}
extension Coffer_V1_DeleteUserResponse: RevisionedResponse {}
extension Coffer_V1_ListUsersResponse: RevisionedResponse {}
extension Coffer_V1_ChangePasswordResponse: RevisionedResponse {}
extension Coffer_V1_UnlockUserResponse: RevisionedResponse {}
extension Coffer_V1_InitializeResponse: RevisionedResponse {}
extension Coffer_V1_OpenSessionResponse: RevisionedResponse {}
extension Coffer_V1_CloseSessionResponse: RevisionedResponse {}
extension Coffer_V1_ListMechanismsResponse: RevisionedResponse {}
extension Coffer_V1_GetMechanismInfoResponse: RevisionedResponse {}
extension Coffer_V1_CreateObjectResponse: RevisionedResponse {}
extension Coffer_V1_CopyObjectResponse: RevisionedResponse {}
extension Coffer_V1_DestroyObjectResponse: RevisionedResponse {}
extension Coffer_V1_FindObjectsResponse: RevisionedResponse {}
extension Coffer_V1_GetAttributesResponse: RevisionedResponse {}
extension Coffer_V1_SetAttributesResponse: RevisionedResponse {}
extension Coffer_V1_ShareObjectResponse: RevisionedResponse {}
extension Coffer_V1_GenerateKeyResponse: RevisionedResponse {}
extension Coffer_V1_GenerateKeyPairResponse: RevisionedResponse {}
extension Coffer_V1_GenerateKeysResponse: RevisionedResponse {}
extension Coffer_V1_WrapKeyResponse: RevisionedResponse {}
extension Coffer_V1_UnwrapKeyResponse: RevisionedResponse {}
extension Coffer_V1_DeriveKeyResponse: RevisionedResponse {}
extension Coffer_V1_RestoreObjectsResponse: RevisionedResponse {}
extension Coffer_V1_VerifyBackupResponse: RevisionedResponse {}
extension Coffer_V1_ListNodesResponse: RevisionedResponse {}
extension Coffer_V1_RemoveNodeResponse: RevisionedResponse {}
extension Coffer_V1_SetBinaryAllowedResponse: RevisionedResponse {}
extension Coffer_V1_AddNodeResponse: RevisionedResponse {}
extension Coffer_V1_IssueClientCertificateResponse: RevisionedResponse {}
extension Coffer_V1_EncapsulateKeyResponse: RevisionedResponse {}
extension Coffer_V1_DecapsulateKeyResponse: RevisionedResponse {}
extension Coffer_V1_AttestKeyResponse: RevisionedResponse {}
extension Coffer_V1_ReadAuditResponse: RevisionedResponse {}
extension Coffer_V1_ArchiveAuditResponse: RevisionedResponse {}
extension Coffer_V1_AuditReadersResponse: RevisionedResponse {}
extension Coffer_V1_RegisterApprovalKeyResponse: RevisionedResponse {}
extension Coffer_V1_SetQuorumResponse: RevisionedResponse {}
extension Coffer_V1_GetQuorumResponse: RevisionedResponse {}
extension Coffer_V1_QuorumTokenResponse: RevisionedResponse {}
extension Coffer_V1_SignResponse: RevisionedResponse {}
extension Coffer_V1_VerifyResponse: RevisionedResponse {}
extension Coffer_V1_CipherResponse: RevisionedResponse {}
extension Coffer_V1_DigestResponse: RevisionedResponse {}
extension Coffer_V1_GenerateRandomResponse: RevisionedResponse {}
extension Coffer_V1_OperationInitResponse: RevisionedResponse {}
extension Coffer_V1_OperationUpdateResponse: RevisionedResponse {}
extension Coffer_V1_OperationFinalResponse: RevisionedResponse {}
extension Coffer_V1_OperationAuthenticateResponse: RevisionedResponse {}
