// General-purpose functions (PKCS#11 2.40 section 5.4): initialize, finalize, library info, the
// function list, the 3.0 interface functions, and the legacy parallel-function stubs.
import CPKCS11
import CofferClient

/// C_Initialize: NULL or CK_C_INITIALIZE_ARGS; the library locks with OS primitives only.
@_cdecl("C_Initialize")
public func cInitialize(_ initArgs: UnsafeMutableRawPointer?) -> CK_RV {
    returnCode { () throws(CKRError) in
        if let arguments = initArgs?.loadUnaligned(as: CK_C_INITIALIZE_ARGS.self) {
            guard arguments.pReserved == nil else { throw CKRError(CK_RV(CKR_ARGUMENTS_BAD)) }
            let callbacks = [
                arguments.CreateMutex != nil, arguments.DestroyMutex != nil,
                arguments.LockMutex != nil, arguments.UnlockMutex != nil,
            ]
            // Section 5.4, C_Initialize: the four callbacks come all or none.
            guard Set(callbacks).count == 1 else { throw CKRError(CK_RV(CKR_ARGUMENTS_BAD)) }
            if callbacks[0] && arguments.flags & CK_FLAGS(CKF_OS_LOCKING_OK) == 0 {
                throw CKRError(CK_RV(CKR_CANT_LOCK))
            }
            if arguments.flags & CK_FLAGS(CKF_LIBRARY_CANT_CREATE_OS_THREADS) != 0 {
                throw CKRError(CK_RV(CKR_NEED_TO_CREATE_THREADS))
            }
        }
        try Library.shared.initialize()
    }
}

/// C_Finalize: pReserved must be NULL.
@_cdecl("C_Finalize")
public func cFinalize(_ reserved: UnsafeMutableRawPointer?) -> CK_RV {
    returnCode { () throws(CKRError) in
        guard reserved == nil else { throw CKRError(CK_RV(CKR_ARGUMENTS_BAD)) }
        try Library.shared.finalize()
    }
}

/// C_GetInfo.
@_cdecl("C_GetInfo")
public func cGetInfo(_ info: UnsafeMutablePointer<CK_INFO>?) -> CK_RV {
    getInfo(info, version: (2, 40))
}

/// C_GetInfo through a function list of `version`: cryptokiVersion is the list's.
func getInfo(_ info: UnsafeMutablePointer<CK_INFO>?, version: (major: CK_BYTE, minor: CK_BYTE)) -> CK_RV {
    returnCode { () throws(CKRError) in
        try Library.shared.read { _ in }
        let info = try required(info)
        info.pointee = CK_INFO()
        info.pointee.cryptokiVersion = CK_VERSION(major: version.major, minor: version.minor)
        PaddedText.write(LibraryIdentity.manufacturer, into: &info.pointee.manufacturerID)
        PaddedText.write("Coffer PKCS#11 library", into: &info.pointee.libraryDescription)
        info.pointee.libraryVersion = LibraryIdentity.version
    }
}

/// C_GetFunctionList: works before C_Initialize, as the specification requires.
@_cdecl("C_GetFunctionList")
public func cGetFunctionList(_ list: UnsafeMutablePointer<UnsafeMutablePointer<CK_FUNCTION_LIST>?>?) -> CK_RV {
    returnCode { () throws(CKRError) in
        try required(list).pointee = FunctionList.pointer
    }
}

/// C_GetInterfaceList (PKCS#11 3.0): "PKCS 11" at 2.40 (the default), 3.0 and 3.2.
@_cdecl("C_GetInterfaceList")
public func cGetInterfaceList(_ list: UnsafeMutablePointer<CK_INTERFACE>?, _ count: UnsafeMutablePointer<CK_ULONG>?) -> CK_RV {
    returnCode { () throws(CKRError) in
        let all = (0..<FunctionList.interfaceCount).map { FunctionList.interfaces[$0] }
        try OutputBuffer.write(all, to: list, count: try required(count))
    }
}

/// C_GetInterface (PKCS#11 3.0): "PKCS 11" (or NULL) at 2.40, 3.0 or 3.2; no version is 2.40, so
/// an application that asks for none keeps the 2.40 list (and never meets a 3.x function Coffer
/// answers with CKR_FUNCTION_NOT_SUPPORTED).
@_cdecl("C_GetInterface")
public func cGetInterface(
    _ name: UnsafeMutablePointer<CK_UTF8CHAR>?, _ version: UnsafeMutablePointer<CK_VERSION>?,
    _ interface: UnsafeMutablePointer<UnsafeMutablePointer<CK_INTERFACE>?>?, _ flags: CK_FLAGS
) -> CK_RV {
    returnCode { () throws(CKRError) in
        let interface = try required(interface)
        if let name, String(cString: name) != "PKCS 11" { throw CKRError(CK_RV(CKR_ARGUMENTS_BAD)) }
        guard let found = FunctionList.interface(version: version?.pointee) else { throw CKRError(CK_RV(CKR_ARGUMENTS_BAD)) }
        guard flags & ~found.pointee.flags == 0 else { throw CKRError(CK_RV(CKR_ARGUMENTS_BAD)) }
        interface.pointee = found
    }
}

/// C_GetFunctionStatus: a legacy function; section 5.20 says it returns CKR_FUNCTION_NOT_PARALLEL.
@_cdecl("C_GetFunctionStatus")
public func cGetFunctionStatus(_ session: CK_SESSION_HANDLE) -> CK_RV {
    returnCode { () throws(CKRError) in
        _ = try Library.shared.session(session)
        throw CKRError(CK_RV(CKR_FUNCTION_NOT_PARALLEL))
    }
}

/// C_CancelFunction: a legacy function; section 5.20 says it returns CKR_FUNCTION_NOT_PARALLEL.
@_cdecl("C_CancelFunction")
public func cCancelFunction(_ session: CK_SESSION_HANDLE) -> CK_RV {
    returnCode { () throws(CKRError) in
        _ = try Library.shared.session(session)
        throw CKRError(CK_RV(CKR_FUNCTION_NOT_PARALLEL))
    }
}
