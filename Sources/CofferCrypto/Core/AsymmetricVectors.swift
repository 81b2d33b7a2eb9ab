// Reads the published vector files in Resources/Vectors for the asymmetric self-tests and unit
// tests: Wycheproof JSON and CAVP-style "key = value" response files.

import Foundation

/// Loader for the asymmetric vector files bundled with CofferCrypto.
enum AsymmetricVectors {
    /// The bytes of `Vectors/<name>`, through the one bundle reader the symmetric tests use too.
    static func data(_ name: String) throws(CryptoError) -> Data {
        do { return try VectorFile.bundled.data(name) } catch { throw .selfTestFailed("vector file \(name) is missing") }
    }

    /// A Wycheproof file's test groups, as decoded JSON objects.
    static func wycheproofGroups(_ name: String) throws(CryptoError) -> [WycheproofGroup] {
        guard let root = try? JSONSerialization.jsonObject(with: data(name)) as? [String: Any],
            let groups = root["testGroups"] as? [[String: Any]]
        else { throw .selfTestFailed("vector file \(name) is not Wycheproof JSON") }
        return groups.map(WycheproofGroup.init)
    }

    /// Records of a CAVP-style response file: "key = value" lines, a new record at each `count`.
    static func records(_ name: String) throws(CryptoError) -> [[String: String]] {
        var records: [[String: String]] = []
        for (key, value) in try pairs(name) {
            // "count" or, in the files converted by pyca, "COUNT".
            if key.lowercased() == "count" { records.append([:]) }
            if !records.isEmpty { records[records.count - 1][key] = value }
        }
        return records
    }

    /// The CAVP SigGen15 file: one record per signature, carrying its section's n, e and d.
    static func sigGenRecords(_ name: String) throws(CryptoError) -> [[String: String]] {
        var section: [String: String] = [:]
        var records: [[String: String]] = []
        for (key, value) in try pairs(name) {
            switch key {
            case "n", "e", "d": section[key] = value
            case "SHAAlg": records.append(section.merging([key: value]) { $1 })
            default: if !records.isEmpty { records[records.count - 1][key] = value }
            }
        }
        return records
    }

    private static func pairs(_ name: String) throws(CryptoError) -> [(String, String)] {
        let text = String(decoding: try data(name), as: UTF8.self)
        return text.split(whereSeparator: \.isNewline).compactMap { line in
            guard !line.hasPrefix("#"), !line.hasPrefix("["), let equals = line.range(of: " =") else { return nil }
            let key = line[..<equals.lowerBound].trimmingCharacters(in: .whitespaces)
            let value = line[equals.upperBound...].trimmingCharacters(in: .whitespaces)
            return (key, value)
        }
    }

    /// Hex from a vector file, or a self-test failure naming the field.
    static func hex(_ value: String?, _ field: String) throws(CryptoError) -> [UInt8] {
        guard let value, let bytes = Hex.decode(value) else { throw .selfTestFailed("vector field \(field) is not hex") }
        return bytes
    }
}

/// One Wycheproof test group.
struct WycheproofGroup: @unchecked Sendable {
    let fields: [String: Any]

    subscript(_ key: String) -> String? { fields[key] as? String }

    /// The group's `key` object, when it has one (ML-DSA, EdDSA).
    func object(_ key: String) -> [String: Any]? { fields[key] as? [String: Any] }

    var tests: [WycheproofTest] { (fields["tests"] as? [[String: Any]] ?? []).map(WycheproofTest.init) }
}

/// One Wycheproof test case.
struct WycheproofTest: @unchecked Sendable {
    let fields: [String: Any]

    var id: Int { fields["tcId"] as? Int ?? -1 }
    var comment: String { fields["comment"] as? String ?? "" }
    /// "valid", "invalid" or "acceptable".
    var result: String { fields["result"] as? String ?? "" }
    var flags: [String] { fields["flags"] as? [String] ?? [] }

    subscript(_ key: String) -> String? { fields[key] as? String }

    func hex(_ key: String) throws(CryptoError) -> [UInt8] { try AsymmetricVectors.hex(self[key], key) }
}
