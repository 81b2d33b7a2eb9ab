// The hook of the commit seam. A participant sees every command about to be committed and may add
// records to its transaction (an audit entry) or conditions on it (an approval that must still be
// unused, and is consumed by the same write), or refuse it. What a participant adds lands or fails
// together with the change: there is no change without it and no addition without the change.

import CofferCrypto
import CofferModel

/// A command on its way to the store.
public struct PendingCommit: Sendable {
    public let command: Command
    /// Who asked for it; nil for the node's own writes (initialization, system records, login counts
    /// are attributed to the user whose login it was).
    public let actor: UserID?
    /// 1 on the first try; higher when an earlier try lost a race and the command was planned again.
    public let attempt: Int
    /// The actor's user name, when the actor is a user the index knows.
    public let actorName: String?
    /// The name of a user the index knows.
    public let userName: @Sendable (UserID) -> String?
    /// A user the index knows.
    public let user: @Sendable (UserID) -> User?
    /// A system record as the index holds it, with the revision of its last write.
    public let systemRecord: @Sendable (String) -> (value: SecretBytes, modRevision: Int64)?
    /// The label of an object in the index (nil for an unknown handle or an object without one).
    public let label: @Sendable (ObjectHandle) -> String?
    /// A token object in the index.
    public let object: @Sendable (ObjectHandle) -> StoredObject?
}

/// Something that takes part in every commit.
public protocol CommitParticipant: Sendable {
    /// The most writes (and the most preconditions) `prepare` adds to one plan. The commit path
    /// keeps that many operations free when it splits a bulk write to fit the store's limits.
    var reservedOperations: Int { get }

    /// Adds to `plan` what must be written with `commit`, or throws to refuse the command; a refusal
    /// leaves the store untouched. Called again, with a fresh plan, on each retry.
    func prepare(_ commit: PendingCommit, plan: inout WritePlan) throws(StateError)
}
