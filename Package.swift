// swift-tools-version:6.0
// Coffer: a self-hosted, clustered HSM service. See README.md and docs/.

import PackageDescription

let package = Package(
    name: "Coffer",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CofferCrypto", targets: ["CofferCrypto"]),
        .library(name: "CofferModel", targets: ["CofferModel"]),
        .library(name: "CofferState", targets: ["CofferState"]),
        .library(name: "CofferStoreSQLite", targets: ["CofferStoreSQLite"]),
        .library(name: "CofferStoreMemory", targets: ["CofferStoreMemory"]),
        .library(name: "CofferProtocol", targets: ["CofferProtocol"]),
        .library(name: "CofferServer", targets: ["CofferServer"]),
        .library(name: "CofferClient", targets: ["CofferClient"]),
        .executable(name: "cofferd", targets: ["cofferd"]),
        .executable(name: "coffer", targets: ["coffer"]),
        // libcoffer-pkcs11.so: the PKCS#11 library applications dlopen (scripts/build-pkcs11 ships it).
        .library(name: "coffer-pkcs11", type: .dynamic, targets: ["CofferPKCS11"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        // The system's OpenSSL 3 libcrypto, used only as the RSA backend (see docs/crypto-backends.md).
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(
            name: "CofferCrypto",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                "COpenSSL",
            ],
            // Published test vectors: the start-up self-test and the unit tests read the same files.
            resources: [.copy("Resources/Vectors")]
        ),
        .target(name: "CofferModel", dependencies: ["CofferCrypto"]),
        .target(
            name: "CofferState",
            dependencies: ["CofferModel", "CofferCrypto", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(name: "CofferStoreMemory", dependencies: ["CofferState"]),
        .target(
            name: "CofferStoreSQLite",
            dependencies: ["CofferState", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // The wire protocol: Protos/coffer/v1/*.proto and the generated code (scripts/generate-protos).
        .target(
            name: "CofferProtocol",
            dependencies: [
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .target(
            name: "CofferServer",
            dependencies: [
                "CofferState", "CofferProtocol", "CofferCrypto", "CofferModel",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ]
        ),
        .target(
            name: "CofferClient",
            dependencies: [
                "CofferProtocol",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ]
        ),
        // p11-kit's PKCS#11 2.40 header (libp11-kit-dev), included by path so nothing links libp11-kit.
        .systemLibrary(name: "CPKCS11", providers: [.apt(["libp11-kit-dev"])]),
        .target(name: "CofferPKCS11", dependencies: ["CPKCS11", "CofferClient", "CofferProtocol"]),
        .executableTarget(
            name: "cofferd",
            dependencies: [
                "CofferServer", "CofferStoreSQLite", "CofferState", "CofferCrypto",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // `coffer bench` loads any PKCS#11 module through the CPKCS11 header (it never links CofferPKCS11).
        .executableTarget(
            name: "coffer",
            dependencies: [
                "CofferClient", "CofferProtocol", "CPKCS11",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // Test support: writes to a SQLite store and reports each acknowledged write,
        // so that the crash test can kill -9 it mid-burst.
        .executableTarget(name: "coffer-crashwriter", dependencies: ["CofferStoreSQLite", "CofferState"]),

        .testTarget(name: "CofferCryptoTests", dependencies: ["CofferCrypto"]),
        .testTarget(name: "CofferModelTests", dependencies: ["CofferModel"]),
        .testTarget(
            name: "CofferStateTests",
            dependencies: ["CofferState", "CofferStoreMemory", "CofferStoreSQLite"]
        ),
        .testTarget(
            name: "CofferStoreTests",
            dependencies: ["CofferState", "CofferStoreMemory", "CofferStoreSQLite", "coffer-crashwriter"]
        ),
        // Test support shared by the targets that start real cofferd processes.
        .target(name: "CofferTestSupport", path: "Tests/CofferTestSupport"),
        .testTarget(
            name: "CofferServerTests",
            dependencies: [
                "CofferServer", "CofferClient", "CofferProtocol", "CofferStoreMemory", "cofferd", "coffer",
                "CofferTestSupport",
                .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),
        // Depends on CofferPKCS11 so that `swift build --build-tests` builds libcoffer-pkcs11.so; the
        // C test program under C/ is compiled at test time, not by SwiftPM.
        .testTarget(
            name: "CofferPKCS11Tests", dependencies: ["CofferPKCS11", "cofferd", "coffer", "CofferTestSupport"], exclude: ["C", "Java"]),
    ]
)
