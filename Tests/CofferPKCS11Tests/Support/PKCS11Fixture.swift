// A dev node with a crypto-user ("alice") made by the admin through the `coffer` CLI, and the debug
// build of libcoffer-pkcs11.so that sits next to the test bundle.
import CofferTestSupport
import Foundation
import Testing

/// A node ready for PKCS#11 clients.
final class PKCS11Fixture {
    let node: DevNode
    let pin = "alice:correct horse battery staple"

    /// The library under test (built by `swift build --build-tests`, as the target depends on it).
    static var library: String { DevNode.binaries + "/libcoffer-pkcs11.so" }

    /// The configuration `cofferd --dev` wrote for the library, with a longer call deadline (see init).
    var configuration: String { node.dataDirectory + "/client/coffer-pkcs11-test.conf" }

    var environment: [String: String] { ["COFFER_PKCS11_CONF": configuration] }

    /// A fixture whose node reads `nodeConfiguration` (JSON) as its config file, when given.
    init(nodeConfiguration: String? = nil) throws {
        guard FileManager.default.fileExists(atPath: Self.library) else {
            throw DevNodeError(message: "\(Self.library) is missing: run `swift build --build-tests` first")
        }
        if let nodeConfiguration {
            let path = NSTemporaryDirectory() + "cofferd-config-" + UUID().uuidString + ".json"
            try nodeConfiguration.write(toFile: path, atomically: true, encoding: .utf8)
            node = try DevNode(extraArguments: ["--config", path])
        } else {
            node = try DevNode()
        }
        let admin = node.cli(config: "admin")
        let password = node.folder + "/alice-password"
        try "correct horse battery staple\n".write(toFile: password, atomically: true, encoding: .utf8)
        try admin.ok(["login", "--user", "admin"], environment: ["COFFER_PASSWORD": try node.adminPassword])
        try admin.ok(["user", "create", "--name", "alice", "--role", "crypto-user", "--password-file", password])
        // A debug cofferd checks a PIN with unoptimised scrypt: about 2 s on an idle core, and past the
        // default 10 s call deadline (C_Login then fails with CKR_DEVICE_ERROR) when several test nodes
        // share a loaded two-core machine. The tests' copy of the configuration allows 120 s per call.
        let written = node.dataDirectory + "/client/coffer-pkcs11.conf"
        let data = try Data(contentsOf: URL(fileURLWithPath: written))
        guard var profile = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw DevNodeError(message: "\(written) is not a JSON object")
        }
        profile["deadline_seconds"] = 120
        try JSONSerialization.data(withJSONObject: profile, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: configuration))
    }

    deinit { node.remove() }

    /// Runs `pkcs11-tool --module <library> arguments...` against the node.
    func pkcs11Tool(_ arguments: [String]) throws -> Tool {
        try Tool.run("pkcs11-tool", ["--module", Self.library] + arguments, folder: node.folder, environment: environment)
    }

    /// Runs pkcs11-tool and requires success.
    @discardableResult
    func pkcs11ToolOK(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> Tool {
        let result = try pkcs11Tool(arguments)
        #expect(
            result.status == 0, "pkcs11-tool \(arguments.joined(separator: " ")):\n\(result.stdout)\n\(result.stderr)",
            sourceLocation: sourceLocation)
        return result
    }
}
