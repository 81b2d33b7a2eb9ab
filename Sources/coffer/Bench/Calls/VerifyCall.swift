// C_VerifyInit + C_Verify of a signature made once before the run: the verify benchmark.

import CPKCS11

/// Verifies `signature` over `message` with the public `key`.
final class VerifyCall: BenchCall {
    private let module: PKCS11Module
    private let session: CK_SESSION_HANDLE
    private let mechanism: BenchMechanism
    private let key: CK_OBJECT_HANDLE
    private let message: UnsafeMutableBufferPointer<UInt8>
    private let signature: UnsafeMutableBufferPointer<UInt8>

    init(
        module: PKCS11Module, session: CK_SESSION_HANDLE, mechanism: BenchMechanism, key: CK_OBJECT_HANDLE, message: [UInt8],
        signature: [UInt8]
    ) {
        self.module = module
        self.session = session
        self.mechanism = mechanism
        self.key = key
        self.message = .allocate(capacity: message.count)
        _ = self.message.initialize(from: message)
        self.signature = .allocate(capacity: signature.count)
        _ = self.signature.initialize(from: signature)
    }

    deinit {
        message.deallocate()
        signature.deallocate()
    }

    func run() throws(PKCS11Error) {
        try module.verify(
            session, mechanism.pointer, key: key, data: message.baseAddress!, length: message.count,
            signature: signature.baseAddress!, signatureLength: signature.count)
    }
}
