// A SoftHSM2 token in a temporary folder, for the tests that compare Coffer with another PKCS#11
// module or move keys between them.
import CofferTestSupport
import Foundation
import Testing

/// An initialized SoftHSM2 token whose configuration lives in its own folder.
struct SoftHSMToken {
    static let module = "/usr/lib/softhsm/libsofthsm2.so"
    static let pin = "1234"

    let folder: String
    /// SOFTHSM2_CONF for the programs that load the module.
    var environment: [String: String] { ["SOFTHSM2_CONF": folder + "/softhsm2.conf"] }

    /// Makes the folder and initializes a token labelled `label`. Remove it with `cleanUp()`.
    init(label: String) throws {
        #expect(FileManager.default.fileExists(atPath: Self.module), "softhsm2 is not installed (scripts/test installs it)")
        folder = NSTemporaryDirectory() + "coffer-softhsm-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder + "/tokens", withIntermediateDirectories: true)
        try "directories.tokendir = \(folder)/tokens\nobjectstore.backend = file\nlog.level = ERROR\n"
            .write(toFile: folder + "/softhsm2.conf", atomically: true, encoding: .utf8)
        let initialized = try Tool.run(
            "softhsm2-util", ["--init-token", "--free", "--label", label, "--pin", Self.pin, "--so-pin", "5678"],
            folder: folder, environment: environment)
        #expect(initialized.status == 0, "\(initialized.stdout)\(initialized.stderr)")
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: folder)
    }
}
