/* C_DigestKey (PKCS#11 3.0 section 5.12): the node digests a secret key's value in order with the
 * data around it, so SHA-256 over "a", a key whose value is "b", then "c" is SHA-256("abc") (FIPS
 * 180-2 appendix B.1). Keys that policy keeps inside (CKA_EXTRACTABLE false) and non-secret keys are
 * CKR_KEY_INDIGESTIBLE, an unknown handle CKR_KEY_HANDLE_INVALID, and an error ends the digest.
 * Usage: digestkey <library.so> <user:password>
 * Prints one line per failed check and exits 1 if any failed. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include "check.h"

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE s;
static CK_MECHANISM sha256 = {CKM_SHA256, NULL, 0};
static const CK_BYTE abc_sha256[32] = {
    0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
    0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};

static CK_OBJECT_HANDLE secret(const char *value, CK_BBOOL extractable) {
    CK_OBJECT_CLASS class = CKO_SECRET_KEY;
    CK_KEY_TYPE type = CKK_GENERIC_SECRET;
    CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
    CK_ATTRIBUTE template[] = {
        {CKA_CLASS, &class, sizeof class}, {CKA_KEY_TYPE, &type, sizeof type}, {CKA_VALUE, (void *)value, strlen(value)},
        {CKA_TOKEN, &no, 1}, {CKA_EXTRACTABLE, &extractable, 1}, {CKA_SIGN, &yes, 1},
    };
    CK_OBJECT_HANDLE key = 0;
    EXPECT(f->C_CreateObject(s, template, 6, &key), CKR_OK);
    return key;
}

/* C_DigestKey of `key` between "a" and "c"; on success the digest is checked against `expected`. */
static void digest_around(CK_OBJECT_HANDLE key, CK_RV expected_rv, const CK_BYTE *expected, int update_first) {
    CK_BYTE digest[32];
    CK_ULONG length = sizeof digest;
    EXPECT(f->C_DigestInit(s, &sha256), CKR_OK);
    if (update_first) EXPECT(f->C_DigestUpdate(s, (CK_BYTE_PTR)"a", 1), CKR_OK);
    EXPECT(f->C_DigestKey(s, key), expected_rv);
    if (expected_rv != CKR_OK) {
        /* The error ended the digest. */
        EXPECT(f->C_DigestFinal(s, digest, &length), CKR_OPERATION_NOT_INITIALIZED);
        return;
    }
    EXPECT(f->C_DigestUpdate(s, (CK_BYTE_PTR)"c", 1), CKR_OK);
    EXPECT(f->C_DigestFinal(s, digest, &length), CKR_OK);
    CHECK(length == 32 && memcmp(digest, expected, 32) == 0);
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s library user:password\n", argv[0]); return 2; }
    if (!(f = load_module(argv[1]))) return 1;
    s = open_logged_in(f, argv[2]);

    CK_OBJECT_HANDLE b = secret("b", CK_TRUE), kept = secret("b", CK_FALSE);
    digest_around(b, CKR_OK, abc_sha256, 1);
    /* Twice in one digest, and first: SHA-256 of "bc" then of "b" "b" "c" differ from "abc". */
    CK_BYTE bc_sha256[32], bbc_sha256[32];
    CK_ULONG length = 32;
    EXPECT(f->C_DigestInit(s, &sha256), CKR_OK);
    EXPECT(f->C_Digest(s, (CK_BYTE_PTR)"bc", 2, bc_sha256, &length), CKR_OK);
    digest_around(b, CKR_OK, bc_sha256, 0);
    length = 32;
    EXPECT(f->C_DigestInit(s, &sha256), CKR_OK);
    EXPECT(f->C_Digest(s, (CK_BYTE_PTR)"bbc", 3, bbc_sha256, &length), CKR_OK);
    EXPECT(f->C_DigestInit(s, &sha256), CKR_OK);
    EXPECT(f->C_DigestKey(s, b), CKR_OK);
    EXPECT(f->C_DigestKey(s, b), CKR_OK);
    EXPECT(f->C_DigestUpdate(s, (CK_BYTE_PTR)"c", 1), CKR_OK);
    CK_BYTE digest[32];
    length = sizeof digest;
    EXPECT(f->C_DigestFinal(s, digest, &length), CKR_OK);
    CHECK(length == 32 && memcmp(digest, bbc_sha256, 32) == 0);

    digest_around(kept, CKR_KEY_INDIGESTIBLE, NULL, 1);
    digest_around(0, CKR_KEY_HANDLE_INVALID, NULL, 1);
    digest_around(0x7fffffff, CKR_KEY_HANDLE_INVALID, NULL, 1);
    /* A public key is not a secret. */
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    static CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    CK_ATTRIBUTE public_template[] = {{CKA_EC_PARAMS, p256, sizeof p256}, {CKA_TOKEN, &no, 1}, {CKA_VERIFY, &yes, 1}};
    CK_ATTRIBUTE private_template[] = {{CKA_TOKEN, &no, 1}, {CKA_SIGN, &yes, 1}};
    CK_MECHANISM generate = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_OBJECT_HANDLE public_key, private_key;
    EXPECT(f->C_GenerateKeyPair(s, &generate, public_template, 3, private_template, 2, &public_key, &private_key), CKR_OK);
    digest_around(public_key, CKR_KEY_INDIGESTIBLE, NULL, 1);
    /* No digest active. */
    EXPECT(f->C_DigestKey(s, b), CKR_OPERATION_NOT_INITIALIZED);
    EXPECT(f->C_Finalize(NULL), CKR_OK);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
