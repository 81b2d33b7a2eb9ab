/* Argument and error-code checks for libcoffer-pkcs11.so from a plain C host: dlopen, the
 * function list, NULL pointers, initialization state, unknown handles, the two-call convention,
 * key checks at C_*Init, mechanism parameters, and wrap, unwrap and derive.
 * Usage: arguments <library.so> <user:password>   (COFFER_PKCS11_CONF names the configuration)
 * Prints one line per failed check and exits 1 if any failed. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
/* The library's own header: p11-kit's 2.40 pkcs11.h plus the 3.0 structures it lacks (CK_HKDF_PARAMS). */
#include "../../../Sources/CPKCS11/shim.h"
#include "check.h"

static CK_RV dummy_create(void **mutex) { (void)mutex; return CKR_OK; }

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS secret_class = CKO_SECRET_KEY;
static CK_KEY_TYPE aes_type = CKK_AES, generic_type = CKK_GENERIC_SECRET;

/* A session AES key of `bytes` bytes with the given permissions. */
static CK_RV aes_key(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE session, CK_ULONG bytes, CK_BBOOL *extractable,
                     CK_BBOOL *encrypt, CK_OBJECT_HANDLE *key) {
    CK_ATTRIBUTE template[] = {
        {CKA_TOKEN, &no, 1}, {CKA_VALUE_LEN, &bytes, sizeof bytes}, {CKA_EXTRACTABLE, extractable, 1},
        {CKA_ENCRYPT, encrypt, 1}, {CKA_DECRYPT, &yes, 1}, {CKA_WRAP, &yes, 1}, {CKA_UNWRAP, &yes, 1},
    };
    CK_MECHANISM generate = {CKM_AES_KEY_GEN, NULL, 0};
    return f->C_GenerateKey(session, &generate, template, 7, key);
}

/* Wrap, unwrap, derive, Init-time key checks and mechanism parameters (the session is logged in). */
static void key_management(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE session) {
    CK_OBJECT_HANDLE kek = 0, payload = 0, locked = 0, unwrapped = 0, derived = 0, base = 0;
    EXPECT(aes_key(f, session, 32, &no, &yes, &kek), CKR_OK);
    EXPECT(aes_key(f, session, 16, &yes, &yes, &payload), CKR_OK);
    EXPECT(aes_key(f, session, 16, &no, &no, &locked), CKR_OK);

    /* Init-time checks: the key must be able to do the operation with the mechanism. */
    CK_BYTE iv[16] = {0};
    CK_MECHANISM cbc = {CKM_AES_CBC_PAD, iv, sizeof iv};
    CK_BYTE out[512];
    CK_ULONG length = sizeof out;
    EXPECT(f->C_SignInit(session, &(CK_MECHANISM){CKM_ECDSA, NULL, 0}, kek), CKR_KEY_TYPE_INCONSISTENT);
    EXPECT(f->C_Sign(session, out, 4, out, &length), CKR_OPERATION_NOT_INITIALIZED);
    EXPECT(f->C_EncryptInit(session, &cbc, locked), CKR_KEY_FUNCTION_NOT_PERMITTED);
    EXPECT(f->C_EncryptInit(session, &cbc, 0x7fffff00UL), CKR_KEY_HANDLE_INVALID);
    EXPECT(f->C_EncryptInit(session, &cbc, 0), CKR_KEY_HANDLE_INVALID);
    EXPECT(f->C_EncryptInit(session, &(CK_MECHANISM){0x80000123UL, NULL, 0}, payload), CKR_MECHANISM_INVALID);
    EXPECT(f->C_DigestInit(session, &(CK_MECHANISM){0x80000123UL, NULL, 0}), CKR_MECHANISM_INVALID);
    EXPECT(f->C_DecryptInit(session, &cbc, locked), CKR_OK);
    length = sizeof out;
    EXPECT(f->C_Decrypt(session, out, 16, out, &length), CKR_ENCRYPTED_DATA_INVALID);
    /* An operation this library ended on a bad argument can start again at once. */
    EXPECT(f->C_EncryptInit(session, &cbc, payload), CKR_OK);
    EXPECT(f->C_Encrypt(session, (CK_BYTE_PTR)"abc", 3, out, NULL), CKR_ARGUMENTS_BAD);
    EXPECT(f->C_EncryptInit(session, &cbc, payload), CKR_OK);
    length = sizeof out;
    EXPECT(f->C_Encrypt(session, (CK_BYTE_PTR)"sixteen byte msg", 16, out, &length), CKR_OK);
    CHECK(length == 32);
    CK_BYTE ciphertext[32];
    memcpy(ciphertext, out, sizeof ciphertext);

    /* C_WrapKey: arguments, parameters, the two-call convention, CKA_EXTRACTABLE. */
    CK_MECHANISM wrap = {CKM_AES_KEY_WRAP, NULL, 0};
    CK_BYTE wrapped[64];
    CK_ULONG wrapped_length = 0;
    EXPECT(f->C_WrapKey(session, NULL, kek, payload, NULL, &wrapped_length), CKR_ARGUMENTS_BAD);
    EXPECT(f->C_WrapKey(session, &wrap, kek, payload, wrapped, NULL), CKR_ARGUMENTS_BAD);
    EXPECT(f->C_WrapKey(424242, &wrap, kek, payload, NULL, &wrapped_length), CKR_SESSION_HANDLE_INVALID);
    EXPECT(f->C_WrapKey(session, &wrap, 0, payload, NULL, &wrapped_length), CKR_WRAPPING_KEY_HANDLE_INVALID);
    EXPECT(f->C_WrapKey(session, &wrap, kek, 0, NULL, &wrapped_length), CKR_KEY_HANDLE_INVALID);
    EXPECT(f->C_WrapKey(session, &(CK_MECHANISM){CKM_AES_KEY_WRAP, iv, 5}, kek, payload, NULL, &wrapped_length),
           CKR_MECHANISM_PARAM_INVALID);
    EXPECT(f->C_WrapKey(session, &(CK_MECHANISM){CKM_AES_KEY_WRAP, NULL, 8}, kek, payload, NULL, &wrapped_length),
           CKR_ARGUMENTS_BAD);
    EXPECT(f->C_WrapKey(session, &wrap, kek, locked, NULL, &wrapped_length), CKR_KEY_UNEXTRACTABLE);
    EXPECT(f->C_WrapKey(session, &wrap, kek, kek, NULL, &wrapped_length), CKR_KEY_UNEXTRACTABLE);
    wrapped_length = 0;
    EXPECT(f->C_WrapKey(session, &wrap, kek, payload, NULL, &wrapped_length), CKR_OK);
    CHECK(wrapped_length == 24);
    wrapped_length = 8;
    EXPECT(f->C_WrapKey(session, &wrap, kek, payload, wrapped, &wrapped_length), CKR_BUFFER_TOO_SMALL);
    CHECK(wrapped_length == 24);
    wrapped_length = sizeof wrapped;
    EXPECT(f->C_WrapKey(session, &wrap, kek, payload, wrapped, &wrapped_length), CKR_OK);
    CHECK(wrapped_length == 24);
    /* The default IV given explicitly wraps to the same bytes. */
    CK_BYTE default_iv[8] = {0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6};
    CK_BYTE again[64];
    CK_ULONG again_length = sizeof again;
    EXPECT(f->C_WrapKey(session, &(CK_MECHANISM){CKM_AES_KEY_WRAP, default_iv, 8}, kek, payload, again, &again_length), CKR_OK);
    CHECK(again_length == 24 && memcmp(again, wrapped, 24) == 0);

    /* C_UnwrapKey: the unwrapped key decrypts what the original encrypted. */
    CK_ATTRIBUTE unwrap_template[] = {
        {CKA_CLASS, &secret_class, sizeof secret_class}, {CKA_KEY_TYPE, &aes_type, sizeof aes_type},
        {CKA_TOKEN, &no, 1}, {CKA_DECRYPT, &yes, 1},
    };
    EXPECT(f->C_UnwrapKey(session, &wrap, kek, NULL, 24, unwrap_template, 4, &unwrapped), CKR_ARGUMENTS_BAD);
    EXPECT(f->C_UnwrapKey(session, &wrap, kek, wrapped, 24, unwrap_template, 4, NULL), CKR_ARGUMENTS_BAD);
    EXPECT(f->C_UnwrapKey(session, &wrap, kek, wrapped, 24, NULL, 4, &unwrapped), CKR_ARGUMENTS_BAD);
    EXPECT(f->C_UnwrapKey(session, &wrap, 0, wrapped, 24, unwrap_template, 4, &unwrapped), CKR_UNWRAPPING_KEY_HANDLE_INVALID);
    wrapped[3] ^= 1;
    EXPECT(f->C_UnwrapKey(session, &wrap, kek, wrapped, 24, unwrap_template, 4, &unwrapped), CKR_WRAPPED_KEY_INVALID);
    wrapped[3] ^= 1;
    EXPECT(f->C_UnwrapKey(session, &wrap, kek, wrapped, 24, unwrap_template, 4, &unwrapped), CKR_OK);
    EXPECT(f->C_DecryptInit(session, &cbc, unwrapped), CKR_OK);
    length = sizeof out;
    EXPECT(f->C_Decrypt(session, ciphertext, sizeof ciphertext, out, &length), CKR_OK);
    CHECK(length == 16 && memcmp(out, "sixteen byte msg", 16) == 0);

    /* C_DeriveKey with HKDF: RFC 5869 test case 1 (SHA-256, 42 bytes). */
    CK_BYTE ikm[22];
    memset(ikm, 0x0b, sizeof ikm);
    CK_BYTE salt[13], info[10];
    for (int i = 0; i < 13; i++) salt[i] = (CK_BYTE)i;
    for (int i = 0; i < 10; i++) info[i] = (CK_BYTE)(0xf0 + i);
    static const CK_BYTE okm[42] = {
        0x3c, 0xb2, 0x5f, 0x25, 0xfa, 0xac, 0xd5, 0x7a, 0x90, 0x43, 0x4f, 0x64, 0xd0, 0x36, 0x2f, 0x2a, 0x2d, 0x2d, 0x0a, 0x90, 0xcf,
        0x1a, 0x5a, 0x4c, 0x5d, 0xb0, 0x2d, 0x56, 0xec, 0xc4, 0xc5, 0xbf, 0x34, 0x00, 0x72, 0x08, 0xd5, 0xb8, 0x87, 0x18, 0x58, 0x65};
    CK_ATTRIBUTE base_template[] = {
        {CKA_CLASS, &secret_class, sizeof secret_class}, {CKA_KEY_TYPE, &generic_type, sizeof generic_type},
        {CKA_TOKEN, &no, 1}, {CKA_DERIVE, &yes, 1}, {CKA_VALUE, ikm, sizeof ikm},
    };
    EXPECT(f->C_CreateObject(session, base_template, 5, &base), CKR_OK);
    CK_ULONG okm_length = sizeof okm;
    CK_ATTRIBUTE derived_template[] = {
        {CKA_CLASS, &secret_class, sizeof secret_class}, {CKA_KEY_TYPE, &generic_type, sizeof generic_type},
        {CKA_TOKEN, &no, 1}, {CKA_VALUE_LEN, &okm_length, sizeof okm_length}, {CKA_SENSITIVE, &no, 1},
        {CKA_EXTRACTABLE, &yes, 1},
    };
    CK_HKDF_PARAMS hkdf = {CK_TRUE, CK_TRUE, CKM_SHA256, CKF_HKDF_SALT_DATA, salt, sizeof salt, 0, info, sizeof info};
    CK_MECHANISM derive = {CKM_HKDF_DERIVE, &hkdf, sizeof hkdf};
    EXPECT(f->C_DeriveKey(session, &derive, base, derived_template, 6, NULL), CKR_ARGUMENTS_BAD);
    EXPECT(f->C_DeriveKey(session, NULL, base, derived_template, 6, &derived), CKR_ARGUMENTS_BAD);
    EXPECT(f->C_DeriveKey(session, &(CK_MECHANISM){CKM_HKDF_DERIVE, &hkdf, sizeof hkdf - 8}, base, derived_template, 6, &derived),
           CKR_MECHANISM_PARAM_INVALID);
    EXPECT(f->C_DeriveKey(session, &(CK_MECHANISM){CKM_HKDF_DERIVE, NULL, sizeof hkdf}, base, derived_template, 6, &derived),
           CKR_ARGUMENTS_BAD);
    EXPECT(f->C_DeriveKey(session, &(CK_MECHANISM){CKM_HKDF_DERIVE, NULL, 0}, base, derived_template, 6, &derived),
           CKR_MECHANISM_PARAM_INVALID);
    CK_HKDF_PARAMS bad = hkdf;
    bad.bExtract = bad.bExpand = CK_FALSE;
    EXPECT(f->C_DeriveKey(session, &(CK_MECHANISM){CKM_HKDF_DERIVE, &bad, sizeof bad}, base, derived_template, 6, &derived),
           CKR_MECHANISM_PARAM_INVALID);
    bad = hkdf;
    bad.ulSaltType = CKF_HKDF_SALT_KEY;
    EXPECT(f->C_DeriveKey(session, &(CK_MECHANISM){CKM_HKDF_DERIVE, &bad, sizeof bad}, base, derived_template, 6, &derived),
           CKR_MECHANISM_PARAM_INVALID);
    bad = hkdf;
    bad.pSalt = NULL;
    EXPECT(f->C_DeriveKey(session, &(CK_MECHANISM){CKM_HKDF_DERIVE, &bad, sizeof bad}, base, derived_template, 6, &derived),
           CKR_ARGUMENTS_BAD);
    EXPECT(f->C_DeriveKey(session, &derive, 0, derived_template, 6, &derived), CKR_KEY_HANDLE_INVALID);
    EXPECT(f->C_DeriveKey(session, &derive, payload, derived_template, 6, &derived), CKR_KEY_TYPE_INCONSISTENT);
    EXPECT(f->C_DeriveKey(session, &derive, base, derived_template, 6, &derived), CKR_OK);
    CK_BYTE value[64];
    CK_ATTRIBUTE read = {CKA_VALUE, value, sizeof value};
    EXPECT(f->C_GetAttributeValue(session, derived, &read, 1), CKR_OK);
    CHECK(read.ulValueLen == 42 && memcmp(value, okm, 42) == 0);

    /* Parameters of OAEP, CTR and ECDH: lengths, sources and inner pointers. */
    CK_RSA_PKCS_OAEP_PARAMS oaep = {CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 0};
    CK_RSA_PKCS_OAEP_PARAMS oaep_bad = oaep;
    oaep_bad.source = 7;
    EXPECT(f->C_EncryptInit(session, &(CK_MECHANISM){CKM_RSA_PKCS_OAEP, &oaep_bad, sizeof oaep_bad}, payload), CKR_MECHANISM_PARAM_INVALID);
    oaep_bad = oaep;
    oaep_bad.ulSourceDataLen = 3;
    EXPECT(f->C_EncryptInit(session, &(CK_MECHANISM){CKM_RSA_PKCS_OAEP, &oaep_bad, sizeof oaep_bad}, payload), CKR_ARGUMENTS_BAD);
    EXPECT(f->C_EncryptInit(session, &(CK_MECHANISM){CKM_RSA_PKCS_OAEP, &oaep, sizeof oaep}, payload), CKR_KEY_TYPE_INCONSISTENT);
    CK_AES_CTR_PARAMS ctr = {0, {0}};
    EXPECT(f->C_EncryptInit(session, &(CK_MECHANISM){CKM_AES_CTR, &ctr, sizeof ctr}, payload), CKR_MECHANISM_PARAM_INVALID);
    EXPECT(f->C_EncryptInit(session, &(CK_MECHANISM){CKM_AES_CTR, &ctr, sizeof ctr - 1}, payload), CKR_MECHANISM_PARAM_INVALID);
    ctr.ulCounterBits = 32;
    ctr.cb[15] = 1;
    EXPECT(f->C_EncryptInit(session, &(CK_MECHANISM){CKM_AES_CTR, &ctr, sizeof ctr}, payload), CKR_OK);
    length = sizeof out;
    EXPECT(f->C_Encrypt(session, (CK_BYTE_PTR)"counter mode", 12, out, &length), CKR_OK);
    CHECK(length == 12);
    EXPECT(f->C_DecryptInit(session, &(CK_MECHANISM){CKM_AES_CTR, &ctr, sizeof ctr}, unwrapped), CKR_OK);
    CK_ULONG plain_length = sizeof value;
    EXPECT(f->C_Decrypt(session, out, 12, value, &plain_length), CKR_OK);
    CHECK(plain_length == 12 && memcmp(value, "counter mode", 12) == 0);
    CK_ECDH1_DERIVE_PARAMS ecdh = {CKD_NULL, 0, NULL, 65, NULL};
    EXPECT(f->C_DeriveKey(session, &(CK_MECHANISM){CKM_ECDH1_DERIVE, &ecdh, sizeof ecdh - 8}, base, derived_template, 6, &derived),
           CKR_MECHANISM_PARAM_INVALID);
    EXPECT(f->C_DeriveKey(session, &(CK_MECHANISM){CKM_ECDH1_DERIVE, &ecdh, sizeof ecdh}, base, derived_template, 6, &derived),
           CKR_ARGUMENTS_BAD);
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: %s library user:password\n", argv[0]); return 2; }
    void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!library) { printf("FAIL dlopen: %s\n", dlerror()); return 1; }
    CK_C_GetFunctionList get_list = (CK_C_GetFunctionList)dlsym(library, "C_GetFunctionList");
    if (!get_list) { printf("FAIL no C_GetFunctionList\n"); return 1; }
    CK_FUNCTION_LIST_PTR f = NULL;
    EXPECT(get_list(NULL), CKR_ARGUMENTS_BAD);
    EXPECT(get_list(&f), CKR_OK);
    if (!f) { printf("FAIL no function list\n"); return 1; }
    CHECK(f->version.major == 2 && f->version.minor == 40);

    /* Before C_Initialize. */
    CK_INFO info;
    CK_ULONG count = 0;
    EXPECT(f->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
    EXPECT(f->C_GetSlotList(CK_FALSE, NULL, &count), CKR_CRYPTOKI_NOT_INITIALIZED);
    EXPECT(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &(CK_SESSION_HANDLE){0}), CKR_CRYPTOKI_NOT_INITIALIZED);
    EXPECT(f->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);

    /* C_Initialize arguments. */
    CK_C_INITIALIZE_ARGS args;
    memset(&args, 0, sizeof args);
    args.pReserved = &args;
    EXPECT(f->C_Initialize(&args), CKR_ARGUMENTS_BAD);
    memset(&args, 0, sizeof args);
    args.CreateMutex = dummy_create; /* the other three missing */
    EXPECT(f->C_Initialize(&args), CKR_ARGUMENTS_BAD);
    memset(&args, 0, sizeof args);
    args.flags = CKF_OS_LOCKING_OK;
    EXPECT(f->C_Initialize(&args), CKR_OK);
    EXPECT(f->C_Initialize(NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);
    EXPECT(f->C_Finalize(&args), CKR_ARGUMENTS_BAD);

    /* Info and slots, with the two-call convention. */
    EXPECT(f->C_GetInfo(NULL), CKR_ARGUMENTS_BAD);
    EXPECT(f->C_GetInfo(&info), CKR_OK);
    CHECK(info.cryptokiVersion.major == 2 && info.cryptokiVersion.minor == 40);
    CHECK(memcmp(info.manufacturerID, "Coffer  ", 8) == 0);
    EXPECT(f->C_GetSlotList(CK_FALSE, NULL, NULL), CKR_ARGUMENTS_BAD);
    EXPECT(f->C_GetSlotList(CK_TRUE, NULL, &count), CKR_OK);
    CHECK(count == 1);
    CK_SLOT_ID slots[4] = {99, 99, 99, 99};
    count = 0;
    EXPECT(f->C_GetSlotList(CK_TRUE, slots, &count), CKR_BUFFER_TOO_SMALL);
    CHECK(count == 1);
    count = 4;
    EXPECT(f->C_GetSlotList(CK_TRUE, slots, &count), CKR_OK);
    CHECK(count == 1 && slots[0] == 0);
    CK_SLOT_INFO slot_info;
    CK_TOKEN_INFO token;
    EXPECT(f->C_GetSlotInfo(7, &slot_info), CKR_SLOT_ID_INVALID);
    EXPECT(f->C_GetSlotInfo(0, NULL), CKR_ARGUMENTS_BAD);
    EXPECT(f->C_GetSlotInfo(0, &slot_info), CKR_OK);
    CHECK(slot_info.flags & CKF_TOKEN_PRESENT);
    EXPECT(f->C_GetTokenInfo(7, &token), CKR_SLOT_ID_INVALID);
    EXPECT(f->C_GetTokenInfo(0, &token), CKR_OK);
    CHECK(memcmp(token.label, "coffer-dev", 10) == 0 && token.label[10] == ' ' && token.label[31] == ' ');
    CK_MECHANISM_INFO mechanism_info;
    EXPECT(f->C_GetMechanismInfo(0, 0x80000123UL, &mechanism_info), CKR_MECHANISM_INVALID);
    EXPECT(f->C_GetMechanismInfo(0, CKM_AES_KEY_GEN, NULL), CKR_ARGUMENTS_BAD);
    EXPECT(f->C_GetMechanismList(0, NULL, &count), CKR_OK);
    CHECK(count > 10);

    /* Sessions. */
    CK_SESSION_HANDLE session = 0;
    CK_SESSION_INFO session_info;
    EXPECT(f->C_OpenSession(0, CKF_RW_SESSION, NULL, NULL, &session), CKR_SESSION_PARALLEL_NOT_SUPPORTED);
    EXPECT(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, NULL), CKR_ARGUMENTS_BAD);
    EXPECT(f->C_OpenSession(5, CKF_SERIAL_SESSION, NULL, NULL, &session), CKR_SLOT_ID_INVALID);
    EXPECT(f->C_CloseSession(424242), CKR_SESSION_HANDLE_INVALID);
    EXPECT(f->C_GetSessionInfo(424242, &session_info), CKR_SESSION_HANDLE_INVALID);
    EXPECT(f->C_Login(424242, CKU_USER, (CK_UTF8CHAR_PTR)"a:b", 3), CKR_SESSION_HANDLE_INVALID);
    EXPECT(f->C_SignInit(424242, &(CK_MECHANISM){CKM_ECDSA, NULL, 0}, 1), CKR_SESSION_HANDLE_INVALID);
    EXPECT(f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &session), CKR_OK);
    EXPECT(f->C_GetSessionInfo(session, NULL), CKR_ARGUMENTS_BAD);
    EXPECT(f->C_GetSessionInfo(session, &session_info), CKR_OK);
    CHECK(session_info.state == CKS_RW_PUBLIC_SESSION && (session_info.flags & CKF_RW_SESSION));

    /* Login: application-wide, once. */
    CK_UTF8CHAR_PTR pin = (CK_UTF8CHAR_PTR)argv[2];
    EXPECT(f->C_Logout(session), CKR_USER_NOT_LOGGED_IN);
    EXPECT(f->C_Login(session, CKU_SO, pin, strlen(argv[2])), CKR_USER_TYPE_INVALID);
    EXPECT(f->C_Login(session, CKU_USER, NULL, 4), CKR_ARGUMENTS_BAD);
    EXPECT(f->C_Login(session, CKU_USER, (CK_UTF8CHAR_PTR)"nocolon", 7), CKR_PIN_INCORRECT);
    EXPECT(f->C_Login(session, CKU_USER, pin, strlen(argv[2])), CKR_OK);
    EXPECT(f->C_Login(session, CKU_USER, pin, strlen(argv[2])), CKR_USER_ALREADY_LOGGED_IN);
    CK_SESSION_HANDLE second = 0;
    EXPECT(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &second), CKR_OK);
    EXPECT(f->C_GetSessionInfo(second, &session_info), CKR_OK);
    CHECK(session_info.state == CKS_RO_USER_FUNCTIONS);

    /* Operations not initialized, bad mechanisms, random. */
    CK_BYTE buffer[64];
    CK_ULONG length = sizeof buffer;
    CK_OBJECT_HANDLE objects[4];
    EXPECT(f->C_SignFinal(session, buffer, &length), CKR_OPERATION_NOT_INITIALIZED);
    EXPECT(f->C_Sign(session, buffer, 4, buffer, &length), CKR_OPERATION_NOT_INITIALIZED);
    EXPECT(f->C_Decrypt(session, buffer, 16, buffer, &length), CKR_OPERATION_NOT_INITIALIZED);
    EXPECT(f->C_FindObjects(session, objects, 4, &count), CKR_OPERATION_NOT_INITIALIZED);
    EXPECT(f->C_FindObjectsFinal(session), CKR_OPERATION_NOT_INITIALIZED);
    EXPECT(f->C_SignInit(session, NULL, 1), CKR_ARGUMENTS_BAD);
    EXPECT(f->C_EncryptInit(session, &(CK_MECHANISM){CKM_AES_CBC_PAD, buffer, 8}, 1), CKR_MECHANISM_PARAM_INVALID);
    EXPECT(f->C_EncryptInit(session, &(CK_MECHANISM){CKM_RSA_PKCS_OAEP, buffer, 8}, 1), CKR_MECHANISM_PARAM_INVALID);
    EXPECT(f->C_GenerateRandom(session, NULL, 16), CKR_ARGUMENTS_BAD);
    memset(buffer, 0, sizeof buffer);
    EXPECT(f->C_GenerateRandom(session, buffer, 32), CKR_OK);
    int nonzero = 0;
    for (int i = 0; i < 32; i++) nonzero |= buffer[i];
    CHECK(nonzero);
    EXPECT(f->C_SeedRandom(session, buffer, 4), CKR_RANDOM_SEED_NOT_SUPPORTED);

    /* Digest: two-call convention; a short buffer keeps the operation. */
    static const CK_BYTE abc_sha256[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    CK_MECHANISM sha256 = {CKM_SHA256, NULL, 0};
    EXPECT(f->C_DigestInit(session, &sha256), CKR_OK);
    EXPECT(f->C_DigestInit(session, &sha256), CKR_OPERATION_ACTIVE);
    length = 0;
    EXPECT(f->C_Digest(session, (CK_BYTE_PTR)"abc", 3, NULL, &length), CKR_OK);
    CHECK(length == 32);
    length = 10;
    EXPECT(f->C_Digest(session, (CK_BYTE_PTR)"abc", 3, buffer, &length), CKR_BUFFER_TOO_SMALL);
    CHECK(length == 32);
    length = sizeof buffer;
    EXPECT(f->C_Digest(session, (CK_BYTE_PTR)"abc", 3, buffer, &length), CKR_OK);
    CHECK(length == 32 && memcmp(buffer, abc_sha256, 32) == 0);
    EXPECT(f->C_Digest(session, (CK_BYTE_PTR)"abc", 3, buffer, &length), CKR_OPERATION_NOT_INITIALIZED);
    /* Multi-part gives the same digest. */
    EXPECT(f->C_DigestInit(session, &sha256), CKR_OK);
    EXPECT(f->C_DigestUpdate(session, (CK_BYTE_PTR)"a", 1), CKR_OK);
    EXPECT(f->C_DigestUpdate(session, (CK_BYTE_PTR)"bc", 2), CKR_OK);
    length = sizeof buffer;
    EXPECT(f->C_DigestFinal(session, buffer, &length), CKR_OK);
    CHECK(length == 32 && memcmp(buffer, abc_sha256, 32) == 0);

    /* Attributes of an unknown object; unsupported functions say so. */
    CK_ATTRIBUTE attribute = {CKA_LABEL, NULL, 0};
    EXPECT(f->C_GetAttributeValue(session, 0x7fffffff, NULL, 1), CKR_ARGUMENTS_BAD);
    CHECK(f->C_GetAttributeValue(session, 0x7fffffff, &attribute, 1) == CKR_OBJECT_HANDLE_INVALID);
    EXPECT(f->C_WrapKey(session, &sha256, 0x7fffff00UL, 0x7fffff01UL, NULL, &length), CKR_WRAPPING_KEY_HANDLE_INVALID);
    EXPECT(f->C_GetFunctionStatus(session), CKR_FUNCTION_NOT_PARALLEL);

    key_management(f, session);

    /* Logout, close, finalize. */
    EXPECT(f->C_Logout(session), CKR_OK);
    EXPECT(f->C_Logout(session), CKR_USER_NOT_LOGGED_IN);
    EXPECT(f->C_CloseSession(second), CKR_OK);
    EXPECT(f->C_CloseSession(second), CKR_SESSION_HANDLE_INVALID);
    EXPECT(f->C_CloseAllSessions(0), CKR_OK);
    EXPECT(f->C_GetSessionInfo(session, &session_info), CKR_SESSION_HANDLE_INVALID);
    EXPECT(f->C_Finalize(NULL), CKR_OK);
    EXPECT(f->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
    EXPECT(f->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);

    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
