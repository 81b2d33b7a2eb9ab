/* Ed448 through the library (issue 16 item 10): CKM_EC_EDWARDS_KEY_PAIR_GEN with CKA_EC_PARAMS naming
 * edwards448 (the OID 1.3.101.113, or the PrintableString "edwards448") makes a pair whose CKA_EC_POINT
 * holds 57 bytes; CKM_EDDSA signs (114 bytes) and verifies; a changed message fails. RFC 8032
 * section 7.4's first vector imported with C_CreateObject (the private key as CKA_VALUE, the public
 * key as CKA_EC_POINT) signs the empty message to the published signature, which the imported public
 * key verifies. C_GetMechanismInfo reports key sizes 255 to 448.
 * Usage: ed448 <library.so> <user:password>
 * Prints one line per failed check and exits 1 if any failed. */
#include <stdio.h>
#include <string.h>
#include "../../../Sources/CPKCS11/shim.h"
#include "check.h"

#ifndef CKM_EDDSA
#define CKM_EDDSA 0x1057UL
#endif

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE s;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

static void unhex(const char *text, CK_BYTE *out, size_t length) {
    for (size_t i = 0; i < length; i++) sscanf(text + 2 * i, "%2hhx", &out[i]);
}

static CK_RV sign(CK_OBJECT_HANDLE key, CK_BYTE *message, CK_ULONG length, CK_BYTE *signature, CK_ULONG *signature_length) {
    CK_MECHANISM eddsa = {CKM_EDDSA, NULL, 0};
    CK_RV rv = f->C_SignInit(s, &eddsa, key);
    return rv == CKR_OK ? f->C_Sign(s, message, length, signature, signature_length) : rv;
}

static CK_RV verify(CK_OBJECT_HANDLE key, CK_BYTE *message, CK_ULONG length, CK_BYTE *signature, CK_ULONG signature_length) {
    CK_MECHANISM eddsa = {CKM_EDDSA, NULL, 0};
    CK_RV rv = f->C_VerifyInit(s, &eddsa, key);
    return rv == CKR_OK ? f->C_Verify(s, message, length, signature, signature_length) : rv;
}

int main(int argc, char **argv) {
    if (argc != 3) { printf("usage: ed448 <library.so> <user:password>\n"); return 2; }
    f = load_module(argv[1]);
    if (!f) return 1;
    s = open_logged_in(f, argv[2]);

    CK_MECHANISM_INFO info;
    EXPECT(f->C_GetMechanismInfo(0, CKM_EC_EDWARDS_KEY_PAIR_GEN, &info), CKR_OK);
    CHECK(info.ulMinKeySize == 255 && info.ulMaxKeySize == 448);

    static CK_BYTE oid[] = {0x06, 0x03, 0x2b, 0x65, 0x71};
    static CK_BYTE name[] = {0x13, 0x0a, 'e', 'd', 'w', 'a', 'r', 'd', 's', '4', '4', '8'};
    CK_BYTE *params[] = {oid, name};
    CK_ULONG params_length[] = {sizeof oid, sizeof name};
    CK_BYTE message[] = "a message for Ed448";
    for (int p = 0; p < 2; p++) {
        CK_ATTRIBUTE public_template[] = {{CKA_TOKEN, &no, 1}, {CKA_VERIFY, &yes, 1}, {CKA_EC_PARAMS, params[p], params_length[p]}};
        CK_ATTRIBUTE private_template[] = {{CKA_TOKEN, &no, 1}, {CKA_SIGN, &yes, 1}};
        CK_MECHANISM generate = {CKM_EC_EDWARDS_KEY_PAIR_GEN, NULL, 0};
        CK_OBJECT_HANDLE public_key = 0, private_key = 0;
        EXPECT(f->C_GenerateKeyPair(s, &generate, public_template, 3, private_template, 2, &public_key, &private_key), CKR_OK);
        CK_BYTE point[64];
        CK_ATTRIBUTE read = {CKA_EC_POINT, point, sizeof point};
        EXPECT(f->C_GetAttributeValue(s, public_key, &read, 1), CKR_OK);
        CHECK(read.ulValueLen == 59 && point[0] == 0x04 && point[1] == 57);
        CK_BYTE signature[128];
        CK_ULONG length = sizeof signature;
        EXPECT(sign(private_key, message, sizeof message - 1, signature, &length), CKR_OK);
        CHECK(length == 114);
        EXPECT(verify(public_key, message, sizeof message - 1, signature, length), CKR_OK);
        EXPECT(verify(public_key, message, sizeof message - 2, signature, length), CKR_SIGNATURE_INVALID);
        EXPECT(verify(public_key, message, sizeof message - 1, signature, 64), CKR_SIGNATURE_LEN_RANGE);
    }

    /* RFC 8032 section 7.4, the first ("blank") vector. */
    CK_BYTE secret[57], public_point[59], expected[114];
    unhex("6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3528c8a3fcc2f044e39a3fc5b94492f8f032e7549a20098f95b", secret, 57);
    public_point[0] = 0x04;
    public_point[1] = 57;
    unhex("5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778edf124769b46c7061bd6783df1e50f6cd1fa1abeafe8256180", public_point + 2, 57);
    unhex("533a37f6bbe457251f023c0d88f976ae2dfb504a843e34d2074fd823d41a591f2b233f034f628281f2fd7a22ddd47d7828c59bd0a21bfd3980ff0d2028d4b18a9df63e006c5d1c2d345b925d8dc00b4104852db99ac5c7cdda8530a113a0f4dbb61149f05a7363268c71d95808ff2e652600", expected, 114);
    CK_OBJECT_CLASS private_class = CKO_PRIVATE_KEY, public_class = CKO_PUBLIC_KEY;
    CK_KEY_TYPE edwards = CKK_EC_EDWARDS;
    CK_ATTRIBUTE private_import[] = {
        {CKA_CLASS, &private_class, sizeof private_class}, {CKA_KEY_TYPE, &edwards, sizeof edwards}, {CKA_TOKEN, &no, 1},
        {CKA_SIGN, &yes, 1}, {CKA_EC_PARAMS, oid, sizeof oid}, {CKA_VALUE, secret, sizeof secret},
    };
    CK_ATTRIBUTE public_import[] = {
        {CKA_CLASS, &public_class, sizeof public_class}, {CKA_KEY_TYPE, &edwards, sizeof edwards}, {CKA_TOKEN, &no, 1},
        {CKA_VERIFY, &yes, 1}, {CKA_EC_PARAMS, oid, sizeof oid}, {CKA_EC_POINT, public_point, sizeof public_point},
    };
    CK_OBJECT_HANDLE imported_private = 0, imported_public = 0;
    EXPECT(f->C_CreateObject(s, private_import, 6, &imported_private), CKR_OK);
    EXPECT(f->C_CreateObject(s, public_import, 6, &imported_public), CKR_OK);
    CK_BYTE signature[128];
    CK_ULONG length = sizeof signature;
    EXPECT(sign(imported_private, (CK_BYTE *)"", 0, signature, &length), CKR_OK);
    CHECK(length == 114 && memcmp(signature, expected, 114) == 0);
    EXPECT(verify(imported_public, (CK_BYTE *)"", 0, expected, 114), CKR_OK);

    EXPECT(f->C_Finalize(NULL), CKR_OK);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
