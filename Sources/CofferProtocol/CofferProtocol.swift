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

    /// The most data one operation call carries (sign, verify, encrypt, decrypt, digest, an
    /// operation's update or final): 4 MiB and 1 KiB more, so that what encrypting 4 MiB makes (a
    /// tag, padding) decrypts in one call too. The node answers more with CKR_DATA_LEN_RANGE.
    public static let maxDataBytes = (4 << 20) + 1024

    /// The largest gRPC message either end takes: one call's data and its header and parameters with
    /// room to spare. Pipeline batches and reply batches are split well below it
    /// (`FastPathFrame.runs`), a single call being a batch of its own.
    public static let maxMessageBytes = 8 << 20

    /// The largest reply a client takes: a multi-part operation the node buffered (up to 16 MiB, a
    /// GCM encryption or decryption) answers its Final with all of its output in one message.
    public static let maxReplyBytes = 18 << 20
}
