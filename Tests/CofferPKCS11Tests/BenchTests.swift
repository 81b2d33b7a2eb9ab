// Issue 5's CI smoke run of `coffer bench`: a few hundred operations against a real dev node through
// the debug libcoffer-pkcs11.so, and the same harness against SoftHSM2 to show it is module-agnostic.
// It checks the JSON report's counts and shape only; no timing is asserted.
import CofferTestSupport
import Foundation
import Testing

@Suite(.serialized) struct BenchTests {
    static let operations = 200

    /// `coffer bench ... --json` with the PIN in the environment.
    static func bench(_ arguments: [String], pin: String, folder: String, environment: [String: String]) throws -> Tool {
        var environment = environment
        environment["COFFER_BENCH_PIN"] = pin
        return try Tool.run(DevNode.binaries + "/coffer", ["bench"] + arguments, folder: folder, environment: environment)
    }

    /// The smoke arguments: 200 operations in total on 2 threads for `operations`.
    static func smoke(module: String, _ operations: [String]) -> [String] {
        ["--module", module, "--operations", "\(Self.operations)", "--threads", "2", "--keys", "20", "--json"]
            + operations.flatMap { ["--operation", $0] }
    }

    /// Checks one measured operation of a report: every call done, none failed, percentiles in order.
    static func expectMeasured(_ report: [String: Any], _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let operations = report["operations"] as? [String: Any]
        guard let entry = operations?[name] as? [String: Any] else {
            Issue.record("\(name) missing from \(report)", sourceLocation: sourceLocation)
            return
        }
        #expect(entry["status"] as? String == "ok", "\(name): \(entry)", sourceLocation: sourceLocation)
        #expect(entry["ops"] as? Int == Self.operations, "\(name): \(entry)", sourceLocation: sourceLocation)
        #expect(entry["errors"] as? Int == 0, "\(name): \(entry)", sourceLocation: sourceLocation)
        #expect((entry["ops_per_second"] as? Double ?? 0) > 0, sourceLocation: sourceLocation)
        #expect((entry["cpu_seconds"] as? Double ?? -1) >= 0, sourceLocation: sourceLocation)
        let latency = entry["latency_us"] as? [String: Double] ?? [:]
        let percentiles = ["p50", "p90", "p99", "max"].compactMap { latency[$0] }
        #expect(percentiles.count == 4, "\(name): \(latency)", sourceLocation: sourceLocation)
        #expect(percentiles.first ?? 0 > 0, "\(name): \(latency)", sourceLocation: sourceLocation)
        #expect(percentiles == percentiles.sorted(), "\(name): percentiles out of order: \(latency)", sourceLocation: sourceLocation)
    }

    static func parse(_ result: Tool, sourceLocation: SourceLocation = #_sourceLocation) -> [String: Any] {
        #expect(result.status == 0, "coffer bench: \(result.stderr)", sourceLocation: sourceLocation)
        let report = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any]
        #expect(report != nil, "not JSON: \(result.stdout)", sourceLocation: sourceLocation)
        return report ?? [:]
    }

    @Test func coffer() throws {
        let fixture = try PKCS11Fixture()
        let names = ["p256-sign", "aes-gcm-4k", "find"]
        let result = try Self.bench(
            Self.smoke(module: PKCS11Fixture.library, names), pin: fixture.pin, folder: fixture.node.folder,
            environment: fixture.environment)
        let report = Self.parse(result)
        #expect(report["module"] as? String == PKCS11Fixture.library)
        #expect(report["threads"] as? Int == 2)
        #expect(report["token"] as? String == "coffer-dev")
        for name in names { Self.expectMeasured(report, name) }
        // The PIN is never printed.
        #expect(!result.stdout.contains("correct horse") && !result.stderr.contains("correct horse"))

        // A rerun finds the keys it made (no "generating" notes) and still measures.
        let rerun = try Self.bench(
            Self.smoke(module: PKCS11Fixture.library, ["p256-sign", "find"]), pin: fixture.pin, folder: fixture.node.folder,
            environment: fixture.environment)
        #expect(!rerun.stderr.contains("generating"), "\(rerun.stderr)")
        #expect(!rerun.stderr.contains("created"), "\(rerun.stderr)")
        Self.expectMeasured(Self.parse(rerun), "find")

        // A wrong PIN fails the run with the module's CKR, on one line.
        let wrong = try Self.bench(
            Self.smoke(module: PKCS11Fixture.library, ["p256-sign"]), pin: "alice:wrong", folder: fixture.node.folder,
            environment: fixture.environment)
        #expect(wrong.status != 0)
        #expect(wrong.stderr.contains("C_Login: CKR_PIN_INCORRECT"), "\(wrong.stderr)")
    }

    @Test func softHSM2() throws {
        let token = try SoftHSMToken(label: "bench")
        defer { token.cleanUp() }

        let names = ["p256-sign", "aes-gcm-4k", "find"]
        let result = try Self.bench(
            Self.smoke(module: SoftHSMToken.module, names + ["mldsa65-sign"]) + ["--token-label", "bench"],
            pin: SoftHSMToken.pin, folder: token.folder, environment: token.environment)
        let report = Self.parse(result)
        #expect(report["token"] as? String == "bench")
        for name in names { Self.expectMeasured(report, name) }
        // SoftHSM2 2.6 has no ML-DSA: reported as unsupported, not as an error.
        let mldsa = (report["operations"] as? [String: Any])?["mldsa65-sign"] as? [String: Any]
        #expect(mldsa?["status"] as? String == "unsupported", "\(String(describing: mldsa))")
    }
}
