// The audit log's writer thread (BackgroundExecutor): tasks that prefer it run on one thread of its
// own at the lowest priority, and a task that leaves it (the recorder, when behind) runs elsewhere.

import Synchronization
import Testing

@testable import CofferServer

#if canImport(Glibc)
import Glibc
#endif

@Suite struct BackgroundExecutorTests {
    /// The calling thread's id and nice value.
    private static func thread() -> (id: pthread_t, nice: Int32) {
        (pthread_self(), getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0))
    }

    @Test func tasksThatPreferItRunOnOneThreadAtTheLowestPriority() async {
        let executor = BackgroundExecutor()
        let seen = await withTaskExecutorPreference(executor) {
            await withTaskGroup(of: (id: pthread_t, nice: Int32).self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        await Task.yield()
                        return Self.thread()
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
        }
        #expect(seen.count == 8)
        #expect(Set(seen.map(\.id)).count == 1, "every child task ran on the executor's one thread")
        #expect(seen.allSatisfy { $0.nice == BackgroundExecutor.niceness })
        await executor.shutdown()
    }

    @Test func aTaskThatLeavesItRunsAtTheUsualPriority() async {
        let executor = BackgroundExecutor()
        let (inside, outside) = await withTaskExecutorPreference(executor) {
            await Task.yield()
            let inside = Self.thread()
            let outside = await withTaskExecutorPreference(globalConcurrentExecutor) {
                await Task.yield()
                return Self.thread()
            }
            return (inside, outside)
        }
        #expect(inside.nice == BackgroundExecutor.niceness)
        #expect(outside.id != inside.id)
        #expect(outside.nice < BackgroundExecutor.niceness)
        await executor.shutdown()
    }
}
