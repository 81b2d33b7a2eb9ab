/* C_DeriveKey with the templates generic software sends (PKCS#11 3.0 sections 2.3 and 2.43): for
 * CKM_ECDH1_DERIVE on P-256, P-384 and P-521, and for CKM_HKDF_DERIVE, a template with class, key
 * type and length; one without the length (a generic secret is then as long as the mechanism's
 * output: the curve's field size, the hash length); one with neither class nor key type (a generic
 * secret); an AES key; and an AES key without CKA_VALUE_LEN, which the specification leaves
 * CKR_TEMPLATE_INCOMPLETE. Both ECDH sides must agree, with the peer's point raw or DER-wrapped,
 * and HKDF must give RFC 5869 test case 1.
 * Usage: derive <library.so> <user:password>
 * Prints one line per failed check and exits 1 if any failed. */
#include <stdio.h>
#include <string.h>
#include "../../../Sources/CPKCS11/shim.h"
#include "check.h"

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE s;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS secret_class = CKO_SECRET_KEY;
static CK_KEY_TYPE generic_type = CKK_GENERIC_SECRET, aes_type = CKK_AES;

enum shape { FULL, NO_LENGTH, BARE, AES, AES_NO_LENGTH, SHAPES };

/* The derived key's template for `shape`; its value is readable so that the test can compare. */
static CK_ULONG template_for(enum shape shape, CK_ULONG *length, CK_ATTRIBUTE *out) {
    CK_ULONG n = 0;
    out[n++] = (CK_ATTRIBUTE){CKA_TOKEN, &no, 1};
    out[n++] = (CK_ATTRIBUTE){CKA_SENSITIVE, &no, 1};
    out[n++] = (CK_ATTRIBUTE){CKA_EXTRACTABLE, &yes, 1};
    if (shape != BARE) out[n++] = (CK_ATTRIBUTE){CKA_CLASS, &secret_class, sizeof secret_class};
    if (shape == FULL || shape == NO_LENGTH) out[n++] = (CK_ATTRIBUTE){CKA_KEY_TYPE, &generic_type, sizeof generic_type};
    if (shape == AES || shape == AES_NO_LENGTH) out[n++] = (CK_ATTRIBUTE){CKA_KEY_TYPE, &aes_type, sizeof aes_type};
    if (shape == FULL || shape == AES) out[n++] = (CK_ATTRIBUTE){CKA_VALUE_LEN, length, sizeof *length};
    return n;
}

/* Derives with `mechanism` from `base` into `shape`; returns the value's length (0 on failure). */
static CK_ULONG derive(CK_MECHANISM *mechanism, CK_OBJECT_HANDLE base, enum shape shape, CK_ULONG length, CK_BYTE *value,
                       CK_RV expected) {
    CK_ATTRIBUTE template[8];
    CK_ULONG count = template_for(shape, &length, template);
    CK_OBJECT_HANDLE key = 0;
    CK_RV rv = f->C_DeriveKey(s, mechanism, base, template, count, &key);
    if (rv != expected) printf("  (shape %d)\n", shape);
    EXPECT(rv, expected);
    if (rv != CKR_OK) return 0;
    CK_KEY_TYPE type = 0;
    CK_ATTRIBUTE read[] = {{CKA_VALUE, value, 128}, {CKA_KEY_TYPE, &type, sizeof type}};
    EXPECT(f->C_GetAttributeValue(s, key, read, 2), CKR_OK);
    CHECK(type == ((shape == AES) ? CKK_AES : CKK_GENERIC_SECRET));
    return read[0].ulValueLen;
}

/* A key pair on the curve `oid`; `point` gets the public point as CKA_EC_POINT holds it (DER). */
static void ec_pair(CK_BYTE *oid, CK_ULONG oid_length, CK_OBJECT_HANDLE *private_key, CK_BYTE *point, CK_ULONG *point_length) {
    CK_ATTRIBUTE public_template[] = {{CKA_EC_PARAMS, oid, oid_length}, {CKA_TOKEN, &no, 1}};
    CK_ATTRIBUTE private_template[] = {{CKA_TOKEN, &no, 1}, {CKA_DERIVE, &yes, 1}};
    CK_MECHANISM generate = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_OBJECT_HANDLE public_key;
    EXPECT(f->C_GenerateKeyPair(s, &generate, public_template, 2, private_template, 2, &public_key, private_key), CKR_OK);
    CK_ATTRIBUTE read = {CKA_EC_POINT, point, *point_length};
    EXPECT(f->C_GetAttributeValue(s, public_key, &read, 1), CKR_OK);
    *point_length = read.ulValueLen;
}

/* The raw point inside CKA_EC_POINT's DER OCTET STRING. */
static CK_BYTE *raw_point(CK_BYTE *der, CK_ULONG *length) {
    CK_ULONG header = der[1] & 0x80 ? 2 + (der[1] & 0x7f) : 2;
    *length -= header;
    return der + header;
}

static void ecdh(const char *name, CK_BYTE *oid, CK_ULONG oid_length, CK_ULONG field_bytes) {
    CK_OBJECT_HANDLE a, b;
    CK_BYTE a_point[160], b_point[160];
    CK_ULONG a_length = sizeof a_point, b_length = sizeof b_point;
    ec_pair(oid, oid_length, &a, a_point, &a_length);
    ec_pair(oid, oid_length, &b, b_point, &b_length);
    for (int wrapped = 0; wrapped < 2; wrapped++) {
        CK_ULONG a_raw_length = a_length, b_raw_length = b_length;
        CK_BYTE *a_raw = raw_point(a_point, &a_raw_length), *b_raw = raw_point(b_point, &b_raw_length);
        CK_ECDH1_DERIVE_PARAMS to_b = {CKD_NULL, 0, NULL, wrapped ? b_length : b_raw_length, wrapped ? b_point : b_raw};
        CK_ECDH1_DERIVE_PARAMS to_a = {CKD_NULL, 0, NULL, wrapped ? a_length : a_raw_length, wrapped ? a_point : a_raw};
        CK_MECHANISM from_a = {CKM_ECDH1_DERIVE, &to_b, sizeof to_b}, from_b = {CKM_ECDH1_DERIVE, &to_a, sizeof to_a};
        for (enum shape shape = 0; shape < SHAPES; shape++) {
            CK_BYTE one[128], other[128];
            CK_ULONG want = shape == AES ? 32 : shape == FULL ? 16 : field_bytes;
            CK_RV expected = shape == AES_NO_LENGTH ? CKR_TEMPLATE_INCOMPLETE : CKR_OK;
            CK_ULONG got = derive(&from_a, a, shape, want, one, expected);
            CK_ULONG back = derive(&from_b, b, shape, want, other, expected);
            if (expected != CKR_OK) continue;
            if (got != want) printf("  (%s %s shape %d: %lu bytes, want %lu)\n", name, wrapped ? "DER" : "raw", shape, got, want);
            CHECK(got == want && back == want && memcmp(one, other, want) == 0);
        }
    }
}

static void hkdf(void) {
    CK_BYTE ikm[22], salt[13], info[10];
    memset(ikm, 0x0b, sizeof ikm);
    for (int i = 0; i < 13; i++) salt[i] = (CK_BYTE)i;
    for (int i = 0; i < 10; i++) info[i] = (CK_BYTE)(0xf0 + i);
    /* RFC 5869 appendix A.1. */
    static const CK_BYTE okm[42] = {
        0x3c, 0xb2, 0x5f, 0x25, 0xfa, 0xac, 0xd5, 0x7a, 0x90, 0x43, 0x4f, 0x64, 0xd0, 0x36, 0x2f, 0x2a, 0x2d, 0x2d, 0x0a, 0x90, 0xcf,
        0x1a, 0x5a, 0x4c, 0x5d, 0xb0, 0x2d, 0x56, 0xec, 0xc4, 0xc5, 0xbf, 0x34, 0x00, 0x72, 0x08, 0xd5, 0xb8, 0x87, 0x18, 0x58, 0x65};
    CK_ATTRIBUTE base_template[] = {
        {CKA_CLASS, &secret_class, sizeof secret_class}, {CKA_KEY_TYPE, &generic_type, sizeof generic_type},
        {CKA_TOKEN, &no, 1}, {CKA_DERIVE, &yes, 1}, {CKA_VALUE, ikm, sizeof ikm},
    };
    CK_OBJECT_HANDLE base;
    EXPECT(f->C_CreateObject(s, base_template, 5, &base), CKR_OK);
    CK_HKDF_PARAMS params = {CK_TRUE, CK_TRUE, CKM_SHA256, CKF_HKDF_SALT_DATA, salt, sizeof salt, 0, info, sizeof info};
    CK_MECHANISM mechanism = {CKM_HKDF_DERIVE, &params, sizeof params};
    CK_BYTE value[128];
    /* HKDF-Expand's output is a prefix of any longer one, so every length compares with the OKM. */
    CK_ULONG lengths[SHAPES] = {42, 32, 32, 32, 0};
    for (enum shape shape = 0; shape < SHAPES; shape++) {
        CK_RV expected = shape == AES_NO_LENGTH ? CKR_TEMPLATE_INCOMPLETE : CKR_OK;
        CK_ULONG got = derive(&mechanism, base, shape, lengths[shape], value, expected);
        if (expected == CKR_OK) CHECK(got == lengths[shape] && memcmp(value, okm, got) == 0);
    }
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s library user:password\n", argv[0]); return 2; }
    if (!(f = load_module(argv[1]))) return 1;
    s = open_logged_in(f, argv[2]);
    static CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    static CK_BYTE p384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
    static CK_BYTE p521[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23};
    ecdh("P-256", p256, sizeof p256, 32);
    ecdh("P-384", p384, sizeof p384, 48);
    ecdh("P-521", p521, sizeof p521, 66);
    hkdf();
    EXPECT(f->C_Finalize(NULL), CKR_OK);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
