/* Argument and error-code checks for libcoffer-pkcs11.so from a plain C host: dlopen, the
 * function list, NULL pointers, initialization state, unknown handles and the two-call convention.
 * Usage: arguments <library.so> <user:password>   (COFFER_PKCS11_CONF names the configuration)
 * Prints one line per failed check and exits 1 if any failed. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <p11-kit-1/p11-kit/pkcs11.h>
#include "check.h"

static CK_RV dummy_create(void **mutex) { (void)mutex; return CKR_OK; }

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
    EXPECT(f->C_WrapKey(session, &sha256, 1, 2, NULL, &length), CKR_FUNCTION_NOT_SUPPORTED);
    EXPECT(f->C_GetFunctionStatus(session), CKR_FUNCTION_NOT_PARALLEL);

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
