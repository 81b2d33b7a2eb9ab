// cofferd's configuration: file plus flags, flags winning, and one-line errors.

import CofferServer
import Foundation
import Testing

@Suite("NodeConfiguration")
struct NodeConfigurationTests {
    static func file(_ json: String) throws -> String {
        let path = try CofferdProcess.temporaryDirectory() + "/cofferd.json"
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func defaults() throws {
        let dev = try NodeConfiguration.load(
            file: nil,
            overrides: {
                var o = NodeConfiguration.Overrides(); o.dev = true; return o
            }())
        #expect(dev.listen == ListenAddress(host: "127.0.0.1", port: 9443))
        #expect(dev.dataDirectory == "./coffer-dev")
        #expect(dev.clusterName == "coffer-dev")
        #expect(dev.logLevel == .info)
        let normal = try NodeConfiguration.load(file: nil, overrides: .init())
        #expect(normal.dataDirectory == "./coffer-data")
    }

    @Test func fileThenFlags() throws {
        let path = try Self.file(
            """
            {"listen": "[::1]:7000", "dataDir": "/var/lib/coffer", "logLevel": "debug", "clusterName": "prod",
             "certificateNames": ["hsm.example.org", "10.1.2.3"], "loginIdleTimeoutSeconds": 60}
            """)
        let fromFile = try NodeConfiguration.load(file: path, overrides: .init())
        #expect(fromFile.listen == ListenAddress(host: "::1", port: 7000))
        #expect(fromFile.listen.description == "[::1]:7000")
        #expect(fromFile.dataDirectory == "/var/lib/coffer")
        #expect(fromFile.logLevel == .debug)
        #expect(fromFile.clusterName == "prod")
        #expect(fromFile.certificateDNSNames == ["hsm.example.org"])
        #expect(fromFile.certificateIPAddresses == ["10.1.2.3"])
        #expect(fromFile.loginIdleTimeout == .seconds(60))

        var overrides = NodeConfiguration.Overrides()
        overrides.listen = "0.0.0.0:9000"
        overrides.logLevel = "WARNING"
        let flagged = try NodeConfiguration.load(file: path, overrides: overrides)
        #expect(flagged.listen == ListenAddress(host: "0.0.0.0", port: 9000))
        #expect(flagged.logLevel == .warning)
        #expect(flagged.clusterName == "prod")
    }

    @Test(arguments: [
        (#"{"listn": "1.2.3.4:1"}"#, "unknown setting \"listn\""),
        (#"{"listen": 9443}"#, "listen has the wrong type"),
        (#"[1]"#, "is not a JSON object"),
        (#"{"logLevel": "loud"}"#, "log level loud is not one of"),
        (#"{"listen": "example.org:9443"}"#, "is not an IP address"),
        (#"{"listen": "127.0.0.1:99999"}"#, "port must be 0 to 65535"),
        (#"{"clusterName": "a b"}"#, "cluster name \"a b\""),
        (#"{"certificateNames": ["-bad-"]}"#, "neither a DNS name nor an IP address"),
        (#"{"minimumRSABits": 512}"#, "minimumRSABits must be 1024 to 4096"),
        (#"{"minimumRSABits": 2047}"#, "a multiple of 8, not 2047"),
        (#"{"minimumRSABits": "1024"}"#, "minimumRSABits has the wrong type"),
    ])
    func errorsAreOneLine(json: String, expected: String) throws {
        let path = try Self.file(json)
        do {
            _ = try NodeConfiguration.load(file: path, overrides: .init())
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.description.contains(expected), "\(error.description)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func rsaPolicy() throws {
        #expect(try NodeConfiguration.load(file: nil, overrides: .init()).rsaKeySize.minimumBits == 2048)
        let path = try Self.file(#"{"minimumRSABits": 1024}"#)
        #expect(try NodeConfiguration.load(file: path, overrides: .init()).rsaKeySize.minimumBits == 1024)
    }

    @Test func missingFile() {
        #expect(throws: ConfigurationError("cannot read config file /nonexistent/cofferd.json")) {
            try NodeConfiguration.load(file: "/nonexistent/cofferd.json", overrides: .init())
        }
    }
}
