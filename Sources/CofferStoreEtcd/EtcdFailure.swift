// The one place where gRPC failures from etcd become store errors. etcd reports its own errors as
// gRPC statuses whose message names the error ("etcdserver: mvcc: required revision has been
// compacted"); those are matched on their text, as etcd's own client does.

import CofferState
import GRPCCore

/// What an etcd call's failure means for the store.
enum EtcdFailure: Error, Equatable {
    /// The requested revision is older than etcd's compaction point (which the error does not say).
    case compacted
    /// The requested revision is newer than etcd's (which the error does not say).
    case futureRevision
    /// The auth token expired or was revoked; authenticate again.
    case invalidToken
    /// Any other failure, already a store error.
    case store(StoreError)

    /// The failure `error` (thrown by a gRPC call to etcd) stands for.
    init(_ error: any Error) {
        if let failure = error as? EtcdFailure {
            self = failure
            return
        }
        if let store = error as? StoreError {
            self = .store(store)
            return
        }
        guard let rpc = error as? RPCError else {
            self = .store(.backend("etcd call failed: \(Self.printable(String(describing: type(of: error))))"))
            return
        }
        let message = rpc.message
        if Self.refusedForNoLeader(rpc) {
            self = .store(.refused("etcd has no leader (its quorum is lost, or an election is under way); nothing was applied"))
        } else if message.contains("required revision has been compacted") {
            self = .compacted
        } else if message.contains("required revision is a future revision") {
            self = .futureRevision
        } else if message.contains("invalid auth token") {
            self = .invalidToken
        } else if message.contains("too many operations in txn request") {
            self = .store(.backend("etcd refused the transaction: too many operations (check the configured limits)"))
        } else if message.contains("request is too large") {
            self = .store(.backend("etcd refused the transaction: request too large (check the configured limits)"))
        } else {
            switch rpc.code {
            case .unavailable, .deadlineExceeded, .cancelled, .aborted:
                self = .store(.unavailable("etcd is unreachable or has no quorum: \(Self.printable(message))"))
            default:
                self = .store(.backend("etcd failed (\(rpc.code)): \(Self.printable(message))"))
            }
        }
    }

    /// Whether etcd refused the call before handling it because the member has no leader (the
    /// "hasleader" metadata every call carries asks for that): nothing was applied, and the call may
    /// be made again.
    static func refusedForNoLeader(_ error: any Error) -> Bool {
        guard let rpc = error as? RPCError else { return false }
        return rpc.code == .unavailable && rpc.message.contains("etcdserver: no leader")
    }

    /// A message from the network, cut to 200 printable ASCII characters, for an error text.
    static func printable(_ text: String) -> String {
        let kept = text.unicodeScalars.prefix(200).map {
            $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?"
        }
        return String(kept)
    }
}
