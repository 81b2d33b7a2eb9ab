// One cofferd per data folder, and no work before a taken port: a second real cofferd on a running
// dev node's folder, or on its port, exits at once and leaves every file as it was.

import CofferTestSupport
import Foundation
import Testing

@Suite("cofferd: one process per data folder")
struct CofferdDataFolderLockTests {
    /// Every regular file under `folder` (relative path to contents), the lock file and logs aside.
    static func snapshot(_ folder: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: folder)
        while let path = enumerator?.nextObject() as? String {
            var isFolder: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: folder + "/" + path, isDirectory: &isFolder)
            // SQLite's -shm changes while the first node serves; the store's content is checked by use.
            guard exists, !isFolder.boolValue, !path.hasSuffix("-shm"), !path.hasSuffix("-wal") else { continue }
            files[path] = FileManager.default.contents(atPath: folder + "/" + path)
        }
        return files
    }

    @Test func secondNodeOnTheSameFolderExitsAndChangesNothing() async throws {
        let node = try DevNode()
        defer { node.remove() }
        let pid = try #require(node.pid)
        let admin = node.cli(config: "admin")
        try admin.ok(["login", "--user", "admin"], environment: ["COFFER_PASSWORD": try node.adminPassword])
        let profile = try Data(contentsOf: URL(fileURLWithPath: node.profilePath))
        let pkcs11Config = try Data(contentsOf: URL(fileURLWithPath: node.dataDirectory + "/client/coffer-pkcs11.conf"))
        let before = try Self.snapshot(node.dataDirectory)
        let lockFile = try? String(contentsOfFile: node.dataDirectory + "/cofferd.lock", encoding: .utf8)
        #expect(lockFile?.trimmingCharacters(in: .whitespacesAndNewlines) == "\(pid)")

        // Another port, free: without the lock this one would unseal the store and rewrite the bundle.
        let otherPort = try DevNode.freePort()
        for arguments in [
            ["--dev", "--data-dir", node.dataDirectory, "--listen", "127.0.0.1:\(otherPort)"],
            ["--data-dir", node.dataDirectory, "--listen", "127.0.0.1:\(otherPort)"],
            // The same port as well: the folder's holder is still the one named.
            ["--dev", "--data-dir", node.dataDirectory, "--listen", "127.0.0.1:\(node.port)"],
        ] {
            let second = try CofferdProcess(arguments)
            let status = second.exitStatus(within: 60)
            #expect(status != nil && status != 0 && status != -1, "\(arguments): \(second.printed)")
            #expect(second.printed.contains("in use by another cofferd (PID \(pid))"), "\(second.printed)")
            #expect(!second.printed.contains("unsealed"), "\(second.printed)")
        }

        #expect(try Data(contentsOf: URL(fileURLWithPath: node.profilePath)) == profile)
        #expect(
            try Data(contentsOf: URL(fileURLWithPath: node.dataDirectory + "/client/coffer-pkcs11.conf")) == pkcs11Config)
        #expect(try Self.snapshot(node.dataDirectory) == before)
        // The first node still serves, on its own port, and still holds the folder.
        #expect(node.isRunning)
        let status = try admin.ok(["cluster", "status", "--json"])
        #expect(status.stdout.contains("\"unsealed\""))
        #expect(try admin.ok(["user", "list", "--json"]).stdout.contains("admin"))
    }

    @Test func lockEndsWithTheProcess() async throws {
        let node = try DevNode()
        defer { node.remove() }
        // SIGKILL runs no clean-up: the kernel still drops the flock, and the folder starts again.
        node.kill()
        try node.start()
        let lockFile = try? String(contentsOfFile: node.dataDirectory + "/cofferd.lock", encoding: .utf8)
        #expect(lockFile?.trimmingCharacters(in: .whitespacesAndNewlines) == "\(try #require(node.pid))")
        // And it holds the folder again: a second node on it is turned away.
        let second = try CofferdProcess(["--dev", "--data-dir", node.dataDirectory, "--listen", "127.0.0.1:0"])
        let status = second.exitStatus(within: 60)
        #expect(status != nil && status != 0, "\(second.printed)")
    }

    @Test func takenPortFailsBeforeTheFolderIsMade() async throws {
        let node = try DevNode()
        defer { node.remove() }
        let pid = try #require(node.pid)
        let parent = try CofferdProcess.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let folder = parent + "/data"
        let second = try CofferdProcess(["--dev", "--data-dir", folder, "--listen", "127.0.0.1:\(node.port)"])
        let status = second.exitStatus(within: 60)
        #expect(status != nil && status != 0 && status != -1, "\(second.printed)")
        #expect(second.printed.contains("127.0.0.1:\(node.port)"), "\(second.printed)")
        #expect(second.printed.contains("already in use by PID \(pid)"), "\(second.printed)")
        #expect(!FileManager.default.fileExists(atPath: folder), "the second node made \(folder)")

        // An existing, empty folder (an operator's mkdir): still nothing written in it.
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let third = try CofferdProcess(["--dev", "--data-dir", folder, "--listen", "127.0.0.1:\(node.port)"])
        let thirdStatus = third.exitStatus(within: 60)
        #expect(thirdStatus != nil && thirdStatus != 0)
        #expect(third.printed.contains("already in use"), "\(third.printed)")
        let left = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0 != "cofferd.lock" }
        #expect(left.isEmpty, "\(left)")
        #expect(node.isRunning)
    }
}
