/* CKA_ALWAYS_AUTHENTICATE (PKCS#11 3.0 section 4.9 and C_Login): each use of such a private key
 * needs a context-specific login (C_Login with CKU_CONTEXT_SPECIFIC) after its C_SignInit and before
 * C_Sign; without one the call fails with CKR_USER_NOT_LOGGED_IN, a wrong password is
 * CKR_PIN_INCORRECT, and a login lasts for one operation only. Keys without the attribute need none.
 * Usage: alwaysauth <library.so> <user:password>
 * Prints one line per failed check and exits 1 if any failed. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include "check.h"

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE s;
static CK_BYTE message[] = "sign me";
static CK_MECHANISM ecdsa = {CKM_ECDSA_SHA256, NULL, 0};

static void key_pair(CK_BBOOL always, CK_OBJECT_HANDLE *public_key, CK_OBJECT_HANDLE *private_key) {
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    static CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    CK_ATTRIBUTE public_template[] = {{CKA_EC_PARAMS, p256, sizeof p256}, {CKA_VERIFY, &yes, 1}, {CKA_TOKEN, &no, 1}};
    CK_ATTRIBUTE private_template[] = {{CKA_SIGN, &yes, 1}, {CKA_TOKEN, &no, 1}, {CKA_ALWAYS_AUTHENTICATE, &always, 1}};
    CK_MECHANISM generate = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    EXPECT(f->C_GenerateKeyPair(s, &generate, public_template, 3, private_template, 3, public_key, private_key), CKR_OK);
    CK_BBOOL read = !always;
    CK_ATTRIBUTE attribute = {CKA_ALWAYS_AUTHENTICATE, &read, sizeof read};
    EXPECT(f->C_GetAttributeValue(s, *private_key, &attribute, 1), CKR_OK);
    CHECK(read == always);
}

static CK_RV sign(CK_OBJECT_HANDLE key, CK_BYTE *signature, CK_ULONG *length) {
    *length = 64;
    return f->C_Sign(s, message, sizeof message - 1, signature, length);
}

static void verifies(CK_OBJECT_HANDLE public_key, CK_BYTE *signature, CK_ULONG length) {
    EXPECT(f->C_VerifyInit(s, &ecdsa, public_key), CKR_OK);
    EXPECT(f->C_Verify(s, message, sizeof message - 1, signature, length), CKR_OK);
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s library user:password\n", argv[0]); return 2; }
    const char *pin = argv[2];
    const char *password = strchr(pin, ':') + 1;
    if (!(f = load_module(argv[1]))) return 1;
    EXPECT(f->C_Initialize(NULL), CKR_OK);
    EXPECT(f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK);
    /* Before C_Login there is no user to authenticate again. */
    EXPECT(f->C_Login(s, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR)pin, strlen(pin)), CKR_USER_NOT_LOGGED_IN);
    EXPECT(f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)), CKR_OK);

    CK_OBJECT_HANDLE public_key, private_key, plain_public, plain_private;
    key_pair(CK_TRUE, &public_key, &private_key);
    key_pair(CK_FALSE, &plain_public, &plain_private);
    CK_BYTE signature[64];
    CK_ULONG length;

    /* No operation to authenticate. */
    EXPECT(f->C_Login(s, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR)pin, strlen(pin)), CKR_OPERATION_NOT_INITIALIZED);
    /* Twice without a context-specific login: the first Init asks the node, later ones may not. */
    for (int i = 0; i < 2; i++) {
        EXPECT(f->C_SignInit(s, &ecdsa, private_key), CKR_OK);
        EXPECT(sign(private_key, signature, &length), CKR_USER_NOT_LOGGED_IN);
    }
    /* A wrong password. */
    EXPECT(f->C_SignInit(s, &ecdsa, private_key), CKR_OK);
    EXPECT(f->C_Login(s, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR)"wrong password", 14), CKR_PIN_INCORRECT);
    EXPECT(sign(private_key, signature, &length), CKR_USER_NOT_LOGGED_IN);
    /* With the login's PIN, and with the bare password: one signature each, which verifies. */
    for (int i = 0; i < 2; i++) {
        const char *given = i == 0 ? pin : password;
        EXPECT(f->C_SignInit(s, &ecdsa, private_key), CKR_OK);
        EXPECT(f->C_Login(s, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR)given, strlen(given)), CKR_OK);
        EXPECT(sign(private_key, signature, &length), CKR_OK);
        CHECK(length == 64);
        verifies(public_key, signature, length);
        /* The login was for that operation only. */
        EXPECT(f->C_SignInit(s, &ecdsa, private_key), CKR_OK);
        EXPECT(sign(private_key, signature, &length), CKR_USER_NOT_LOGGED_IN);
    }
    /* Multi-part, with a length query first. */
    EXPECT(f->C_SignInit(s, &ecdsa, private_key), CKR_OK);
    EXPECT(f->C_Login(s, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR)pin, strlen(pin)), CKR_OK);
    EXPECT(f->C_SignUpdate(s, message, 4), CKR_OK);
    EXPECT(f->C_SignUpdate(s, message + 4, sizeof message - 5), CKR_OK);
    length = 0;
    EXPECT(f->C_SignFinal(s, NULL, &length), CKR_OK);
    CHECK(length == 64);
    EXPECT(f->C_SignFinal(s, signature, &length), CKR_OK);
    verifies(public_key, signature, length);
    /* A key without the attribute needs no context-specific login. */
    EXPECT(f->C_SignInit(s, &ecdsa, plain_private), CKR_OK);
    EXPECT(sign(plain_private, signature, &length), CKR_OK);
    verifies(plain_public, signature, length);
    /* The application's login is untouched by all this. */
    CK_SESSION_INFO info;
    EXPECT(f->C_GetSessionInfo(s, &info), CKR_OK);
    CHECK(info.state == CKS_RW_USER_FUNCTIONS);
    EXPECT(f->C_Finalize(NULL), CKR_OK);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
