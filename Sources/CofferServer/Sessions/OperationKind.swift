// The kinds of multi-part operation a session can run, one of each at a time (PKCS#11 v3.0 §5.2).

/// A multi-part operation kind.
public enum OperationKind: Sendable, Hashable, CaseIterable {
    case encrypt, decrypt, sign, verify, digest
}
