/* CKM_EDDSA's parameter (PKCS#11 3.0 section 2.3.14, RFC 8032 section 5.1): no parameter is pure
 * Ed25519; any CK_EDDSA_PARAMS, even without prehash and with an empty or NULL context, is
 * Ed25519ctx or Ed25519ph, a different signature scheme. A pure signature must verify with no
 * parameter and must never verify, nor may a signature be made, under CK_EDDSA_PARAMS.
 * Usage: eddsa <library.so> <user:password>
 * Prints one line per failed check and exits 1 if any failed. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include "check.h"

/* p11-kit's header predates PKCS#11 3.0's EdDSA parameters. */
typedef struct {
    CK_BBOOL phFlag;
    CK_ULONG ulContextDataLen;
    CK_BYTE_PTR pContextData;
} EDDSA_PARAMS;

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE s;

/* Refused at Init or at the call that ends the operation, with CKR_MECHANISM_PARAM_INVALID. */
static void refused(CK_MECHANISM *mechanism, CK_OBJECT_HANDLE private_key, CK_OBJECT_HANDLE public_key,
                    CK_BYTE *signature, CK_ULONG signature_length) {
    static CK_BYTE message[] = "a message";
    CK_RV rv = f->C_VerifyInit(s, mechanism, public_key);
    if (rv == CKR_OK) rv = f->C_Verify(s, message, sizeof message - 1, signature, signature_length);
    EXPECT(rv, CKR_MECHANISM_PARAM_INVALID);
    rv = f->C_SignInit(s, mechanism, private_key);
    CK_BYTE other[64];
    CK_ULONG other_length = sizeof other;
    if (rv == CKR_OK) rv = f->C_Sign(s, message, sizeof message - 1, other, &other_length);
    EXPECT(rv, CKR_MECHANISM_PARAM_INVALID);
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s library user:password\n", argv[0]); return 2; }
    if (!(f = load_module(argv[1]))) return 1;
    s = open_logged_in(f, argv[2]);

    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    static CK_BYTE ed25519_oid[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
    CK_ATTRIBUTE public_template[] = {{CKA_EC_PARAMS, ed25519_oid, sizeof ed25519_oid}, {CKA_VERIFY, &yes, 1}, {CKA_TOKEN, &no, 1}};
    CK_ATTRIBUTE private_template[] = {{CKA_SIGN, &yes, 1}, {CKA_TOKEN, &no, 1}};
    CK_MECHANISM generate = {CKM_EC_EDWARDS_KEY_PAIR_GEN, NULL, 0};
    CK_OBJECT_HANDLE public_key = 0, private_key = 0;
    EXPECT(f->C_GenerateKeyPair(s, &generate, public_template, 3, private_template, 2, &public_key, &private_key), CKR_OK);

    static CK_BYTE message[] = "a message";
    CK_MECHANISM pure = {CKM_EDDSA, NULL, 0};
    CK_BYTE signature[64];
    CK_ULONG signature_length = sizeof signature;
    EXPECT(f->C_SignInit(s, &pure, private_key), CKR_OK);
    EXPECT(f->C_Sign(s, message, sizeof message - 1, signature, &signature_length), CKR_OK);
    CHECK(signature_length == 64);
    EXPECT(f->C_VerifyInit(s, &pure, public_key), CKR_OK);
    EXPECT(f->C_Verify(s, message, sizeof message - 1, signature, signature_length), CKR_OK);

    EDDSA_PARAMS null_context = {CK_FALSE, 0, NULL};
    CK_BYTE empty[1] = {0};
    EDDSA_PARAMS empty_context = {CK_FALSE, 0, empty};
    CK_BYTE context[3] = {'c', 't', 'x'};
    EDDSA_PARAMS with_context = {CK_FALSE, sizeof context, context};
    EDDSA_PARAMS prehash = {CK_TRUE, 0, NULL};
    EDDSA_PARAMS *all[] = {&null_context, &empty_context, &with_context, &prehash};
    for (int i = 0; i < 4; i++) {
        CK_MECHANISM mechanism = {CKM_EDDSA, all[i], sizeof(EDDSA_PARAMS)};
        refused(&mechanism, private_key, public_key, signature, signature_length);
    }
    EXPECT(f->C_Finalize(NULL), CKR_OK);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
