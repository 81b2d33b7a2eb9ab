// One audit log entry (issue 13, docs/audit.md): who did what to which object, with which
// mechanism, and how it ended. Its bytes in the log are one line of canonical JSON (keys sorted, no
// spaces, fields absent rather than null), and those exact bytes are the Merkle leaf, so an auditor
// hashes what they read. An entry never holds a secret: no password, PIN, plaintext or key value.

import Foundation

/// One operation, as the log records it.
public struct AuditEntry: Codable, Sendable, Equatable {
    /// The position in the log, from 0; nil while the entry waits to be sequenced.
    public var seq: UInt64?
    /// When the node served it: RFC 3339, UTC, milliseconds.
    public var time: String
    /// The node that served it.
    public var node: String
    /// The user, or for a login the name that was tried; empty for the node's own writes.
    public var user: String
    /// What was asked: a command name ("create-user", "generate-key-pair") or a call ("sign", "login").
    public var operation: String
    /// The object acted on, when there is one.
    public var handle: UInt64?
    public var label: String?
    /// The user or node acted on, when the operation is about one ("alice", "node-1f2e…").
    public var target: String?
    /// The mechanism (CKM_* value), when there is one.
    public var mechanism: UInt64?
    /// "ok" or "failed".
    public var result: String
    /// The CK_RV: 0 for success.
    public var ckr: UInt64
    /// SHA-256 of the caller's client certificate, hex.
    public var certificate: String?

    public static let ok = "ok"
    public static let failed = "failed"

    public init(
        seq: UInt64? = nil, time: String, node: String, user: String, operation: String, handle: UInt64? = nil,
        label: String? = nil, target: String? = nil, mechanism: UInt64? = nil, ckr: UInt64, certificate: String? = nil
    ) {
        self.seq = seq
        self.time = time
        self.node = node
        self.user = user
        self.operation = operation
        self.handle = handle
        self.label = label
        self.target = target
        self.mechanism = mechanism
        self.result = ckr == 0 ? Self.ok : Self.failed
        self.ckr = ckr
        self.certificate = certificate
    }

    /// The canonical line (no newline): the members in sorted key order, written by hand so that
    /// recording stays cheap on the crypto path.
    public var line: [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(320)
        appendHead(to: &line)
        appendTail(to: &line)
        return line
    }

    /// At least the length of `line`, from the fields' lengths without encoding them: the strings
    /// that come from callers (user, operation, label, target) as if every byte were escaped.
    public var lineLengthBound: Int {
        let escapable = user.utf8.count + operation.utf8.count + (label?.utf8.count ?? 0) + (target?.utf8.count ?? 0)
        return 200 + time.utf8.count + node.utf8.count + (certificate?.utf8.count ?? 0) + 6 * escapable
    }

    /// The line's start, up to the member before "seq": what the calls of one connection to one key
    /// have in common (`LineEncoder` encodes it once for a run of them).
    func appendHead(to buffer: inout [UInt8]) {
        var w = CanonicalJSON(bytes: [])
        swap(&w.bytes, &buffer)
        defer { swap(&w.bytes, &buffer) }
        w.open()
        if let certificate { w.member("certificate", string: certificate) }
        w.member("ckr", number: ckr)
        if let handle { w.member("handle", number: handle) }
        if let label { w.member("label", string: label) }
        if let mechanism { w.member("mechanism", number: mechanism) }
        w.member("node", string: node)
        w.member("operation", string: operation)
        w.member("result", string: result)
    }

    /// The rest of the line, after `appendHead`'s part.
    func appendTail(to buffer: inout [UInt8]) {
        var w = CanonicalJSON(bytes: [], continuing: true)
        swap(&w.bytes, &buffer)
        defer { swap(&w.bytes, &buffer) }
        if let seq { w.member("seq", number: seq) }
        if let target { w.member("target", string: target) }
        w.member("time", string: time)
        w.member("user", string: user)
        w.close()
    }

    /// Whether `other`'s line starts as this one's does (`appendHead`).
    func sharesHead(with other: AuditEntry) -> Bool {
        certificate == other.certificate && ckr == other.ckr && handle == other.handle && label == other.label
            && mechanism == other.mechanism && node == other.node && operation == other.operation
    }

    /// Writes the lines of many entries, encoding the start they share with the entry before only
    /// once: a block of crypto calls is mostly runs of one connection's calls to one key.
    public struct LineEncoder {
        private var previous: AuditEntry?
        private var head: [UInt8] = []

        public init() {}

        /// Appends `entry`'s line (no newline) to `buffer`, the same bytes as `entry.line`.
        public mutating func append(_ entry: AuditEntry, to buffer: inout [UInt8]) {
            if previous.map({ !$0.sharesHead(with: entry) }) ?? true {
                head.removeAll(keepingCapacity: true)
                entry.appendHead(to: &head)
                previous = entry
            }
            buffer += head
            entry.appendTail(to: &buffer)
        }
    }

    /// Reads a line; only a line in canonical form is an entry (anything else was not written by a node).
    public init(line: some Collection<UInt8>) throws(AuditError) {
        let bytes = Array(line)
        let entry: AuditEntry
        do { entry = try JSONDecoder().decode(AuditEntry.self, from: Data(bytes)) } catch {
            throw AuditError("not an audit entry: \(error.localizedDescription)")
        }
        guard entry.line == bytes else { throw AuditError("an audit entry not in canonical form") }
        self = entry
    }

    /// `time` for `date`: computed by hand (days to civil date, as in Howard Hinnant's algorithm)
    /// because it runs for every crypto call and a shared formatter is not safe across threads.
    public static func timestamp(_ date: Date) -> String {
        timestamp(milliseconds: Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
    }

    /// `time` for a count of milliseconds since 1970.
    public static func timestamp(milliseconds: Int64) -> String {
        let (days, inDay) = (milliseconds.quotientAndRemainder(dividingBy: 86_400_000))
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        // Written digit by digit into one buffer: this runs for every crypto call's entry.
        var text: [UInt8] = []
        text.reserveCapacity(24)
        func digits(_ value: Int64, _ width: Int) {
            var divisor: Int64 = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = max(0, value)
            if rest >= divisor * 10 { text += Array(String(rest).utf8); return }
            while divisor > 0 {
                text.append(UInt8(ascii: "0") + UInt8(rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(year, 4)
        text.append(UInt8(ascii: "-"))
        digits(month, 2)
        text.append(UInt8(ascii: "-"))
        digits(day, 2)
        text.append(UInt8(ascii: "T"))
        digits(inDay / 3_600_000, 2)
        text.append(UInt8(ascii: ":"))
        digits(inDay / 60_000 % 60, 2)
        text.append(UInt8(ascii: ":"))
        digits(inDay / 1000 % 60, 2)
        text.append(UInt8(ascii: "."))
        digits(inDay % 1000, 3)
        text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }
}

/// Why an audit record, export or proof was refused.
public struct AuditError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A minimal writer of canonical JSON objects: members in the order given (callers give them sorted),
/// strings escaped as RFC 8785 does (the two-character escapes, \u00XX for other control characters).
struct CanonicalJSON {
    var bytes: [UInt8] = []
    private var first = true

    /// A writer of an object's members; `continuing`: after members another writer wrote.
    init(bytes: [UInt8], continuing: Bool = false) {
        self.bytes = bytes
        first = !continuing
    }

    mutating func open() { bytes.append(UInt8(ascii: "{")) }
    mutating func close() { bytes.append(UInt8(ascii: "}")) }

    mutating func member(_ key: StaticString, string value: String) {
        name(key)
        string(value)
    }

    mutating func member(_ key: StaticString, number value: UInt64) {
        name(key)
        guard value > 0 else { return bytes.append(UInt8(ascii: "0")) }
        let start = bytes.count
        var rest = value
        while rest > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        }
        bytes[start...].reverse()
    }

    /// A member's name: one of AuditEntry's own, which need no escape.
    private mutating func name(_ key: StaticString) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        // Most strings need no escape: copied whole.
        let plain = value.utf8.withContiguousStorageIfAvailable { utf8 in
            !utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
        }
        if plain == true {
            bytes.append(contentsOf: value.utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x08: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
            case 0x0C: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
            case 0x0A: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20:
                let digits = Array("0123456789abcdef".utf8)
                bytes += Array("\\u00".utf8) + [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
