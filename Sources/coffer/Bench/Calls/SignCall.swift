// C_SignInit + C_Sign over a fixed message: the RSA, ECDSA, EdDSA and ML-DSA signing benchmarks.

import CPKCS11

/// Signs `message` with `key`.
final class SignCall: BenchCall {
    private let module: PKCS11Module
    private let session: CK_SESSION_HANDLE
    private let mechanism: BenchMechanism
    private let key: CK_OBJECT_HANDLE
    private let message: UnsafeMutableBufferPointer<UInt8>
    private let signature: UnsafeMutableBufferPointer<UInt8>

    /// Room for the largest signature measured (ML-DSA-87 is 4,627 bytes).
    static let signatureCapacity = 8192

    init(module: PKCS11Module, session: CK_SESSION_HANDLE, mechanism: BenchMechanism, key: CK_OBJECT_HANDLE, message: [UInt8]) {
        self.module = module
        self.session = session
        self.mechanism = mechanism
        self.key = key
        self.message = .allocate(capacity: message.count)
        _ = self.message.initialize(from: message)
        signature = .allocate(capacity: Self.signatureCapacity)
        signature.initialize(repeating: 0)
    }

    deinit {
        message.deallocate()
        signature.deallocate()
    }

    func run() throws(PKCS11Error) {
        _ = try sign()
    }

    /// Signs once and returns the signature (used to prepare the verify benchmark).
    func sign() throws(PKCS11Error) -> [UInt8] {
        let length = try module.sign(
            session, mechanism.pointer, key: key, data: message.baseAddress!, length: message.count,
            output: signature.baseAddress!, capacity: signature.count)
        return Array(signature.prefix(length))
    }
}
