/* Key attestation through PKCS#11 (docs/attestation.md): the vendor mechanism
 * CKM_COFFER_KEY_ATTESTATION signs the relying party's nonce with the cluster's attestation of the
 * key given to C_SignInit, a DER certificate. A length query and a short buffer keep the operation
 * and give the same certificate after; C_SignUpdate/C_SignFinal take the nonce in parts; a secret
 * key that cannot sign is attested too. A nonce outside 16 to 64 bytes is CKR_DATA_LEN_RANGE and
 * ends the operation, a parameter CKR_MECHANISM_PARAM_INVALID, an unknown handle
 * CKR_KEY_HANDLE_INVALID. The single-part certificate is written to <out.der> for the test to verify.
 * Usage: keyattest <library.so> <user:password> <out.der>
 * Prints one line per failed check and exits 1 if any failed. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include "check.h"

#define CKM_COFFER_KEY_ATTESTATION (CKM_VENDOR_DEFINED | 0x434B4154UL)

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE s;
static CK_MECHANISM attest = {CKM_COFFER_KEY_ATTESTATION, NULL, 0};

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: %s library user:password out.der\n", argv[0]); return 2; }
    if (!(f = load_module(argv[1]))) return 1;
    s = open_logged_in(f, argv[2]);

    CK_MECHANISM_INFO info;
    EXPECT(f->C_GetMechanismInfo(0, CKM_COFFER_KEY_ATTESTATION, &info), CKR_OK);
    CHECK(info.flags & CKF_SIGN);

    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    static CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    CK_MECHANISM generate = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_ATTRIBUTE public_template[] = {{CKA_EC_PARAMS, p256, sizeof p256}, {CKA_TOKEN, &yes, 1}, {CKA_VERIFY, &yes, 1}};
    CK_ATTRIBUTE private_template[] = {
        {CKA_TOKEN, &yes, 1}, {CKA_SIGN, &yes, 1}, {CKA_SENSITIVE, &yes, 1}, {CKA_EXTRACTABLE, &no, 1},
        {CKA_LABEL, "p11-attested", 12}};
    CK_OBJECT_HANDLE public_key = 0, private_key = 0;
    EXPECT(f->C_GenerateKeyPair(s, &generate, public_template, 3, private_template, 5, &public_key, &private_key), CKR_OK);

    CK_BYTE nonce[32];
    for (int i = 0; i < 32; i++) nonce[i] = (CK_BYTE)(0xa0 + i);
    CK_BYTE certificate[8192], again[8192];
    CK_ULONG length = 0, short_length = 10, full = sizeof certificate;

    /* Single part: a length query, a short buffer, then the certificate, the same each time. */
    EXPECT(f->C_SignInit(s, &attest, private_key), CKR_OK);
    EXPECT(f->C_Sign(s, nonce, sizeof nonce, NULL, &length), CKR_OK);
    CHECK(length > 200 && length < sizeof certificate);
    EXPECT(f->C_Sign(s, nonce, sizeof nonce, certificate, &short_length), CKR_BUFFER_TOO_SMALL);
    CHECK(short_length == length);
    EXPECT(f->C_Sign(s, nonce, sizeof nonce, certificate, &full), CKR_OK);
    CHECK(full == length && certificate[0] == 0x30);
    EXPECT(f->C_Sign(s, nonce, sizeof nonce, certificate, &full), CKR_OPERATION_NOT_INITIALIZED);
    FILE *out = fopen(argv[3], "wb");
    CHECK(out != NULL);
    if (out) {
        CHECK(fwrite(certificate, 1, length, out) == length);
        fclose(out);
    }

    /* Multi-part: the nonce in two parts. */
    CK_ULONG parts_length = sizeof again;
    EXPECT(f->C_SignInit(s, &attest, private_key), CKR_OK);
    EXPECT(f->C_SignUpdate(s, nonce, 16), CKR_OK);
    EXPECT(f->C_SignUpdate(s, nonce + 16, 16), CKR_OK);
    EXPECT(f->C_SignFinal(s, again, &parts_length), CKR_OK);
    CHECK(parts_length > 200 && again[0] == 0x30);

    /* A secret key that cannot sign is attested: the mechanism does not use the key. */
    CK_OBJECT_CLASS secret_class = CKO_SECRET_KEY;
    CK_KEY_TYPE aes = CKK_AES;
    CK_ULONG bytes = 32;
    CK_ATTRIBUTE secret_template[] = {
        {CKA_CLASS, &secret_class, sizeof secret_class}, {CKA_KEY_TYPE, &aes, sizeof aes}, {CKA_VALUE_LEN, &bytes, sizeof bytes},
        {CKA_TOKEN, &yes, 1}, {CKA_SIGN, &no, 1}, {CKA_ENCRYPT, &yes, 1}};
    CK_MECHANISM aes_generate = {CKM_AES_KEY_GEN, NULL, 0};
    CK_OBJECT_HANDLE secret = 0;
    EXPECT(f->C_GenerateKey(s, &aes_generate, secret_template, 6, &secret), CKR_OK);
    CK_ULONG secret_length = sizeof again;
    EXPECT(f->C_SignInit(s, &attest, secret), CKR_OK);
    EXPECT(f->C_Sign(s, nonce, sizeof nonce, again, &secret_length), CKR_OK);
    CHECK(secret_length > 200 && again[0] == 0x30);

    /* Bad input. A nonce too short ends the operation. */
    CK_ULONG bad_length = sizeof again;
    EXPECT(f->C_SignInit(s, &attest, private_key), CKR_OK);
    EXPECT(f->C_SignInit(s, &attest, private_key), CKR_OPERATION_ACTIVE);
    EXPECT(f->C_Sign(s, nonce, 8, again, &bad_length), CKR_DATA_LEN_RANGE);
    EXPECT(f->C_Sign(s, nonce, sizeof nonce, again, &bad_length), CKR_OPERATION_NOT_INITIALIZED);
    CK_MECHANISM with_parameter = {CKM_COFFER_KEY_ATTESTATION, nonce, sizeof nonce};
    EXPECT(f->C_SignInit(s, &with_parameter, private_key), CKR_MECHANISM_PARAM_INVALID);
    EXPECT(f->C_SignInit(s, &attest, 0x7ffffff1), CKR_KEY_HANDLE_INVALID);
    EXPECT(f->C_SignInit(s, &attest, 0), CKR_KEY_HANDLE_INVALID);
    /* The refused C_SignInits left no operation behind. */
    bad_length = sizeof again;
    EXPECT(f->C_SignInit(s, &attest, public_key), CKR_OK);
    EXPECT(f->C_Sign(s, nonce, sizeof nonce, again, &bad_length), CKR_OK);

    EXPECT(f->C_Finalize(NULL), CKR_OK);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
