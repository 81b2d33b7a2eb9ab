/* Wrapping AES keys with RSA (issue 16 item 16): an RSA-2048 public key with CKA_WRAP wraps an
 * extractable AES key with CKM_RSA_PKCS_OAEP (SHA-256 and SHA-1, MGF1 to match, no label), its
 * private key with CKA_UNWRAP unwraps it into a key with the same value, and a changed blob is
 * refused. CKM_RSA_PKCS is refused for both (a PKCS#1 v1.5 unwrap is a padding oracle), and OAEP
 * without its parameters is CKR_MECHANISM_PARAM_INVALID.
 * Usage: rsawrap <library.so> <user:password>
 * Prints one line per failed check and exits 1 if any failed. */
#include <stdio.h>
#include <string.h>
#include "../../../Sources/CPKCS11/shim.h"
#include "check.h"

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

    CK_MECHANISM pkcs1 = {CKM_RSA_PKCS, NULL, 0};
    CK_BYTE wrapped[512];
    CK_ULONG wrapped_length = sizeof wrapped;
    EXPECT(f->C_WrapKey(s, &pkcs1, public_key, key, wrapped, &wrapped_length), CKR_MECHANISM_INVALID);
    CK_OBJECT_HANDLE none = 0;
    memset(wrapped, 1, 256);
    EXPECT(f->C_UnwrapKey(s, &pkcs1, private_key, wrapped, 256, unwrap_template, 6, &none), CKR_MECHANISM_INVALID);
    CK_MECHANISM bare = {CKM_RSA_PKCS_OAEP, NULL, 0};
    wrapped_length = sizeof wrapped;
    EXPECT(f->C_WrapKey(s, &bare, public_key, key, wrapped, &wrapped_length), CKR_MECHANISM_PARAM_INVALID);

    EXPECT(f->C_Finalize(NULL), CKR_OK);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
