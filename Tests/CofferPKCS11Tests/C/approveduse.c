/* A key under a key-usage quorum used through PKCS#11 with its approvals (docs/quorum.md, "PKCS#11"):
 * C_Login with the vendor user type CKU_COFFER_APPROVAL presents a quorum token's id, and the
 * session's next C_SignInit sends it to the node, which consumes it there. Without one the Init is
 * CKR_FUNCTION_REJECTED; with one it signs once, and the next Init needs a new token (a used one is
 * refused). A token id that is not letters and digits is CKR_PIN_INVALID, an empty one
 * CKR_PIN_LEN_RANGE, a NULL one CKR_ARGUMENTS_BAD, and a token is refused before C_Login.
 * With "destroy", the secret key labelled "doomed" (under a key-management quorum) is refused to
 * C_DestroyObject without a token and destroyed with one.
 * Usage: approveduse <library.so> <user:password> use|destroy <token id>
 * Prints one line per failed check and exits 1 if any failed. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include "check.h"

/* CKU_VENDOR_DEFINED (PKCS#11 3.0; not in the 2.40 header) | "COQT" */
#define CKU_COFFER_APPROVAL (0x80000000UL | 0x434F5154UL)

/* The one object of `class` labelled `label`, or 0. */
static CK_OBJECT_HANDLE find(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, CK_OBJECT_CLASS class, const char *label, CK_ULONG *found) {
    CK_ATTRIBUTE template[] = {{CKA_CLASS, &class, sizeof class}, {CKA_LABEL, (void *)label, strlen(label)}};
    CK_OBJECT_HANDLE key = 0;
    *found = 0;
    EXPECT(f->C_FindObjectsInit(s, template, 2), CKR_OK);
    EXPECT(f->C_FindObjects(s, &key, 1, found), CKR_OK);
    EXPECT(f->C_FindObjectsFinal(s), CKR_OK);
    return key;
}

static void use(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, const char *token) {
    CK_ULONG found = 0;
    CK_OBJECT_HANDLE key = find(f, s, CKO_PRIVATE_KEY, "guarded", &found);
    CHECK(found == 1);

    CK_MECHANISM ecdsa = {CKM_ECDSA, NULL, 0};
    CK_BYTE hash[32], signature[256];
    for (int i = 0; i < 32; i++) hash[i] = (CK_BYTE)i;
    CK_ULONG length = sizeof signature;

    EXPECT(f->C_SignInit(s, &ecdsa, key), CKR_FUNCTION_REJECTED);
    EXPECT(f->C_Login(s, CKU_COFFER_APPROVAL, NULL, 4), CKR_ARGUMENTS_BAD);
    EXPECT(f->C_Login(s, CKU_COFFER_APPROVAL, (CK_UTF8CHAR_PTR)"", 0), CKR_PIN_LEN_RANGE);
    EXPECT(f->C_Login(s, CKU_COFFER_APPROVAL, (CK_UTF8CHAR_PTR)"not a token", 11), CKR_PIN_INVALID);

    /* One approved use. */
    EXPECT(f->C_Login(s, CKU_COFFER_APPROVAL, (CK_UTF8CHAR_PTR)token, strlen(token)), CKR_OK);
    EXPECT(f->C_SignInit(s, &ecdsa, key), CKR_OK);
    EXPECT(f->C_Sign(s, hash, sizeof hash, signature, &length), CKR_OK);
    CHECK(length == 64);

    /* The next Init needs a token of its own; the used one is refused. */
    EXPECT(f->C_SignInit(s, &ecdsa, key), CKR_FUNCTION_REJECTED);
    EXPECT(f->C_Login(s, CKU_COFFER_APPROVAL, (CK_UTF8CHAR_PTR)token, strlen(token)), CKR_OK);
    EXPECT(f->C_SignInit(s, &ecdsa, key), CKR_FUNCTION_REJECTED);
}

static void destroy(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, const char *token) {
    CK_ULONG found = 0;
    CK_OBJECT_HANDLE key = find(f, s, CKO_SECRET_KEY, "doomed", &found);
    CHECK(found == 1);
    EXPECT(f->C_DestroyObject(s, key), CKR_FUNCTION_REJECTED);
    find(f, s, CKO_SECRET_KEY, "doomed", &found);
    CHECK(found == 1);
    EXPECT(f->C_Login(s, CKU_COFFER_APPROVAL, (CK_UTF8CHAR_PTR)token, strlen(token)), CKR_OK);
    EXPECT(f->C_DestroyObject(s, key), CKR_OK);
    find(f, s, CKO_SECRET_KEY, "doomed", &found);
    CHECK(found == 0);
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: %s library user:password use|destroy token\n", argv[0]); return 2; }
    CK_FUNCTION_LIST_PTR f = load_module(argv[1]);
    if (!f) return 1;
    const char *token = argv[4];
    CK_SESSION_HANDLE s = 0;
    EXPECT(f->C_Initialize(NULL), CKR_OK);
    EXPECT(f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK);
    /* A token before the application logged in. */
    EXPECT(f->C_Login(s, CKU_COFFER_APPROVAL, (CK_UTF8CHAR_PTR)token, strlen(token)), CKR_USER_NOT_LOGGED_IN);
    EXPECT(f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)argv[2], strlen(argv[2])), CKR_OK);
    if (strcmp(argv[3], "destroy") == 0) destroy(f, s, token); else use(f, s, token);
    EXPECT(f->C_Finalize(NULL), CKR_OK);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
