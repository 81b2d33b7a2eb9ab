/* Importing an X.509 CA certificate with the attributes generic software sends (PKCS#11 3.0
 * sections 4.6.2 and 4.6.3): CKA_CERTIFICATE_TYPE, CKA_CERTIFICATE_CATEGORY (authority), CKA_SUBJECT,
 * CKA_ISSUER, CKA_SERIAL_NUMBER, CKA_ID, CKA_VALUE, CKA_URL, the two public-key hashes,
 * CKA_JAVA_MIDP_SECURITY_DOMAIN and CKA_NAME_HASH_ALGORITHM. The attributes read back as given, the
 * token computes CKA_CHECK_VALUE (the first 3 bytes of the SHA-1 of the DER), a search by category
 * finds the certificate; CKA_TRUSTED true is for the security officer only (CKR_ATTRIBUTE_READ_ONLY),
 * and a category out of range, a wrong check value or a missing subject are refused, making nothing.
 * Usage: certs <library.so> <user:password> <certificate.der>   (subject and issuer "CN=Coffer Test CA")
 * Prints one line per failed check and exits 1 if any failed. */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../../Sources/CPKCS11/shim.h"
#include "check.h"

#ifndef CKA_NAME_HASH_ALGORITHM
#define CKA_NAME_HASH_ALGORITHM 0x8CUL
#endif

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS certificate_class = CKO_CERTIFICATE;
static CK_CERTIFICATE_TYPE x509 = CKC_X_509;
/* The DER Name CN=Coffer Test CA, as openssl writes it (a UTF8String). */
static CK_BYTE name[] = {0x30, 0x19, 0x31, 0x17, 0x30, 0x15, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x0e, 'C', 'o',
                         'f',  'f',  'e',  'r',  ' ',  'T',  'e',  's',  't',  ' ',  'C',  'A'};

int main(int argc, char **argv) {
    if (argc != 4) { printf("usage: certs <library.so> <user:password> <certificate.der>\n"); return 2; }
    FILE *file = fopen(argv[3], "rb");
    if (!file) { printf("FAIL cannot read %s\n", argv[3]); return 1; }
    static CK_BYTE der[8192];
    size_t der_length = fread(der, 1, sizeof der, file);
    fclose(file);
    CHECK(der_length > 100 && der_length < sizeof der);
    CHECK(memmem(der, der_length, name, sizeof name) != NULL);

    CK_FUNCTION_LIST_PTR f = load_module(argv[1]);
    if (!f) return 1;
    CK_SESSION_HANDLE s = open_logged_in(f, argv[2]);

    CK_ULONG authority = 2, domain = 0, sha256 = CKM_SHA256, bad_category = 7;
    CK_BYTE serial[] = {0x02, 0x01, 0x2a}, id[] = {0xca, 0x01}, subject_hash[20], issuer_hash[20];
    memset(subject_hash, 0x11, sizeof subject_hash);
    memset(issuer_hash, 0x22, sizeof issuer_hash);
    char label[] = "coffer-test-ca", url[] = "";
    CK_ATTRIBUTE template[] = {
        {CKA_CLASS, &certificate_class, sizeof certificate_class},
        {CKA_CERTIFICATE_TYPE, &x509, sizeof x509},
        {CKA_TOKEN, &yes, 1},
        {CKA_PRIVATE, &no, 1},
        {CKA_LABEL, label, strlen(label)},
        {CKA_ID, id, sizeof id},
        {CKA_SUBJECT, name, sizeof name},
        {CKA_ISSUER, name, sizeof name},
        {CKA_SERIAL_NUMBER, serial, sizeof serial},
        {CKA_VALUE, der, der_length},
        {CKA_CERTIFICATE_CATEGORY, &authority, sizeof authority},
        {CKA_TRUSTED, &no, 1},
        {CKA_URL, url, 0},
        {CKA_HASH_OF_SUBJECT_PUBLIC_KEY, subject_hash, sizeof subject_hash},
        {CKA_HASH_OF_ISSUER_PUBLIC_KEY, issuer_hash, sizeof issuer_hash},
        {CKA_JAVA_MIDP_SECURITY_DOMAIN, &domain, sizeof domain},
        {CKA_NAME_HASH_ALGORITHM, &sha256, sizeof sha256},
    };
    CK_ULONG count = sizeof template / sizeof template[0];
    CK_OBJECT_HANDLE certificate = 0;
    EXPECT(f->C_CreateObject(s, template, count, &certificate), CKR_OK);

    /* Read back as given; the check value is the token's. */
    CK_ULONG category = 0, midp = 9, hash = 0, type = 9;
    CK_BBOOL trusted = CK_TRUE;
    CK_BYTE check[3], subject[64], value[8192], subject_hash_read[32];
    CK_ATTRIBUTE read[] = {
        {CKA_CERTIFICATE_CATEGORY, &category, sizeof category}, {CKA_JAVA_MIDP_SECURITY_DOMAIN, &midp, sizeof midp},
        {CKA_NAME_HASH_ALGORITHM, &hash, sizeof hash},          {CKA_CERTIFICATE_TYPE, &type, sizeof type},
        {CKA_TRUSTED, &trusted, 1},                             {CKA_CHECK_VALUE, check, sizeof check},
        {CKA_SUBJECT, subject, sizeof subject},                 {CKA_VALUE, value, sizeof value},
        {CKA_HASH_OF_SUBJECT_PUBLIC_KEY, subject_hash_read, sizeof subject_hash_read},
    };
    EXPECT(f->C_GetAttributeValue(s, certificate, read, 9), CKR_OK);
    CHECK(category == 2 && midp == 0 && hash == CKM_SHA256 && type == CKC_X_509 && trusted == CK_FALSE);
    CHECK(read[5].ulValueLen == 3);
    CHECK(read[6].ulValueLen == sizeof name && memcmp(subject, name, sizeof name) == 0);
    CHECK(read[7].ulValueLen == der_length && memcmp(value, der, der_length) == 0);
    CHECK(read[8].ulValueLen == sizeof subject_hash && memcmp(subject_hash_read, subject_hash, sizeof subject_hash) == 0);
    CK_ATTRIBUTE url_read = {CKA_URL, NULL, 99};
    EXPECT(f->C_GetAttributeValue(s, certificate, &url_read, 1), CKR_OK);
    CHECK(url_read.ulValueLen == 0);

    /* A search by category and class finds it. */
    CK_ATTRIBUTE search[] = {{CKA_CLASS, &certificate_class, sizeof certificate_class},
                             {CKA_CERTIFICATE_CATEGORY, &authority, sizeof authority},
                             {CKA_LABEL, label, strlen(label)}};
    CK_OBJECT_HANDLE found[4];
    CK_ULONG found_count = 0;
    EXPECT(f->C_FindObjectsInit(s, search, 3), CKR_OK);
    EXPECT(f->C_FindObjects(s, found, 4, &found_count), CKR_OK);
    EXPECT(f->C_FindObjectsFinal(s), CKR_OK);
    CHECK(found_count == 1 && found[0] == certificate);

    /* The same certificate again with a check value the token agrees with, then refusals. */
    CK_ATTRIBUTE with_check[sizeof template / sizeof template[0] + 1];
    memcpy(with_check, template, sizeof template);
    with_check[count] = (CK_ATTRIBUTE){CKA_CHECK_VALUE, check, 3};
    CK_OBJECT_HANDLE again = 0;
    EXPECT(f->C_CreateObject(s, with_check, count + 1, &again), CKR_OK);
    EXPECT(f->C_DestroyObject(s, again), CKR_OK);
    CK_BYTE wrong_check[3] = {check[0] ^ 1, check[1], check[2]};
    with_check[count].pValue = wrong_check;
    CK_OBJECT_HANDLE none = 0;
    EXPECT(f->C_CreateObject(s, with_check, count + 1, &none), CKR_ATTRIBUTE_VALUE_INVALID);
    template[11].pValue = &yes; /* CKA_TRUSTED */
    EXPECT(f->C_CreateObject(s, template, count, &none), CKR_ATTRIBUTE_READ_ONLY);
    template[11].pValue = &no;
    template[10].pValue = &bad_category;
    EXPECT(f->C_CreateObject(s, template, count, &none), CKR_ATTRIBUTE_VALUE_INVALID);
    template[10].pValue = &authority;
    template[6] = template[count - 1]; /* no CKA_SUBJECT */
    EXPECT(f->C_CreateObject(s, template, count - 1, &none), CKR_TEMPLATE_INCOMPLETE);
    CHECK(none == 0);
    /* A user may not make a certificate trusted afterwards either. */
    CK_ATTRIBUTE make_trusted = {CKA_TRUSTED, &yes, 1};
    EXPECT(f->C_SetAttributeValue(s, certificate, &make_trusted, 1), CKR_ATTRIBUTE_READ_ONLY);

    EXPECT(f->C_DestroyObject(s, certificate), CKR_OK);
    EXPECT(f->C_Finalize(NULL), CKR_OK);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
