// p11-kit's PKCS#11 2.40 header plus the few PKCS#11 3.0 interface types it lacks.
// Included by path (p11-kit-1/ under /usr/include) so the library never links libp11-kit.
#ifndef COFFER_CPKCS11_SHIM_H
#define COFFER_CPKCS11_SHIM_H

#include <p11-kit-1/p11-kit/pkcs11.h>

// PKCS#11 3.0 section 3.6: an interface names a function list. Coffer offers "PKCS 11" with its
// 2.40 function list (the list's version field says 2.40).
typedef struct CK_INTERFACE {
    CK_UTF8CHAR *pInterfaceName;
    CK_VOID_PTR pFunctionList;
    CK_FLAGS flags;
} CK_INTERFACE;

typedef CK_INTERFACE *CK_INTERFACE_PTR;
typedef CK_INTERFACE_PTR *CK_INTERFACE_PTR_PTR;

// PKCS#11 3.0 section 2.14 (CKM_EDDSA) and 3.0 section 6.58 (HKDF): parameter structures p11-kit's
// 2.40 header lacks, laid out as the 3.0 header declares them.
typedef struct CK_EDDSA_PARAMS {
    CK_BBOOL phFlag;
    CK_ULONG ulContextDataLen;
    CK_BYTE_PTR pContextData;
} CK_EDDSA_PARAMS;

typedef struct CK_HKDF_PARAMS {
    CK_BBOOL bExtract;
    CK_BBOOL bExpand;
    CK_MECHANISM_TYPE prfHashMechanism;
    CK_ULONG ulSaltType;
    CK_BYTE_PTR pSalt;
    CK_ULONG ulSaltLen;
    CK_OBJECT_HANDLE hSaltKey;
    CK_BYTE_PTR pInfo;
    CK_ULONG ulInfoLen;
} CK_HKDF_PARAMS;

#define CKM_HKDF_DERIVE 0x0000402aUL
#define CKM_HKDF_DATA 0x0000402bUL
#define CKF_HKDF_SALT_NULL 0x00000001UL
#define CKF_HKDF_SALT_DATA 0x00000002UL
#define CKF_HKDF_SALT_KEY 0x00000004UL

// dladdr() without _GNU_SOURCE (which Swift's Glibc module is built without): the library finds
// its own file to pin itself in memory (see Library.pinned).
typedef struct {
    const char *dli_fname;
    void *dli_fbase;
    const char *dli_sname;
    void *dli_saddr;
} CofferDlInfo;
int coffer_dladdr(const void *address, CofferDlInfo *info) __asm__("dladdr");

// PKCS#11 3.2 section 6.67 (ML-DSA): the signature parameters, laid out as the 3.2 header declares them.
typedef CK_ULONG CK_HEDGE_TYPE;
#define CKH_HEDGE_PREFERRED 0x00000000UL
#define CKH_HEDGE_REQUIRED 0x00000001UL
#define CKH_DETERMINISTIC_REQUIRED 0x00000002UL

typedef struct CK_SIGN_ADDITIONAL_CONTEXT {
    CK_HEDGE_TYPE hedgeVariant;
    CK_BYTE_PTR pContext;
    CK_ULONG ulContextLen;
} CK_SIGN_ADDITIONAL_CONTEXT;

#endif
