/* Migration of private keys from another HSM into Coffer, as PKCS#11 applications do it: SoftHSM2
 * generates an RSA-2048 and an EC P-256 key pair with extractable private keys and wraps each
 * private key (PKCS#8, which SoftHSM2 zero-pads to a multiple of 8 bytes) under an AES-256 key with
 * CKM_AES_KEY_WRAP_PAD (SoftHSM2's is RFC 5649). SoftHSM2 2.6 does not wrap EdDSA keys
 * (CKR_KEY_NOT_WRAPPABLE); Ed25519 unwrapping is tested Coffer to Coffer. Coffer gets the same AES key through C_CreateObject, unwraps each blob with
 * CKM_AES_KEY_WRAP_KWP (RFC 5649) into a private key, and signs; SoftHSM2 verifies each signature
 * with the original public key. Coffer must also refuse a tampered blob and a wrong key type with
 * CKR_WRAPPED_KEY_INVALID, making nothing.
 * Usage: migrate <coffer.so> <user:password> <softhsm.so> <softhsm-pin>   (SOFTHSM2_CONF set)
 * Prints one line per failed check and exits 1 if any failed. */
#include <stdio.h>
#include <string.h>
#include "../../../Sources/CPKCS11/shim.h"
#include "check.h"

#ifndef CKM_AES_KEY_WRAP_KWP
#define CKM_AES_KEY_WRAP_KWP 0x210BUL
#endif

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS secret_class = CKO_SECRET_KEY, private_class = CKO_PRIVATE_KEY;
static CK_KEY_TYPE aes_type = CKK_AES;
static CK_BYTE kek_value[32] = {0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe, 0x2b, 0x73, 0xae, 0xf0, 0x85, 0x7d, 0x77, 0x81,
                                0x1f, 0x35, 0x2c, 0x07, 0x3b, 0x61, 0x08, 0xd7, 0x2d, 0x98, 0x10, 0xa3, 0x09, 0x14, 0xdf, 0xf4};

/* An AES-256 session key with the shared value that may wrap (`wrap`) or unwrap. */
static CK_OBJECT_HANDLE make_kek(CK_FUNCTION_LIST_PTR list, CK_SESSION_HANDLE session, int wrap) {
    CK_ATTRIBUTE template[] = {
        {CKA_CLASS, &secret_class, sizeof secret_class}, {CKA_KEY_TYPE, &aes_type, sizeof aes_type},
        {CKA_TOKEN, &no, 1},                             {CKA_VALUE, kek_value, sizeof kek_value},
        {wrap ? CKA_WRAP : CKA_UNWRAP, &yes, 1},
    };
    CK_OBJECT_HANDLE key = 0;
    EXPECT(list->C_CreateObject(session, template, 5, &key), CKR_OK);
    return key;
}

struct kind {
    const char *name;
    CK_KEY_TYPE type;
    CK_MECHANISM_TYPE generate, sign;
};

int main(int argc, char **argv) {
    if (argc != 5) { printf("usage: migrate <coffer.so> <user:password> <softhsm.so> <softhsm-pin>\n"); return 2; }
    CK_FUNCTION_LIST_PTR coffer = load_module(argv[1]), soft = load_module(argv[3]);
    if (!coffer || !soft) return 1;

    /* SoftHSM2: the first initialized token. */
    EXPECT(soft->C_Initialize(NULL), CKR_OK);
    CK_SLOT_ID slots[4];
    CK_ULONG slot_count = 4;
    EXPECT(soft->C_GetSlotList(CK_TRUE, slots, &slot_count), CKR_OK);
    if (slot_count == 0) { printf("FAIL no SoftHSM2 token\n"); return 1; }
    CK_SESSION_HANDLE hsm = 0;
    EXPECT(soft->C_OpenSession(slots[0], CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &hsm), CKR_OK);
    EXPECT(soft->C_Login(hsm, CKU_USER, (CK_UTF8CHAR_PTR)argv[4], strlen(argv[4])), CKR_OK);
    CK_OBJECT_HANDLE wrapping = make_kek(soft, hsm, 1);

    CK_SESSION_HANDLE s = open_logged_in(coffer, argv[2]);
    CK_OBJECT_HANDLE unwrapping = make_kek(coffer, s, 0);

    static CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    CK_ULONG bits = 2048;
    struct kind kinds[] = {
        {"rsa", CKK_RSA, CKM_RSA_PKCS_KEY_PAIR_GEN, CKM_SHA256_RSA_PKCS},
        {"ec", CKK_EC, CKM_EC_KEY_PAIR_GEN, CKM_ECDSA},
    };
    for (int k = 0; k < 2; k++) {
        struct kind *kind = &kinds[k];
        CK_ATTRIBUTE public_template[2] = {{CKA_TOKEN, &no, 1}};
        if (kind->type == CKK_RSA) public_template[1] = (CK_ATTRIBUTE){CKA_MODULUS_BITS, &bits, sizeof bits};
        else public_template[1] = (CK_ATTRIBUTE){CKA_EC_PARAMS, p256, sizeof p256};
        CK_ATTRIBUTE private_template[] = {
            {CKA_TOKEN, &no, 1}, {CKA_SIGN, &yes, 1}, {CKA_SENSITIVE, &yes, 1}, {CKA_EXTRACTABLE, &yes, 1}};
        CK_MECHANISM generate = {kind->generate, NULL, 0};
        CK_OBJECT_HANDLE public_key = 0, private_key = 0;
        CK_RV rv = soft->C_GenerateKeyPair(hsm, &generate, public_template, 2, private_template, 4, &public_key, &private_key);
        if (rv != CKR_OK) printf("  (%s)\n", kind->name);
        EXPECT(rv, CKR_OK);
        if (rv != CKR_OK) continue;

        /* Wrapped in SoftHSM2: PKCS#8 under RFC 5649. */
        CK_MECHANISM wrap = {CKM_AES_KEY_WRAP_PAD, NULL, 0};
        CK_BYTE wrapped[4096];
        CK_ULONG wrapped_length = sizeof wrapped;
        rv = soft->C_WrapKey(hsm, &wrap, wrapping, private_key, wrapped, &wrapped_length);
        if (rv != CKR_OK) printf("  (%s)\n", kind->name);
        EXPECT(rv, CKR_OK);
        if (rv != CKR_OK) continue;

        /* Unwrapped into Coffer. */
        CK_KEY_TYPE type = kind->type;
        CK_ATTRIBUTE unwrap_template[] = {
            {CKA_CLASS, &private_class, sizeof private_class}, {CKA_KEY_TYPE, &type, sizeof type},
            {CKA_TOKEN, &no, 1}, {CKA_SIGN, &yes, 1}, {CKA_LABEL, (void *)kind->name, strlen(kind->name)},
        };
        CK_MECHANISM unwrap = {CKM_AES_KEY_WRAP_KWP, NULL, 0};
        CK_OBJECT_HANDLE migrated = 0;
        rv = coffer->C_UnwrapKey(s, &unwrap, unwrapping, wrapped, wrapped_length, unwrap_template, 5, &migrated);
        if (rv != CKR_OK) printf("  (%s)\n", kind->name);
        EXPECT(rv, CKR_OK);
        if (rv != CKR_OK) continue;

        /* The migrated key is sensitive, not local, and never readable. */
        CK_BBOOL sensitive = 0, local = 1;
        CK_ATTRIBUTE flags[] = {{CKA_SENSITIVE, &sensitive, 1}, {CKA_LOCAL, &local, 1}};
        EXPECT(coffer->C_GetAttributeValue(s, migrated, flags, 2), CKR_OK);
        CHECK(sensitive == CK_TRUE && local == CK_FALSE);
        if (kind->type == CKK_RSA) {
            CK_BYTE theirs[512], ours[512];
            CK_ATTRIBUTE a = {CKA_MODULUS, theirs, sizeof theirs}, b = {CKA_MODULUS, ours, sizeof ours};
            EXPECT(soft->C_GetAttributeValue(hsm, public_key, &a, 1), CKR_OK);
            EXPECT(coffer->C_GetAttributeValue(s, migrated, &b, 1), CKR_OK);
            CHECK(a.ulValueLen == b.ulValueLen && memcmp(theirs, ours, a.ulValueLen) == 0);
            CK_BYTE exponent[512];
            CK_ATTRIBUTE d = {CKA_PRIVATE_EXPONENT, exponent, sizeof exponent};
            EXPECT(coffer->C_GetAttributeValue(s, migrated, &d, 1), CKR_ATTRIBUTE_SENSITIVE);
        }

        /* Signed in Coffer, verified in SoftHSM2 with the original public key. */
        CK_BYTE message[32];
        for (int i = 0; i < 32; i++) message[i] = (CK_BYTE)(i * 7 + k);
        CK_MECHANISM sign = {kind->sign, NULL, 0};
        CK_BYTE signature[512];
        CK_ULONG signature_length = sizeof signature;
        EXPECT(coffer->C_SignInit(s, &sign, migrated), CKR_OK);
        EXPECT(coffer->C_Sign(s, message, sizeof message, signature, &signature_length), CKR_OK);
        EXPECT(soft->C_VerifyInit(hsm, &sign, public_key), CKR_OK);
        rv = soft->C_Verify(hsm, message, sizeof message, signature, signature_length);
        if (rv != CKR_OK) printf("  (%s)\n", kind->name);
        EXPECT(rv, CKR_OK);

        /* A tampered blob, and the right blob under the wrong key type: nothing is made. */
        CK_OBJECT_HANDLE none = 0;
        wrapped[wrapped_length / 2] ^= 1;
        EXPECT(coffer->C_UnwrapKey(s, &unwrap, unwrapping, wrapped, wrapped_length, unwrap_template, 5, &none),
               CKR_WRAPPED_KEY_INVALID);
        wrapped[wrapped_length / 2] ^= 1;
        CK_KEY_TYPE wrong = kind->type == CKK_RSA ? CKK_EC : CKK_RSA;
        unwrap_template[1].pValue = &wrong;
        EXPECT(coffer->C_UnwrapKey(s, &unwrap, unwrapping, wrapped, wrapped_length, unwrap_template, 5, &none),
               CKR_WRAPPED_KEY_INVALID);
        CHECK(none == 0);
    }

    EXPECT(coffer->C_Finalize(NULL), CKR_OK);
    EXPECT(soft->C_Finalize(NULL), CKR_OK);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
