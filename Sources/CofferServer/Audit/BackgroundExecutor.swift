// A task executor of one thread at the lowest CPU priority, for the audit log's writes (issue 13):
// encoding a block of crypto calls, hashing it into the Merkle tree and signing its checkpoint must
// get done, but not by taking a core from the calls being served. With the calls' threads at the
// usual priority, the kernel runs this thread mostly in the time they leave idle. The recorder's
// timer stays on the shared executor, and it writes there instead when it falls behind
// (`AuditRecorder.behind`), so that a node busy on every core still writes its log. The store's own
// write (SQLite's writer thread, or etcd's client) runs at the usual priority.

import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

final class BackgroundExecutor: TaskExecutor {
    /// The nice value of the thread: the lowest priority there is.
    static let niceness: Int32 = 19

    private let group: MultiThreadedEventLoopGroup
    private let loop: any EventLoop

    init() {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
        loop.execute {
            #if os(Linux)
            // On Linux a nice value belongs to a thread, and `who` 0 names the calling one. Raising
            // it needs no privilege; if it fails anyway, the thread simply runs at the usual priority.
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Self.niceness)
            #endif
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        loop.execute { job.runSynchronously(on: executor) }
    }

    /// Ends the thread; the tasks that preferred it must have ended.
    func shutdown() async {
        try? await group.shutdownGracefully()
    }
}
