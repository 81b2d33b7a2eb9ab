// The wire protocol's Swift types. The messages and service stubs in Generated/ are made by
// scripts/generate-protos from Protos/coffer/v1/*.proto; this file holds what is written by hand.

/// Names shared by server and client.
public enum CofferWire {
    /// Trailing metadata key that carries the PKCS#11 return code (decimal) of a failed call.
    public static let returnCodeMetadataKey = "coffer-ckr"
}
