/* Wrapping AES keys with RSA (issue 16 item 16): an RSA-2048 public key with CKA_WRAP wraps an
 * extractable AES key with CKM_RSA_PKCS_OAEP (SHA-256 and SHA-1, MGF1 to match, no label), its
 * private key with CKA_UNWRAP unwraps it into a key with the same value, and a changed blob is
 * refused; OAEP without its parameters is CKR_MECHANISM_PARAM_INVALID.
 * CKM_RSA_PKCS: wraps secret keys (not private keys, and never encrypts data); unwraps only with a
 * private key whose CKA_ALLOWED_MECHANISMS lists it, into a key of the template's CKA_VALUE_LEN, and
 * then with implicit rejection: a blob OpenSSL's libcrypto wrapped (an independent implementation)
 * unwraps to the original value, while a changed blob or one of another length gives CKR_OK and a
 * different key (the same for the same blob), so that no answer is a padding oracle.
 * Usage: rsawrap <library.so> <user:password>   (links libcrypto)
 * Prints one line per failed check and exits 1 if any failed. */
#include <stdio.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include "../../../Sources/CPKCS11/shim.h"
#include "check.h"

/* RSAES-PKCS1-v1_5 encryption of `value` by libcrypto under the public key (n, e). */
static size_t openssl_wrap(const CK_BYTE *n, size_t n_length, const CK_BYTE *e, size_t e_length,
                           const CK_BYTE *value, size_t value_length, CK_BYTE *out, size_t out_size) {
    BIGNUM *modulus = BN_bin2bn(n, (int)n_length, NULL), *exponent = BN_bin2bn(e, (int)e_length, NULL);
    OSSL_PARAM_BLD *build = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_N, modulus);
    OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_E, exponent);
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(build);
    EVP_PKEY_CTX *from = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *key = NULL;
    size_t length = out_size;
    int ok = from && EVP_PKEY_fromdata_init(from) == 1 && EVP_PKEY_fromdata(from, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
    EVP_PKEY_CTX *encrypt = ok ? EVP_PKEY_CTX_new(key, NULL) : NULL;
    ok = ok && encrypt && EVP_PKEY_encrypt_init(encrypt) == 1 && EVP_PKEY_CTX_set_rsa_padding(encrypt, RSA_PKCS1_PADDING) == 1
        && EVP_PKEY_encrypt(encrypt, out, &length, value, value_length) == 1;
    EVP_PKEY_CTX_free(encrypt);
    EVP_PKEY_free(key);
    EVP_PKEY_CTX_free(from);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(build);
    BN_free(modulus);
    BN_free(exponent);
    return ok ? length : 0;
}

static int read_value(CK_FUNCTION_LIST_PTR f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, CK_BYTE *out, CK_ULONG *length) {
    CK_ATTRIBUTE attribute = {CKA_VALUE, out, *length};
    CK_RV rv = f->C_GetAttributeValue(s, key, &attribute, 1);
    *length = attribute.ulValueLen;
    return rv == CKR_OK;
}

int main(int argc, char **argv) {
    if (argc != 3) { printf("usage: rsawrap <library.so> <user:password>\n"); return 2; }
    CK_FUNCTION_LIST_PTR f = load_module(argv[1]);
    if (!f) return 1;
    CK_SESSION_HANDLE s = open_logged_in(f, argv[2]);
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ULONG bits = 2048, length = 16;
    CK_ATTRIBUTE public_template[] = {{CKA_TOKEN, &no, 1}, {CKA_MODULUS_BITS, &bits, sizeof bits}, {CKA_WRAP, &yes, 1}};
    CK_ATTRIBUTE private_template[] = {{CKA_TOKEN, &no, 1}, {CKA_UNWRAP, &yes, 1}};
    CK_MECHANISM generate = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
    CK_OBJECT_HANDLE public_key = 0, private_key = 0;
    EXPECT(f->C_GenerateKeyPair(s, &generate, public_template, 3, private_template, 2, &public_key, &private_key), CKR_OK);

    CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
    CK_KEY_TYPE aes = CKK_AES;
    CK_BYTE value[16];
    for (int i = 0; i < 16; i++) value[i] = (CK_BYTE)(i * 13 + 5);
    CK_ATTRIBUTE key_template[] = {
        {CKA_CLASS, &secret, sizeof secret}, {CKA_KEY_TYPE, &aes, sizeof aes}, {CKA_TOKEN, &no, 1},
        {CKA_VALUE, value, sizeof value},    {CKA_EXTRACTABLE, &yes, 1},      {CKA_SENSITIVE, &no, 1},
    };
    CK_OBJECT_HANDLE key = 0;
    EXPECT(f->C_CreateObject(s, key_template, 6, &key), CKR_OK);
    CK_ATTRIBUTE unwrap_template[] = {
        {CKA_CLASS, &secret, sizeof secret}, {CKA_KEY_TYPE, &aes, sizeof aes}, {CKA_TOKEN, &no, 1},
        {CKA_EXTRACTABLE, &yes, 1},          {CKA_SENSITIVE, &no, 1},         {CKA_VALUE_LEN, &length, sizeof length},
    };

    CK_RSA_PKCS_OAEP_PARAMS sha256 = {CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 0};
    CK_RSA_PKCS_OAEP_PARAMS sha1 = {CKM_SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, NULL, 0};
    CK_RSA_PKCS_OAEP_PARAMS *choices[] = {&sha256, &sha1};
    for (int c = 0; c < 2; c++) {
        CK_MECHANISM oaep = {CKM_RSA_PKCS_OAEP, choices[c], sizeof *choices[c]};
        CK_BYTE wrapped[512];
        CK_ULONG wrapped_length = sizeof wrapped;
        EXPECT(f->C_WrapKey(s, &oaep, public_key, key, wrapped, &wrapped_length), CKR_OK);
        CHECK(wrapped_length == 256);
        CK_OBJECT_HANDLE unwrapped = 0;
        EXPECT(f->C_UnwrapKey(s, &oaep, private_key, wrapped, wrapped_length, unwrap_template, 6, &unwrapped), CKR_OK);
        CK_BYTE read[32];
        CK_ATTRIBUTE attribute = {CKA_VALUE, read, sizeof read};
        EXPECT(f->C_GetAttributeValue(s, unwrapped, &attribute, 1), CKR_OK);
        CHECK(attribute.ulValueLen == 16 && memcmp(read, value, 16) == 0);
        wrapped[100] ^= 1;
        CK_OBJECT_HANDLE none = 0;
        CK_RV rv = f->C_UnwrapKey(s, &oaep, private_key, wrapped, wrapped_length, unwrap_template, 6, &none);
        CHECK(rv == CKR_WRAPPED_KEY_INVALID || rv == CKR_ENCRYPTED_DATA_INVALID);
        CHECK(none == 0);
    }

    /* CKM_RSA_PKCS: wrapping a secret key is allowed; unwrapping needs the key to list the mechanism. */
    CK_MECHANISM pkcs1 = {CKM_RSA_PKCS, NULL, 0};
    CK_BYTE wrapped[512];
    CK_ULONG wrapped_length = sizeof wrapped;
    EXPECT(f->C_WrapKey(s, &pkcs1, public_key, key, wrapped, &wrapped_length), CKR_OK);
    CHECK(wrapped_length == 256);
    CK_OBJECT_HANDLE none = 0;
    EXPECT(f->C_UnwrapKey(s, &pkcs1, private_key, wrapped, wrapped_length, unwrap_template, 6, &none), CKR_MECHANISM_INVALID);
    CHECK(none == 0);
    CK_MECHANISM_TYPE allowed[] = {CKM_RSA_PKCS, CKM_RSA_PKCS_OAEP};
    CK_ATTRIBUTE opted_in_template[] = {
        {CKA_TOKEN, &no, 1}, {CKA_UNWRAP, &yes, 1}, {CKA_ALLOWED_MECHANISMS, allowed, sizeof allowed}};
    CK_OBJECT_HANDLE public2 = 0, private2 = 0;
    EXPECT(f->C_GenerateKeyPair(s, &generate, public_template, 3, opted_in_template, 3, &public2, &private2), CKR_OK);
    wrapped_length = sizeof wrapped;
    EXPECT(f->C_WrapKey(s, &pkcs1, public2, key, wrapped, &wrapped_length), CKR_OK);
    CK_OBJECT_HANDLE unwrapped = 0;
    EXPECT(f->C_UnwrapKey(s, &pkcs1, private2, wrapped, wrapped_length, unwrap_template, 6, &unwrapped), CKR_OK);
    CK_BYTE read[64];
    CK_ULONG read_length = sizeof read;
    CHECK(read_value(f, s, unwrapped, read, &read_length) && read_length == 16 && memcmp(read, value, 16) == 0);

    /* Wrapped by libcrypto, unwrapped by Coffer. */
    CK_BYTE modulus[512], exponent[16];
    CK_ATTRIBUTE numbers[] = {{CKA_MODULUS, modulus, sizeof modulus}, {CKA_PUBLIC_EXPONENT, exponent, sizeof exponent}};
    EXPECT(f->C_GetAttributeValue(s, public2, numbers, 2), CKR_OK);
    CK_BYTE foreign[512];
    size_t foreign_length = openssl_wrap(modulus, numbers[0].ulValueLen, exponent, numbers[1].ulValueLen, value, 16, foreign, sizeof foreign);
    CHECK(foreign_length == 256);
    CK_OBJECT_HANDLE from_openssl = 0;
    EXPECT(f->C_UnwrapKey(s, &pkcs1, private2, foreign, foreign_length, unwrap_template, 6, &from_openssl), CKR_OK);
    read_length = sizeof read;
    CHECK(read_value(f, s, from_openssl, read, &read_length) && read_length == 16 && memcmp(read, value, 16) == 0);

    /* Implicit rejection: a changed blob is not refused; it gives another key, the same each time. */
    wrapped[77] ^= 0x20;
    CK_OBJECT_HANDLE changed1 = 0, changed2 = 0;
    EXPECT(f->C_UnwrapKey(s, &pkcs1, private2, wrapped, wrapped_length, unwrap_template, 6, &changed1), CKR_OK);
    EXPECT(f->C_UnwrapKey(s, &pkcs1, private2, wrapped, wrapped_length, unwrap_template, 6, &changed2), CKR_OK);
    CK_BYTE first[64], second[64];
    CK_ULONG first_length = sizeof first, second_length = sizeof second;
    CHECK(read_value(f, s, changed1, first, &first_length) && read_value(f, s, changed2, second, &second_length));
    CHECK(first_length == 16 && second_length == 16 && memcmp(first, second, 16) == 0 && memcmp(first, value, 16) != 0);
    wrapped[77] ^= 0x20;
    /* A good blob of 16 bytes asked for as 32: CKR_OK and 32 other bytes, not a length oracle. */
    CK_ULONG thirty_two = 32;
    CK_ATTRIBUTE long_template[] = {
        {CKA_CLASS, &secret, sizeof secret}, {CKA_KEY_TYPE, &aes, sizeof aes}, {CKA_TOKEN, &no, 1},
        {CKA_EXTRACTABLE, &yes, 1},          {CKA_SENSITIVE, &no, 1},         {CKA_VALUE_LEN, &thirty_two, sizeof thirty_two},
    };
    CK_OBJECT_HANDLE longer = 0;
    EXPECT(f->C_UnwrapKey(s, &pkcs1, private2, wrapped, wrapped_length, long_template, 6, &longer), CKR_OK);
    read_length = sizeof read;
    CHECK(read_value(f, s, longer, read, &read_length) && read_length == 32 && memcmp(read, value, 16) != 0);

    /* What stays refused. */
    EXPECT(f->C_UnwrapKey(s, &pkcs1, private2, wrapped, wrapped_length, unwrap_template, 5, &none), CKR_TEMPLATE_INCOMPLETE);
    EXPECT(f->C_UnwrapKey(s, &pkcs1, private2, wrapped, 255, unwrap_template, 6, &none), CKR_WRAPPED_KEY_LEN_RANGE);
    CHECK(none == 0);
    EXPECT(f->C_EncryptInit(s, &pkcs1, public2), CKR_MECHANISM_INVALID);
    CK_BYTE p256[] = {0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
    CK_ATTRIBUTE ec_public[] = {{CKA_TOKEN, &no, 1}, {CKA_EC_PARAMS, p256, sizeof p256}};
    CK_ATTRIBUTE ec_private[] = {{CKA_TOKEN, &no, 1}, {CKA_EXTRACTABLE, &yes, 1}, {CKA_SENSITIVE, &yes, 1}};
    CK_MECHANISM ec_generate = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_OBJECT_HANDLE ec_public_key = 0, ec_private_key = 0;
    EXPECT(f->C_GenerateKeyPair(s, &ec_generate, ec_public, 2, ec_private, 3, &ec_public_key, &ec_private_key), CKR_OK);
    wrapped_length = sizeof wrapped;
    EXPECT(f->C_WrapKey(s, &pkcs1, public_key, ec_private_key, wrapped, &wrapped_length), CKR_KEY_NOT_WRAPPABLE);
    CK_MECHANISM_INFO info;
    EXPECT(f->C_GetMechanismInfo(0, CKM_RSA_PKCS, &info), CKR_OK);
    CHECK((info.flags & (CKF_WRAP | CKF_UNWRAP)) == (CKF_WRAP | CKF_UNWRAP) && (info.flags & (CKF_ENCRYPT | CKF_DECRYPT)) == 0);

    CK_MECHANISM bare = {CKM_RSA_PKCS_OAEP, NULL, 0};
    wrapped_length = sizeof wrapped;
    EXPECT(f->C_WrapKey(s, &bare, public_key, key, wrapped, &wrapped_length), CKR_MECHANISM_PARAM_INVALID);

    EXPECT(f->C_Finalize(NULL), CKR_OK);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
