// Test support for the kill -9 durability test: writes a burst of transactions to a SQLite store
// and prints `ack <n> <revision>` only after each `transact` has returned, i.e. is durable.
//
// Usage: coffer-crashwriter <database path> [keys per transaction] [transactions]
// Transaction n (n = revision, continuing from the store's current revision) puts
// `k/<n>/<i>` = "v<n>.<i>" + [0x00, 0xFF] for i in 0..<keys, and `counter` = "<n>".

import CofferState
import CofferStoreSQLite
import Foundation

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("coffer-crashwriter: \(message)\n".utf8))
    exit(1)
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else { fail("usage: coffer-crashwriter <path> [keys] [transactions]") }
let keysPerTransaction = arguments.count >= 3 ? Int(arguments[2]) ?? 0 : 4
let transactions = arguments.count >= 4 ? Int64(arguments[3]) ?? 0 : 100_000
guard keysPerTransaction > 0, transactions > 0 else { fail("keys and transactions must be positive") }

do {
    let store = try SQLiteStateStore.open(path: arguments[1])
    let start = try await store.currentRevision() + 1
    for n in start..<(start + transactions) {
        var puts: [StoreOperation] = (0..<keysPerTransaction).map { i in
            .put(key: Array("k/\(n)/\(i)".utf8), value: Array("v\(n).\(i)".utf8) + [0x00, 0xFF])
        }
        puts.append(.put(key: Array("counter".utf8), value: Array("\(n)".utf8)))
        let result = try await store.transact(compare: [], success: puts, failure: [])
        guard result.succeeded, result.revision == n else { fail("transaction \(n) got revision \(result.revision)") }
        // A write to a closed pipe (the test gone) raises SIGPIPE and ends this process.
        FileHandle.standardOutput.write(Data("ack \(n) \(result.revision)\n".utf8))
    }
    await store.close()
} catch {
    fail("\(error)")
}
