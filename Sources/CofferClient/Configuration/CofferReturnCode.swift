// The few PKCS#11 return codes the client itself produces (the node sends all others). The values
// are the specification's; CofferCrypto.ReturnCode holds the full list on the server side.

/// `CKR_*` values the client assigns to failures that never reached a node.
public enum CofferReturnCode {
    public static let ok: UInt = 0x0000
    public static let generalError: UInt = 0x0005
    public static let functionFailed: UInt = 0x0006
    public static let argumentsBad: UInt = 0x0007
    public static let dataLenRange: UInt = 0x0021
    public static let deviceError: UInt = 0x0030
    public static let deviceRemoved: UInt = 0x0032
    public static let functionNotSupported: UInt = 0x0054
    public static let userNotLoggedIn: UInt = 0x0101
}
