// Loads the published test-vector files in Resources/Vectors and parses the two formats they come in:
// NIST CAVP response files (.rsp/.txt, "KEY = value" records under "[header]" lines) and Wycheproof JSON.

import Foundation

/// A source of vector files. `bundled` reads the copies shipped in this module's resources; tests build
/// others (for example one that corrupts a file) to check that the self-test notices.
struct VectorFile: Sendable {
    private let read: @Sendable (String) throws -> Data

    init(read: @escaping @Sendable (String) throws -> Data) {
        self.read = read
    }

    /// The files in `Bundle.module`'s `Vectors` folder.
    static let bundled = VectorFile { name in
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Vectors") else {
            throw CryptoError.selfTestFailed("vector file \(name) is missing from the bundle")
        }
        return try Data(contentsOf: url)
    }

    /// The raw bytes of the file `name`.
    func data(_ name: String) throws -> Data {
        try read(name)
    }

    /// The records of a CAVP-style file, each with the section headers in force where it appears.
    func cavp(_ name: String) throws -> [CAVPRecord] {
        try CAVPRecord.parse(String(decoding: data(name), as: UTF8.self), file: name)
    }

    /// A Wycheproof test file.
    func wycheproof(_ name: String) throws -> Wycheproof {
        do {
            return try JSONDecoder().decode(Wycheproof.self, from: data(name))
        } catch let error as CryptoError {
            throw error
        } catch {
            throw CryptoError.selfTestFailed("vector file \(name) is not valid Wycheproof JSON: \(error)")
        }
    }
}

extension VectorFile {
    /// One record of a CAVP file (from a COUNT line, or a repeated field name, to the next): its `NAME = value` fields, bare flags such as `FAIL`, and the
    /// `[NAME = value]` headers of its section. Names are upper-cased, since files differ in case.
    struct CAVPRecord: Sendable {
        let file: String
        let headers: [String: String]
        let fields: [String: String]
        let flags: Set<String>

        /// True if the record expects the operation to fail (CAVP decrypt files mark these `FAIL`).
        var expectsFailure: Bool { flags.contains("FAIL") }

        /// The field `name` decoded from hex; an absent or empty value is an empty array.
        func bytes(_ name: String) throws -> [UInt8] {
            let text = fields[name.uppercased()] ?? ""
            guard let bytes = Hex.decode(text) else {
                throw CryptoError.selfTestFailed("\(file): field \(name) is not hex")
            }
            return bytes
        }

        /// The field or header `name` as an integer.
        func int(_ name: String) throws -> Int {
            let key = name.uppercased()
            guard let text = fields[key] ?? headers[key], let value = Int(text) else {
                throw CryptoError.selfTestFailed("\(file): \(name) is not an integer")
            }
            return value
        }

        static func parse(_ text: String, file: String) throws -> [CAVPRecord] {
            var records: [CAVPRecord] = []
            var headers: [String: String] = [:]
            var fields: [String: String] = [:]
            var flags: Set<String> = []
            var headerBlockOpen = false

            func finishRecord() {
                if !fields.isEmpty || !flags.isEmpty {
                    records.append(CAVPRecord(file: file, headers: headers, fields: fields, flags: flags))
                }
                fields = [:]
                flags = []
            }

            for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
                let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
                if line.hasPrefix("#") { continue }
                // Blank lines do not end records: some files (RFC 5869's) put them inside one.
                if line.isEmpty { continue }
                if line.hasPrefix("[") && line.hasSuffix("]") {
                    finishRecord()
                    // A run of header lines after records starts a new section with fresh headers.
                    if !headerBlockOpen { headers = [:] }
                    headerBlockOpen = true
                    let (name, value) = split(String(line.dropFirst().dropLast()))
                    headers[name] = value
                    continue
                }
                headerBlockOpen = false
                if line.contains("=") {
                    let (name, value) = split(line)
                    // A COUNT line, or a field the record already has, starts the next record.
                    if name == "COUNT" || fields[name] != nil { finishRecord() }
                    fields[name] = value
                } else {
                    flags.insert(line.uppercased())
                }
            }
            finishRecord()
            guard !records.isEmpty else { throw CryptoError.selfTestFailed("\(file): no records") }
            return records
        }

        private static func split(_ line: String) -> (String, String) {
            guard let equals = line.firstIndex(of: "=") else { return (line.uppercased(), "") }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces).uppercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            return (name, value)
        }
    }

    /// A Wycheproof test file (the fields the symmetric tests use).
    struct Wycheproof: Decodable, Sendable {
        let algorithm: String
        let testGroups: [Group]

        struct Group: Decodable, Sendable {
            let keySize: Int?
            let ivSize: Int?
            let tagSize: Int?
            let tests: [Case]
        }

        struct Case: Decodable, Sendable {
            let tcId: Int
            let comment: String
            let key: String?
            let iv: String?
            let aad: String?
            let msg: String?
            let ct: String?
            let tag: String?
            /// "valid", "invalid" or "acceptable".
            let result: String
            let flags: [String]

            /// The hex field at `path` decoded; absent means empty.
            func bytes(_ path: KeyPath<Case, String?>) throws -> [UInt8] {
                guard let bytes = Hex.decode(self[keyPath: path] ?? "") else {
                    throw CryptoError.selfTestFailed("Wycheproof case \(tcId) has a field that is not hex")
                }
                return bytes
            }
        }
    }
}
