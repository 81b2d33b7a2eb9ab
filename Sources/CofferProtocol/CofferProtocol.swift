// The wire protocol's Swift types. The messages and service stubs in Generated/ are made by
// scripts/generate-protos from Protos/coffer/v1/*.proto; this file holds what is written by hand.

/// Names shared by server and client.
public enum CofferWire {
    /// Trailing metadata key that carries the PKCS#11 return code (decimal) of a failed call.
    public static let returnCodeMetadataKey = "coffer-ckr"
    /// Trailing metadata key of a CKR_USER_NOT_LOGGED_IN failure whose node does not hold the
    /// request's login ("unknown"), as PipelineReply.login_unknown; absent when the login is there but
    /// does not suffice.
    public static let loginMetadataKey = "coffer-login"
}
