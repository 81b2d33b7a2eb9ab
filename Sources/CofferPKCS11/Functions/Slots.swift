// Slot and token management (PKCS#11 2.40 section 5.5): one slot (ID 0) per configured cluster,
// whose token is the cluster; mechanisms come from the node.
import CPKCS11
import CofferClient
import CofferProtocol

/// CKR_SLOT_ID_INVALID unless `slot` is the one slot.
private func requireSlot(_ slot: CK_SLOT_ID) throws(CKRError) {
    try Library.shared.read { _ in }
    guard slot == LibraryIdentity.slot else { throw CKRError(CK_RV(CKR_SLOT_ID_INVALID)) }
}

/// C_GetSlotList: the one slot, whether or not only slots with tokens are asked for.
@_cdecl("C_GetSlotList")
public func cGetSlotList(
    _ tokenPresent: CK_BBOOL, _ slots: UnsafeMutablePointer<CK_SLOT_ID>?, _ count: UnsafeMutablePointer<CK_ULONG>?
) -> CK_RV {
    returnCode { () throws(CKRError) in
        try Library.shared.read { _ in }
        try OutputBuffer.write([LibraryIdentity.slot], to: slots, count: try required(count))
    }
}

/// C_GetSlotInfo.
@_cdecl("C_GetSlotInfo")
public func cGetSlotInfo(_ slot: CK_SLOT_ID, _ info: UnsafeMutablePointer<CK_SLOT_INFO>?) -> CK_RV {
    returnCode { () throws(CKRError) in
        try requireSlot(slot)
        let info = try required(info)
        let cluster = try Library.shared.read { $0.clusterName }
        info.pointee = CK_SLOT_INFO()
        PaddedText.write("Coffer cluster \(cluster)", into: &info.pointee.slotDescription)
        PaddedText.write(LibraryIdentity.manufacturer, into: &info.pointee.manufacturerID)
        info.pointee.flags = CK_FLAGS(CKF_TOKEN_PRESENT)
        info.pointee.hardwareVersion = LibraryIdentity.version
        info.pointee.firmwareVersion = LibraryIdentity.version
    }
}

/// C_GetTokenInfo: the label is the cluster name.
@_cdecl("C_GetTokenInfo")
public func cGetTokenInfo(_ slot: CK_SLOT_ID, _ info: UnsafeMutablePointer<CK_TOKEN_INFO>?) -> CK_RV {
    returnCode { () throws(CKRError) in
        try requireSlot(slot)
        let info = try required(info)
        let state = try Library.shared.read { $0 }
        info.pointee = CK_TOKEN_INFO()
        PaddedText.write(state.clusterName, into: &info.pointee.label)
        PaddedText.write(LibraryIdentity.manufacturer, into: &info.pointee.manufacturerID)
        PaddedText.write("Coffer HSM", into: &info.pointee.model)
        PaddedText.write(serialNumber(of: state.clusterName), into: &info.pointee.serialNumber)
        info.pointee.flags = CK_FLAGS(CKF_RNG | CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED)
        info.pointee.ulMaxSessionCount = CK_ULONG(CK_EFFECTIVELY_INFINITE)
        info.pointee.ulSessionCount = CK_ULONG(state.sessions.count)
        info.pointee.ulMaxRwSessionCount = CK_ULONG(CK_EFFECTIVELY_INFINITE)
        info.pointee.ulRwSessionCount = CK_ULONG(state.sessions.values.filter(\.readWrite).count)
        info.pointee.ulMaxPinLen = CK_ULONG(Limits.pin)
        info.pointee.ulMinPinLen = 3
        info.pointee.ulTotalPublicMemory = unavailableInformation
        info.pointee.ulFreePublicMemory = unavailableInformation
        info.pointee.ulTotalPrivateMemory = unavailableInformation
        info.pointee.ulFreePrivateMemory = unavailableInformation
        info.pointee.hardwareVersion = LibraryIdentity.version
        info.pointee.firmwareVersion = LibraryIdentity.version
    }
}

/// A stable serial number for a cluster: its name's FNV-1a hash, in hex.
private func serialNumber(of cluster: String) -> String {
    var hash: UInt32 = 2_166_136_261
    for byte in cluster.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
    return String(hash, radix: 16)
}

/// The node's mechanisms, fetched once per C_Initialize, and the library's own key attestation.
private func mechanisms() throws(CKRError) -> [Coffer_V1_MechanismInfo] {
    if let cached = try Library.shared.read({ $0.mechanisms }) { return cached }
    let fetched = try Library.shared.call { (client: CofferClient) async throws(CofferClientError) in
        try await client.listMechanisms()
    } + [KeyAttestation.info]
    try Library.shared.change { $0.mechanisms = fetched }
    return fetched
}

/// C_GetMechanismList.
@_cdecl("C_GetMechanismList")
public func cGetMechanismList(
    _ slot: CK_SLOT_ID, _ list: UnsafeMutablePointer<CK_MECHANISM_TYPE>?, _ count: UnsafeMutablePointer<CK_ULONG>?
) -> CK_RV {
    returnCode { () throws(CKRError) in
        try requireSlot(slot)
        let count = try required(count)
        try OutputBuffer.write(try mechanisms().map { CK_MECHANISM_TYPE($0.type) }, to: list, count: count)
    }
}

/// C_GetMechanismInfo: key sizes and flags as the node reports them.
@_cdecl("C_GetMechanismInfo")
public func cGetMechanismInfo(
    _ slot: CK_SLOT_ID, _ type: CK_MECHANISM_TYPE, _ info: UnsafeMutablePointer<CK_MECHANISM_INFO>?
) -> CK_RV {
    returnCode { () throws(CKRError) in
        try requireSlot(slot)
        let info = try required(info)
        guard let found = try mechanisms().first(where: { $0.type == UInt64(type) }) else {
            throw CKRError(CK_RV(CKR_MECHANISM_INVALID))
        }
        info.pointee = CK_MECHANISM_INFO(
            ulMinKeySize: CK_ULONG(found.minKeySize), ulMaxKeySize: CK_ULONG(found.maxKeySize), flags: CK_FLAGS(found.flags))
    }
}

/// C_WaitForSlotEvent: the one slot never changes.
@_cdecl("C_WaitForSlotEvent")
public func cWaitForSlotEvent(_ flags: CK_FLAGS, _ slot: UnsafeMutablePointer<CK_SLOT_ID>?, _ reserved: UnsafeMutableRawPointer?) -> CK_RV {
    returnCode { () throws(CKRError) in
        try Library.shared.read { _ in }
        throw CKRError(CK_RV(CKR_FUNCTION_NOT_SUPPORTED))
    }
}

/// C_InitToken: a cluster is initialized with `coffer cluster init`, not through PKCS#11.
@_cdecl("C_InitToken")
public func cInitToken(
    _ slot: CK_SLOT_ID, _ pin: UnsafeMutablePointer<CK_UTF8CHAR>?, _ pinLength: CK_ULONG, _ label: UnsafeMutablePointer<CK_UTF8CHAR>?
) -> CK_RV {
    CK_RV(CKR_FUNCTION_NOT_SUPPORTED)
}
