/* ML-KEM through the PKCS#11 3.2 interface (C_EncapsulateKey, C_DecapsulateKey, CKM_ML_KEM).
 * C_GetInterfaceList names "PKCS 11" at 2.40, 3.0 and 3.2, and C_GetInterface with no version gives
 * 2.40. Through the 3.2 list: an ML-KEM-768 and an ML-KEM-1024 public key encapsulate a secret
 * that the private key decapsulates into an equal key (equal CKA_VALUE for extractable generic
 * secrets; AES-256 keys that decrypt each other's AES-GCM); a length query and a short buffer make
 * no key; a changed ciphertext opens to another secret (implicit rejection); the library-kept
 * attributes follow the keys; and every bad input gets its CKR. The 3.x functions Coffer lacks
 * answer CKR_FUNCTION_NOT_SUPPORTED.
 * Usage: mlkem <library.so> <user:password>
 * Prints one line per failed check and exits 1 if any failed. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include "../../../Sources/CPKCS11/shim.h"
#include "check.h"

#define CKM_ML_KEM_KEY_PAIR_GEN_ 0x0FUL
#define CKA_ENCAPSULATE_ 0x633UL
#define CKA_DECAPSULATE_ 0x634UL

static CK_FUNCTION_LIST_3_2 *f;
static CK_SESSION_HANDLE s;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS secret_class = CKO_SECRET_KEY;

static void generate(CK_ULONG set, CK_BBOOL encapsulate, CK_OBJECT_HANDLE *public_key, CK_OBJECT_HANDLE *private_key) {
    CK_ATTRIBUTE public_template[] = {
        {CKA_TOKEN, &no, 1}, {CKA_PARAMETER_SET, &set, sizeof set}, {CKA_ENCAPSULATE_, &encapsulate, 1}};
    CK_ATTRIBUTE private_template[] = {{CKA_TOKEN, &no, 1}, {CKA_DECAPSULATE_, &yes, 1}};
    CK_MECHANISM mechanism = {CKM_ML_KEM_KEY_PAIR_GEN_, NULL, 0};
    EXPECT(f->base.C_GenerateKeyPair(s, &mechanism, public_template, 3, private_template, 2, public_key, private_key), CKR_OK);
}

/* The number of secret keys the session sees. */
static CK_ULONG secret_keys(void) {
    CK_ATTRIBUTE template[] = {{CKA_CLASS, &secret_class, sizeof secret_class}};
    CK_OBJECT_HANDLE found[64];
    CK_ULONG count = 0;
    EXPECT(f->base.C_FindObjectsInit(s, template, 1), CKR_OK);
    EXPECT(f->base.C_FindObjects(s, found, 64, &count), CKR_OK);
    EXPECT(f->base.C_FindObjectsFinal(s), CKR_OK);
    return count;
}

static int read_value(CK_OBJECT_HANDLE key, CK_BYTE *value, CK_ULONG *length) {
    CK_ATTRIBUTE attribute = {CKA_VALUE, value, *length};
    CK_RV rv = f->base.C_GetAttributeValue(s, key, &attribute, 1);
    *length = attribute.ulValueLen;
    return rv == CKR_OK;
}

static CK_BBOOL flag(CK_OBJECT_HANDLE key, CK_ATTRIBUTE_TYPE type) {
    CK_BBOOL value = 2;
    CK_ATTRIBUTE attribute = {type, &value, 1};
    EXPECT(f->base.C_GetAttributeValue(s, key, &attribute, 1), CKR_OK);
    return value;
}

static void check_interfaces(void *library) {
    CK_RV (*get_list)(CK_INTERFACE_PTR, CK_ULONG_PTR) = dlsym(library, "C_GetInterfaceList");
    CK_RV (*get)(CK_UTF8CHAR_PTR, CK_VERSION_PTR, CK_INTERFACE_PTR_PTR, CK_FLAGS) = dlsym(library, "C_GetInterface");
    CHECK(get_list != NULL && get != NULL);
    if (!get_list || !get) return;
    CK_INTERFACE interfaces[4];
    CK_ULONG count = 0;
    EXPECT(get_list(NULL, &count), CKR_OK);
    CHECK(count == 3);
    count = 2;
    EXPECT(get_list(interfaces, &count), CKR_BUFFER_TOO_SMALL);
    count = 4;
    EXPECT(get_list(interfaces, &count), CKR_OK);
    int seen240 = 0, seen30 = 0, seen32 = 0;
    for (CK_ULONG i = 0; i < count && i < 4; i++) {
        CHECK(strcmp((char *)interfaces[i].pInterfaceName, "PKCS 11") == 0);
        CK_VERSION *version = interfaces[i].pFunctionList;
        seen240 += version->major == 2 && version->minor == 40;
        seen30 += version->major == 3 && version->minor == 0;
        seen32 += version->major == 3 && version->minor == 2;
    }
    CHECK(seen240 == 1 && seen30 == 1 && seen32 == 1);

    CK_INTERFACE_PTR found = NULL;
    EXPECT(get(NULL, NULL, &found, 0), CKR_OK);
    CHECK(found && ((CK_VERSION *)found->pFunctionList)->major == 2);
    CK_VERSION v31 = {3, 1}, v30 = {3, 0};
    EXPECT(get((CK_UTF8CHAR_PTR)"PKCS 11", &v31, &found, 0), CKR_ARGUMENTS_BAD);
    EXPECT(get((CK_UTF8CHAR_PTR)"Vendor", NULL, &found, 0), CKR_ARGUMENTS_BAD);
    EXPECT(get(NULL, NULL, NULL, 0), CKR_ARGUMENTS_BAD);
    EXPECT(get((CK_UTF8CHAR_PTR)"PKCS 11", &v30, &found, 0), CKR_OK);
    CHECK(found && ((CK_VERSION *)found->pFunctionList)->major == 3 && ((CK_VERSION *)found->pFunctionList)->minor == 0);
}

int main(int argc, char **argv) {
    if (argc != 3) { printf("usage: mlkem <library.so> <user:password>\n"); return 2; }
    void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!library) { printf("FAIL dlopen: %s\n", dlerror()); return 1; }
    check_interfaces(library);
    CK_RV (*get)(CK_UTF8CHAR_PTR, CK_VERSION_PTR, CK_INTERFACE_PTR_PTR, CK_FLAGS) = dlsym(library, "C_GetInterface");
    CK_VERSION v32 = {3, 2};
    CK_INTERFACE_PTR interface = NULL;
    if (!get || get((CK_UTF8CHAR_PTR)"PKCS 11", &v32, &interface, 0) != CKR_OK || !interface) {
        printf("FAIL no 3.2 interface\n");
        return 1;
    }
    f = interface->pFunctionList;
    CHECK(f->base.version.major == 3 && f->base.version.minor == 2);
    s = open_logged_in(&f->base, argv[2]);
    CK_INFO info;
    EXPECT(f->base.C_GetInfo(&info), CKR_OK);
    CHECK(info.cryptokiVersion.major == 3 && info.cryptokiVersion.minor == 2);

    CK_OBJECT_HANDLE public768 = 0, private768 = 0, public1024 = 0, private1024 = 0, closed_public = 0, closed_private = 0;
    generate(CKP_ML_KEM_768, CK_TRUE, &public768, &private768);
    generate(CKP_ML_KEM_1024, CK_TRUE, &public1024, &private1024);
    generate(CKP_ML_KEM_768, CK_FALSE, &closed_public, &closed_private);

    CK_MECHANISM kem = {CKM_ML_KEM, NULL, 0};
    CK_KEY_TYPE generic = CKK_GENERIC_SECRET, aes = CKK_AES;
    CK_ATTRIBUTE open_template[] = {
        {CKA_CLASS, &secret_class, sizeof secret_class}, {CKA_KEY_TYPE, &generic, sizeof generic}, {CKA_TOKEN, &no, 1},
        {CKA_SENSITIVE, &no, 1}, {CKA_EXTRACTABLE, &yes, 1}};

    /* The length query and a short buffer make no key. */
    CK_ULONG before = secret_keys();
    static CK_BYTE ciphertext[2048];
    CK_ULONG length = 0;
    CK_OBJECT_HANDLE sent = 0, received = 0;
    EXPECT(f->C_EncapsulateKey(s, &kem, public768, open_template, 5, NULL, &length, NULL), CKR_OK);
    CHECK(length == 1088);
    length = 100;
    EXPECT(f->C_EncapsulateKey(s, &kem, public768, open_template, 5, ciphertext, &length, &sent), CKR_BUFFER_TOO_SMALL);
    CHECK(length == 1088 && sent == 0);
    CHECK(secret_keys() == before);

    /* Encapsulate, decapsulate: the same 32-byte secret. */
    length = sizeof ciphertext;
    EXPECT(f->C_EncapsulateKey(s, &kem, public768, open_template, 5, ciphertext, &length, &sent), CKR_OK);
    CHECK(length == 1088 && sent != 0);
    EXPECT(f->C_DecapsulateKey(s, &kem, private768, open_template, 5, ciphertext, length, &received), CKR_OK);
    CHECK(received != 0 && received != sent);
    CK_BYTE sent_value[64], received_value[64];
    CK_ULONG sent_length = sizeof sent_value, received_length = sizeof received_value;
    CHECK(read_value(sent, sent_value, &sent_length) && read_value(received, received_value, &received_length));
    CHECK(sent_length == 32 && received_length == 32 && memcmp(sent_value, received_value, 32) == 0);
    CHECK(secret_keys() == before + 2);
    CHECK(flag(sent, CKA_LOCAL) == CK_FALSE && flag(received, CKA_LOCAL) == CK_FALSE);

    /* A changed ciphertext opens (FIPS 203 implicit rejection) to another secret. */
    ciphertext[17] ^= 0x01;
    CK_OBJECT_HANDLE other = 0;
    EXPECT(f->C_DecapsulateKey(s, &kem, private768, open_template, 5, ciphertext, length, &other), CKR_OK);
    CK_BYTE other_value[64];
    CK_ULONG other_length = sizeof other_value;
    CHECK(read_value(other, other_value, &other_length) && other_length == 32 && memcmp(other_value, sent_value, 32) != 0);
    ciphertext[17] ^= 0x01;

    /* ML-KEM-1024, into AES-256 token keys that never leave the token: one encrypts, the other decrypts. */
    CK_ATTRIBUTE aes_template[] = {
        {CKA_CLASS, &secret_class, sizeof secret_class}, {CKA_KEY_TYPE, &aes, sizeof aes}, {CKA_TOKEN, &yes, 1},
        {CKA_SENSITIVE, &yes, 1}, {CKA_EXTRACTABLE, &no, 1}, {CKA_ENCRYPT, &yes, 1}, {CKA_DECRYPT, &yes, 1}};
    length = sizeof ciphertext;
    CK_OBJECT_HANDLE aes_sent = 0, aes_received = 0;
    EXPECT(f->C_EncapsulateKey(s, &kem, public1024, aes_template, 7, ciphertext, &length, &aes_sent), CKR_OK);
    CHECK(length == 1568);
    EXPECT(f->C_DecapsulateKey(s, &kem, private1024, aes_template, 7, ciphertext, length, &aes_received), CKR_OK);
    CHECK(flag(aes_sent, CKA_ALWAYS_SENSITIVE) == CK_TRUE && flag(aes_sent, CKA_NEVER_EXTRACTABLE) == CK_TRUE);
    CHECK(flag(aes_received, CKA_ALWAYS_SENSITIVE) == CK_TRUE && flag(aes_received, CKA_NEVER_EXTRACTABLE) == CK_TRUE);
    CK_BYTE value[64];
    CK_ULONG value_length = sizeof value;
    CHECK(!read_value(aes_sent, value, &value_length));
    CK_BYTE iv[12] = {1, 2, 3}, plain[] = "a message under an encapsulated key", sealed[128], opened[128];
    CK_GCM_PARAMS gcm = {iv, sizeof iv, 96, NULL, 0, 128};
    CK_MECHANISM aes_gcm = {CKM_AES_GCM, &gcm, sizeof gcm};
    CK_ULONG sealed_length = sizeof sealed, opened_length = sizeof opened;
    EXPECT(f->base.C_EncryptInit(s, &aes_gcm, aes_sent), CKR_OK);
    EXPECT(f->base.C_Encrypt(s, plain, sizeof plain, sealed, &sealed_length), CKR_OK);
    EXPECT(f->base.C_DecryptInit(s, &aes_gcm, aes_received), CKR_OK);
    EXPECT(f->base.C_Decrypt(s, sealed, sealed_length, opened, &opened_length), CKR_OK);
    CHECK(opened_length == sizeof plain && memcmp(opened, plain, sizeof plain) == 0);
    EXPECT(f->base.C_DestroyObject(s, aes_sent), CKR_OK);
    EXPECT(f->base.C_DestroyObject(s, aes_received), CKR_OK);

    /* Bad inputs. */
    length = sizeof ciphertext;
    CK_OBJECT_HANDLE none = 0;
    EXPECT(f->C_EncapsulateKey(s, &kem, public768, open_template, 5, ciphertext, NULL, &none), CKR_ARGUMENTS_BAD);
    EXPECT(f->C_EncapsulateKey(s, &kem, public768, open_template, 5, ciphertext, &length, NULL), CKR_ARGUMENTS_BAD);
    EXPECT(f->C_EncapsulateKey(s, NULL, public768, open_template, 5, ciphertext, &length, &none), CKR_ARGUMENTS_BAD);
    EXPECT(f->C_EncapsulateKey(s, &kem, 0, open_template, 5, ciphertext, &length, &none), CKR_KEY_HANDLE_INVALID);
    EXPECT(f->C_EncapsulateKey(s, &kem, 0x7fff0001, open_template, 5, ciphertext, &length, &none), CKR_KEY_HANDLE_INVALID);
    EXPECT(f->C_EncapsulateKey(s, &kem, private768, open_template, 5, ciphertext, &length, &none), CKR_KEY_FUNCTION_NOT_PERMITTED);
    EXPECT(f->C_EncapsulateKey(s, &kem, closed_public, open_template, 5, ciphertext, &length, &none), CKR_KEY_FUNCTION_NOT_PERMITTED);
    EXPECT(f->C_EncapsulateKey(s, &kem, sent, open_template, 5, ciphertext, &length, &none), CKR_KEY_TYPE_INCONSISTENT);
    EXPECT(f->C_EncapsulateKey(0, &kem, public768, open_template, 5, ciphertext, &length, &none), CKR_SESSION_HANDLE_INVALID);
    CK_MECHANISM gcm_mechanism = {CKM_AES_GCM, &gcm, sizeof gcm};
    EXPECT(f->C_EncapsulateKey(s, &gcm_mechanism, public768, open_template, 5, ciphertext, &length, &none), CKR_MECHANISM_INVALID);
    CK_BYTE parameter[4] = {0};
    CK_MECHANISM with_parameter = {CKM_ML_KEM, parameter, sizeof parameter};
    EXPECT(f->C_EncapsulateKey(s, &with_parameter, public768, open_template, 5, ciphertext, &length, &none), CKR_MECHANISM_PARAM_INVALID);
    EXPECT(f->C_DecapsulateKey(s, &with_parameter, private768, open_template, 5, ciphertext, 1088, &none), CKR_MECHANISM_PARAM_INVALID);
    CK_ULONG sixteen = 16;
    CK_ATTRIBUTE short_aes[] = {
        {CKA_CLASS, &secret_class, sizeof secret_class}, {CKA_KEY_TYPE, &aes, sizeof aes}, {CKA_TOKEN, &no, 1},
        {CKA_VALUE_LEN, &sixteen, sizeof sixteen}};
    EXPECT(f->C_EncapsulateKey(s, &kem, public768, short_aes, 4, ciphertext, &length, &none), CKR_TEMPLATE_INCONSISTENT);
    CK_OBJECT_CLASS private_class = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE wrong_class[] = {{CKA_CLASS, &private_class, sizeof private_class}, {CKA_KEY_TYPE, &aes, sizeof aes}};
    EXPECT(f->C_EncapsulateKey(s, &kem, public768, wrong_class, 2, ciphertext, &length, &none), CKR_TEMPLATE_INCONSISTENT);
    EXPECT(f->C_EncapsulateKey(s, &kem, public768, NULL, 1, ciphertext, &length, &none), CKR_ARGUMENTS_BAD);
    CHECK(none == 0);

    length = sizeof ciphertext;
    EXPECT(f->C_EncapsulateKey(s, &kem, public768, open_template, 5, ciphertext, &length, &sent), CKR_OK);
    EXPECT(f->C_DecapsulateKey(s, &kem, private768, open_template, 5, ciphertext, length - 1, &none), CKR_ENCRYPTED_DATA_LEN_RANGE);
    EXPECT(f->C_DecapsulateKey(s, &kem, private768, open_template, 5, NULL, length, &none), CKR_ARGUMENTS_BAD);
    EXPECT(f->C_DecapsulateKey(s, &kem, private768, open_template, 5, ciphertext, length, NULL), CKR_ARGUMENTS_BAD);
    EXPECT(f->C_DecapsulateKey(s, &kem, public768, open_template, 5, ciphertext, length, &none), CKR_KEY_FUNCTION_NOT_PERMITTED);
    EXPECT(f->C_DecapsulateKey(s, &kem, private1024, open_template, 5, ciphertext, length, &none), CKR_ENCRYPTED_DATA_LEN_RANGE);
    EXPECT(f->C_DecapsulateKey(s, &kem, 0, open_template, 5, ciphertext, length, &none), CKR_KEY_HANDLE_INVALID);
    CHECK(none == 0);

    /* The 3.x functions Coffer does not offer. */
    EXPECT(f->C_MessageEncryptInit(s, &aes_gcm, sent), CKR_FUNCTION_NOT_SUPPORTED);
    EXPECT(f->C_SessionCancel(s, 0), CKR_FUNCTION_NOT_SUPPORTED);
    EXPECT(f->C_LoginUser(s, CKU_USER, NULL, 0, NULL, 0), CKR_FUNCTION_NOT_SUPPORTED);
    EXPECT(f->C_VerifySignatureInit(s, &kem, public768, NULL, 0), CKR_FUNCTION_NOT_SUPPORTED);
    EXPECT(f->C_WrapKeyAuthenticated(s, &kem, public768, sent, NULL, 0, NULL, &length), CKR_FUNCTION_NOT_SUPPORTED);

    EXPECT(f->base.C_Finalize(NULL), CKR_OK);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
