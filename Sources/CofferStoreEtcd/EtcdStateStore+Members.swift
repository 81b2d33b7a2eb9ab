// etcd's members and leader, as etcd reports them (Cluster.MemberList, Maintenance.Status), for the
// node's status.

import CofferState
import GRPCCore

extension EtcdStateStore: ReplicatedStateStore {
    public var backendName: String { "etcd" }

    public func members() async throws -> [StoreMember] {
        let cluster = Etcdserverpb_Cluster.Client(wrapping: client)
        let maintenance = Etcdserverpb_Maintenance.Client(wrapping: client)
        let list = try await call { metadata, options in
            try await cluster.memberList(Etcdserverpb_MemberListRequest(), metadata: metadata, options: options)
        }
        let status = try await call { metadata, options in
            try await maintenance.status(Etcdserverpb_StatusRequest(), metadata: metadata, options: options)
        }
        return list.members.prefix(64).map { member in
            StoreMember(
                name: EtcdFailure.printable(member.name), clientURLs: member.clientUrls.prefix(8).map(EtcdFailure.printable),
                isLeader: member.id == status.leader, isLearner: member.isLearner)
        }
    }
}
