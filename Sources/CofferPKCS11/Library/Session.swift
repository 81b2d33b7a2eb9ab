// One PKCS#11 session as the library keeps it: the node's session it stands for and the
// operations started on it (the node is only asked when an operation produces output).
import CPKCS11
import CofferProtocol

/// A session opened with C_OpenSession.
struct Session: Sendable {
    /// The operation families a session can have active, one of each at a time.
    enum OperationKind: Sendable, Hashable {
        case encrypt, decrypt, sign, verify, digest
    }

    /// An operation between its C_*Init and the call that ends it.
    struct Operation: Sendable {
        let mechanism: Coffer_V1_Mechanism
        let key: UInt64
        /// The result computed for a caller that asked for the length first (or gave too small a
        /// buffer): kept, with the input it came from, so that the retry returns the same bytes.
        var pending: (input: [UInt8], output: [UInt8])?
        /// Data given to C_*Update so far, for operations that C_*Final processes in one node call.
        var buffered: [UInt8] = []
        /// For a cipher whose updates release output (CBC, CBC-PAD, CTR): bytes the node holds
        /// and has not released yet (an incomplete block, or the last block of a padded decryption).
        var held = 0
        /// Whether the node holds this operation (started by OperationInit, ended by OperationFinal);
        /// otherwise it ends with one single-part call on the pipeline.
        var startedOnNode = true
    }

    /// The handles C_FindObjectsInit found, handed out by C_FindObjects.
    struct FindCursor: Sendable {
        var handles: [UInt64]
        var position = 0
    }

    /// The node's session handle.
    let remote: UInt64
    let readWrite: Bool
    /// The client's failover count when the session opened: once it moves on, the node that held
    /// this session is gone for us and the session with it (CKR_SESSION_HANDLE_INVALID).
    let generation: Int
    var find: FindCursor?
    var operations: [OperationKind: Operation] = [:]
    /// The wrapped bytes C_WrapKey reported the length of, kept for the retry.
    var wrapped: (request: WrapRequest, bytes: [UInt8])?
}
