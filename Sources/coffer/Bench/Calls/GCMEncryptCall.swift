// C_EncryptInit + C_Encrypt with CKM_AES_GCM of a fixed plaintext, with a fresh 12-byte IV per call
// (thread number and call counter, so no IV repeats under one key within a run).

import CPKCS11

/// AES-GCM encryption of `plaintext` under `key`.
final class GCMEncryptCall: BenchCall {
    private let module: PKCS11Module
    private let session: CK_SESSION_HANDLE
    private let key: CK_OBJECT_HANDLE
    private let mechanism: UnsafeMutablePointer<CK_MECHANISM>
    private let parameters: UnsafeMutablePointer<CK_GCM_PARAMS>
    private let iv: UnsafeMutablePointer<UInt8>
    private let plaintext: UnsafeMutableBufferPointer<UInt8>
    private let ciphertext: UnsafeMutableBufferPointer<UInt8>
    private let thread: UInt32
    private var counter: UInt64

    init(module: PKCS11Module, session: CK_SESSION_HANDLE, key: CK_OBJECT_HANDLE, plaintextLength: Int, thread: Int) {
        self.module = module
        self.session = session
        self.key = key
        self.thread = UInt32(truncatingIfNeeded: thread)
        // A random start, so that reruns under the same token key do not reuse IVs either.
        counter = UInt64.random(in: 0...UInt64.max >> 8) << 8
        iv = .allocate(capacity: 12)
        iv.initialize(repeating: 0, count: 12)
        parameters = .allocate(capacity: 1)
        parameters.initialize(
            to: CK_GCM_PARAMS(pIv: iv, ulIvLen: 12, ulIvBits: 96, pAAD: nil, ulAADLen: 0, ulTagBits: 128))
        mechanism = .allocate(capacity: 1)
        mechanism.initialize(
            to: CK_MECHANISM(
                mechanism: CK_MECHANISM_TYPE(CKM_AES_GCM), pParameter: UnsafeMutableRawPointer(parameters),
                ulParameterLen: CK_ULONG(MemoryLayout<CK_GCM_PARAMS>.size)))
        plaintext = .allocate(capacity: plaintextLength)
        plaintext.initialize(repeating: 0xA5)
        ciphertext = .allocate(capacity: plaintextLength + 16)
        ciphertext.initialize(repeating: 0)
    }

    deinit {
        mechanism.deallocate()
        parameters.deallocate()
        iv.deallocate()
        plaintext.deallocate()
        ciphertext.deallocate()
    }

    func run() throws(PKCS11Error) {
        counter &+= 1
        // storeBytes allows unaligned stores (SE-0349).
        let raw = UnsafeMutableRawPointer(iv)
        raw.storeBytes(of: thread.bigEndian, as: UInt32.self)
        raw.storeBytes(of: counter.bigEndian, toByteOffset: 4, as: UInt64.self)
        let length = try module.encrypt(
            session, mechanism, key: key, data: plaintext.baseAddress!, length: plaintext.count,
            output: ciphertext.baseAddress!, capacity: ciphertext.count)
        guard length == plaintext.count + 16 else {
            throw PKCS11Error("C_Encrypt", CK_RV(CKR_OK), detail: "\(length) bytes of ciphertext for \(plaintext.count)")
        }
    }
}
