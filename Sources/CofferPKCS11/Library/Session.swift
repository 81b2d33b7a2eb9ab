// One PKCS#11 session as the library keeps it: the node's session it stands for and the
// operations started on it (the node is only asked when an operation produces output). When the
// node holding it is gone, the library opens a new node session for it on the next node
// (`Library.bind`); only operations that fed that node data are lost with it.
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
        /// The node session the operation was started in (0 before OperationInit returned).
        var nodeSession: UInt64 = 0
        /// Whether the node holds more of this operation than its start: data given to an update that
        /// released output or digested a key, or a context-specific login. Such an operation cannot be
        /// started again on another node, so it is lost with its node (CKR_DEVICE_REMOVED); any other
        /// goes on there as a single-part call.
        var fedNode = false

        /// Whether the operation must end with CKR_DEVICE_REMOVED because the node session it lived
        /// in is gone; otherwise it is moved to `remote`'s node: from now on it ends as a single-part call.
        mutating func move(to remote: UInt64) -> Bool {
            guard startedOnNode, nodeSession != 0, nodeSession != remote else { return false }
            if fedNode { return true }
            startedOnNode = false
            return false
        }
    }

    /// The handles C_FindObjectsInit found, handed out by C_FindObjects.
    struct FindCursor: Sendable {
        var handles: [UInt64]
        var position = 0
    }

    /// The node's session handle (replaced when the session is opened again on another node).
    var remote: UInt64
    let readWrite: Bool
    /// The client's failover count when the node session opened: once it moves on, the node that held
    /// it is gone for us, and the next call opens the session again on the client's current node.
    var generation: Int
    var find: FindCursor?
    var operations: [OperationKind: Operation] = [:]
    /// A quorum token the application presented for the session's next C_*Init (C_Login with
    /// CKU_COFFER_APPROVAL, docs/quorum.md): taken by that Init, whatever it starts.
    var approval: String?
    /// The wrapped bytes C_WrapKey reported the length of, kept for the retry.
    var wrapped: (request: WrapRequest, bytes: [UInt8])?
}
