// `coffer bench`: measures any PKCS#11 module (Coffer's libcoffer-pkcs11.so, SoftHSM2, a hardware
// token) with the same harness: throughput, latency percentiles and CPU time per operation.

import ArgumentParser
import CPKCS11
import Foundation

/// The benchmark command.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark a PKCS#11 module: ops/s, latency percentiles and CPU time per operation.",
        discussion: """
            Loads the module at --module (dlopen + C_GetFunctionList), calls C_Initialize with \
            CKF_OS_LOCKING_OK, opens one session per thread on the chosen token and logs in as the \
            user. It then finds its keys by label (token objects named coffer-bench-<key>, so reruns \
            reuse them) or generates them, and measures each operation in turn: --warmup seconds \
            unrecorded, then --duration seconds (or --operations calls in total) on --threads threads. \
            Every successful call's latency goes into an HdrHistogram; the CPU time is user + system \
            time of this process (getrusage) during the measured run, so for an in-process module such \
            as SoftHSM2 it includes the cryptography, and for Coffer only the client side.

            Operations (default: all, in this order):
            \(BenchOperation.all.map { "  \($0.name.padding(toLength: 14, withPad: " ", startingAt: 0)) \($0.summary)" }.joined(separator: "\n"))

            An operation whose mechanism the token does not offer (C_GetMechanismInfo fails) is \
            reported as unsupported. A failed call counts as an error; the report names the first \
            (its CKR_* and function). Progress goes to stderr once a second for runs longer than \
            \(Int(BenchProgress.threshold)) seconds; the report goes to stdout.

            The PIN comes from --pin, else --pin-file (first line), else $COFFER_BENCH_PIN, else a \
            prompt; it is never printed. Coffer's PIN is user:password.

            Example (a Coffer dev node, then SoftHSM2 with the same harness):
              export COFFER_PKCS11_CONF=coffer-dev/client/coffer-pkcs11.conf
              export COFFER_BENCH_PIN='alice:secret'
              coffer bench --module .build/release/libcoffer-pkcs11.so \\
                --threads 2 --duration 10 --operation rsa2048-pkcs --operation p256-sign
              COFFER_BENCH_PIN=1234 coffer bench \\
                --module /usr/lib/softhsm/libsofthsm2.so --token-label bench \\
                --threads 2 --duration 10 --operation rsa2048-pkcs --json
            """)

    @Option(help: "The PKCS#11 module to load (a .so path).") var module: String
    @Option(help: "The slot ID to use (default: the first slot with a token).") var slot: UInt?
    @Option(help: "Use the slot whose token has this label.") var tokenLabel: String?
    @Option(help: "The user PIN (visible to other users in ps: prefer --pin-file or $COFFER_BENCH_PIN).") var pin: String?
    @Option(help: "A file whose first line is the user PIN.") var pinFile: String?
    @Option(help: "Threads, each with its own session.") var threads = 1
    @Option(help: "Seconds to measure each operation (default 10).") var duration: Double?
    @Option(help: "Measure each operation for this many calls in total, shared by the threads, instead of --duration.")
    var operations: Int?
    @Option(help: "Seconds of unrecorded calls before each measurement (default 1 with --duration, 0 with --operations).")
    var warmup: Double?
    @Option(name: .customLong("operation"), help: "An operation to run (repeatable; default: all).")
    var selected: [String] = []
    @Option(help: "The number of AES keys in the find benchmark's store (created when missing).") var keys = 1000
    @Flag(help: "Destroy and regenerate the bench's keys instead of reusing them.") var freshKeys = false
    @Flag(help: "Print the results as one JSON document on stdout.") var json = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard keys >= 1 else { throw ValidationError("--keys must be at least 1") }
        if duration != nil && operations != nil { throw ValidationError("give --duration or --operations, not both") }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be positive") }
        if let operations, operations < 1 { throw ValidationError("--operations must be at least 1") }
        if let warmup, !(warmup >= 0) { throw ValidationError("--warmup must be zero or more") }
        if slot != nil && tokenLabel != nil { throw ValidationError("give --slot or --token-label, not both") }
        for name in selected where BenchOperation.named(name) == nil {
            throw ValidationError(
                "unknown operation \(name); known: \(BenchOperation.all.map(\.name).joined(separator: ", "))")
        }
    }

    func run() throws {
        let chosen = selected.isEmpty ? BenchOperation.all : BenchOperation.all.filter { selected.contains($0.name) }
        let limit: BenchLimit = operations.map { .operations($0) } ?? .duration(seconds: duration ?? 10)
        let warmup = self.warmup ?? (operations == nil ? 1 : 0)
        let module = try PKCS11Module(path: module)
        let pin = try readPin()
        try module.initialize()
        defer { module.finalize() }
        let moduleInfo = (try? module.info()) ?? "unknown"
        let selection: BenchToken.SlotSelection =
            if let slot { .id(CK_SLOT_ID(slot)) } else if let tokenLabel { .label(tokenLabel) } else { .first }
        let token = try BenchToken(module: module, slot: selection, pin: pin, sessions: threads, freshKeys: freshKeys)
        defer { token.close() }

        let runner = BenchRunner(
            token: token, threads: threads, limit: limit, warmup: warmup,
            settings: BenchOperation.Settings(findKeys: keys))
        let results = chosen.map { runner.measure($0) }
        let report = BenchReport(
            module: self.module, moduleInfo: moduleInfo, token: token.label, threads: threads, limit: limit, warmup: warmup,
            results: results)
        if json {
            let data = try JSONSerialization.data(withJSONObject: report.json(), options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(report.table())
        }
    }

    /// The PIN: --pin, else --pin-file, else $COFFER_BENCH_PIN, else a prompt.
    private func readPin() throws -> [UInt8] {
        if let pin { return Array(pin.utf8) }
        return try PasswordSource.read(file: pinFile, environment: "COFFER_BENCH_PIN", prompt: "User PIN: ")
    }
}
