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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
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
    ]
)
