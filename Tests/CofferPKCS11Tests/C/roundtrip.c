/* A backup's round trip, key by key, through the library. Modes:
 *   make <hmac> <ec> <ed25519> <mldsa> <rsa>: token keys of those types (pairs share a CKA_ID);
 *   record <file>: for every object the user sees (found by class and key type), writes a line: its
 *     handle, class and key type,
 *     and what proves it later: an AES key's AES-GCM ciphertext of a fixed message, an HMAC key's
 *     tag, a private key's signature, a public key's value (modulus, EC point, ML-DSA value);
 *   check <file>: on another node (the restored one), the user sees exactly the recorded handles,
 *     each AES key decrypts its ciphertext, each HMAC key verifies its tag, each public key has its
 *     recorded value and verifies the recorded signature, and each private key signs anew so that
 *     its public key verifies it;
 *   load <stop-file>: signs with the user's first EC key until <stop-file> exists, then prints
 *     "signatures N errors E longest_gap_ms G".
 * Usage: roundtrip <library.so> <user:password> <mode> ...
 * Prints one line per failed check and exits 1 if any failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "../../../Sources/CPKCS11/shim.h"
#include "check.h"

#define CKK_ML_DSA_ 0x4AUL
#define CKM_ML_DSA_KEY_PAIR_GEN_ 0x1CUL
#define CKM_ML_DSA_ 0x1DUL
#define MAX_OBJECTS 40000
#define LINE 16384

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE s;
static CK_BYTE message[] = "coffer: a backup's round trip";
static CK_BBOOL yes = CK_TRUE;

static CK_ULONG bytes_attribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type, CK_BYTE *out, CK_ULONG size) {
    CK_ATTRIBUTE attribute = {type, out, size};
    if (f->C_GetAttributeValue(s, object, &attribute, 1) != CKR_OK) return 0;
    return attribute.ulValueLen;
}

static CK_MECHANISM_TYPE signing_mechanism(CK_KEY_TYPE type) {
    switch (type) {
    case CKK_EC: return CKM_ECDSA_SHA256;
    case CKK_EC_EDWARDS: return CKM_EDDSA;
    case CKK_ML_DSA_: return CKM_ML_DSA_;
    case CKK_RSA: return CKM_SHA256_RSA_PKCS;
    case CKK_GENERIC_SECRET: return CKM_SHA256_HMAC;
    default: return (CK_MECHANISM_TYPE)-1;
    }
}

static CK_ATTRIBUTE_TYPE public_value(CK_KEY_TYPE type) {
    return type == CKK_RSA ? CKA_MODULUS : type == CKK_ML_DSA_ ? CKA_VALUE : CKA_EC_POINT;
}

static CK_RV sign(CK_OBJECT_HANDLE key, CK_KEY_TYPE type, CK_BYTE *out, CK_ULONG *length) {
    CK_MECHANISM mechanism = {signing_mechanism(type), NULL, 0};
    CK_RV rv = f->C_SignInit(s, &mechanism, key);
    if (rv != CKR_OK) return rv;
    return f->C_Sign(s, message, sizeof message, out, length);
}

static CK_RV verify(CK_OBJECT_HANDLE key, CK_KEY_TYPE type, CK_BYTE *signature, CK_ULONG length) {
    CK_MECHANISM mechanism = {signing_mechanism(type), NULL, 0};
    CK_RV rv = f->C_VerifyInit(s, &mechanism, key);
    if (rv != CKR_OK) return rv;
    return f->C_Verify(s, message, sizeof message, signature, length);
}

/* AES-GCM with a 12-byte IV made from the handle (one message per key, so never reused). */
static CK_RV aes(int encrypt, CK_OBJECT_HANDLE key, CK_BYTE *in, CK_ULONG in_length, CK_BYTE *out, CK_ULONG *length) {
    CK_BYTE iv[12] = {0};
    memcpy(iv, &key, sizeof key);
    CK_GCM_PARAMS gcm = {iv, sizeof iv, 96, NULL, 0, 128};
    CK_MECHANISM mechanism = {CKM_AES_GCM, &gcm, sizeof gcm};
    CK_RV rv = encrypt ? f->C_EncryptInit(s, &mechanism, key) : f->C_DecryptInit(s, &mechanism, key);
    if (rv != CKR_OK) return rv;
    return encrypt ? f->C_Encrypt(s, in, in_length, out, length) : f->C_Decrypt(s, in, in_length, out, length);
}

static void hex(FILE *file, const CK_BYTE *bytes, CK_ULONG length) {
    for (CK_ULONG i = 0; i < length; i++) fprintf(file, "%02x", bytes[i]);
}

static CK_ULONG unhex(const char *text, CK_BYTE *out, CK_ULONG size) {
    CK_ULONG length = strlen(text) / 2;
    if (length > size) return 0;
    for (CK_ULONG i = 0; i < length; i++) sscanf(text + 2 * i, "%2hhx", &out[i]);
    return length;
}

static void make(int hmac, int ec, int ed, int mldsa, int rsa) {
    CK_ULONG id = 0;
    CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
    CK_KEY_TYPE generic = CKK_GENERIC_SECRET;
    CK_ULONG thirty_two = 32;
    for (int i = 0; i < hmac; i++) {
        CK_ATTRIBUTE template[] = {
            {CKA_CLASS, &secret, sizeof secret}, {CKA_KEY_TYPE, &generic, sizeof generic}, {CKA_TOKEN, &yes, 1},
            {CKA_SIGN, &yes, 1}, {CKA_VERIFY, &yes, 1}, {CKA_VALUE_LEN, &thirty_two, sizeof thirty_two}};
        CK_MECHANISM mechanism = {CKM_GENERIC_SECRET_KEY_GEN, NULL, 0};
        CK_OBJECT_HANDLE key;
        EXPECT(f->C_GenerateKey(s, &mechanism, template, 6, &key), CKR_OK);
    }
    CK_BYTE p256[] = {0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
    CK_BYTE ed25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
    CK_ULONG set65 = 2, bits = 2048;
    struct { int count; CK_MECHANISM_TYPE mechanism; CK_ATTRIBUTE parameter; } kinds[] = {
        {ec, CKM_EC_KEY_PAIR_GEN, {CKA_EC_PARAMS, p256, sizeof p256}},
        {ed, CKM_EC_EDWARDS_KEY_PAIR_GEN, {CKA_EC_PARAMS, ed25519, sizeof ed25519}},
        {mldsa, CKM_ML_DSA_KEY_PAIR_GEN_, {CKA_PARAMETER_SET, &set65, sizeof set65}},
        {rsa, CKM_RSA_PKCS_KEY_PAIR_GEN, {CKA_MODULUS_BITS, &bits, sizeof bits}},
    };
    for (int k = 0; k < 4; k++) {
        for (int i = 0; i < kinds[k].count; i++) {
            id++;
            CK_ATTRIBUTE public_template[] = {
                {CKA_TOKEN, &yes, 1}, {CKA_VERIFY, &yes, 1}, {CKA_ID, &id, sizeof id}, kinds[k].parameter};
            CK_ATTRIBUTE private_template[] = {{CKA_TOKEN, &yes, 1}, {CKA_SIGN, &yes, 1}, {CKA_ID, &id, sizeof id}};
            CK_MECHANISM mechanism = {kinds[k].mechanism, NULL, 0};
            CK_OBJECT_HANDLE public_key, private_key;
            EXPECT(f->C_GenerateKeyPair(s, &mechanism, public_template, 4, private_template, 3, &public_key, &private_key), CKR_OK);
        }
    }
}

/* The handles of the objects `template` (of `count` attributes) finds, page by page. */
static CK_ULONG search(CK_ATTRIBUTE *template, CK_ULONG count, CK_OBJECT_HANDLE *handles) {
    CK_ULONG total = 0, found = 0;
    EXPECT(f->C_FindObjectsInit(s, template, count), CKR_OK);
    do {
        found = 0;
        if (f->C_FindObjects(s, handles + total, 1000, &found) != CKR_OK) break;
        total += found;
    } while (found > 0 && total + 1000 <= MAX_OBJECTS);
    EXPECT(f->C_FindObjectsFinal(s), CKR_OK);
    return total;
}

static CK_ULONG all_objects(CK_OBJECT_HANDLE *handles) { return search(NULL, 0, handles); }

/* The handles of objects of `class` and `type`. */
static CK_ULONG objects_of(CK_OBJECT_CLASS class, CK_KEY_TYPE type, CK_OBJECT_HANDLE *handles) {
    CK_ATTRIBUTE template[] = {{CKA_CLASS, &class, sizeof class}, {CKA_KEY_TYPE, &type, sizeof type}};
    return search(template, 2, handles);
}

/* One search per class and key type, so that no object needs its attributes read one by one. */
static void record(const char *path) {
    static CK_OBJECT_HANDLE handles[MAX_OBJECTS];
    FILE *file = fopen(path, "w");
    if (!file) { printf("FAIL cannot write %s\n", path); failures++; return; }
    static CK_BYTE out[8192];
    struct { CK_OBJECT_CLASS class; CK_KEY_TYPE type; } kinds[] = {
        {CKO_SECRET_KEY, CKK_AES}, {CKO_SECRET_KEY, CKK_GENERIC_SECRET},
        {CKO_PRIVATE_KEY, CKK_EC}, {CKO_PRIVATE_KEY, CKK_EC_EDWARDS}, {CKO_PRIVATE_KEY, CKK_ML_DSA_}, {CKO_PRIVATE_KEY, CKK_RSA},
        {CKO_PUBLIC_KEY, CKK_EC}, {CKO_PUBLIC_KEY, CKK_EC_EDWARDS}, {CKO_PUBLIC_KEY, CKK_ML_DSA_}, {CKO_PUBLIC_KEY, CKK_RSA},
    };
    CK_ULONG total = 0;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        CK_ULONG count = objects_of(kinds[k].class, kinds[k].type, handles);
        for (CK_ULONG i = 0; i < count; i++) {
            CK_OBJECT_HANDLE h = handles[i];
            CK_ULONG length = sizeof out;
            CK_RV rv = CKR_OK;
            if (kinds[k].class == CKO_SECRET_KEY && kinds[k].type == CKK_AES) rv = aes(1, h, message, sizeof message, out, &length);
            else if (kinds[k].class != CKO_PUBLIC_KEY) rv = sign(h, kinds[k].type, out, &length);
            else length = bytes_attribute(h, public_value(kinds[k].type), out, sizeof out);
            CHECK(rv == CKR_OK && length > 0);
            fprintf(file, "%lu %lu %lu ", h, kinds[k].class, kinds[k].type);
            hex(file, out, length);
            fprintf(file, "\n");
        }
        total += count;
    }
    fclose(file);
    /* Every object the user sees is one of those kinds. */
    CHECK(all_objects(handles) == total);
    printf("recorded %lu objects\n", total);
}

struct entry { CK_OBJECT_HANDLE handle; CK_ULONG class, type; char *proof; };

static int by_handle(const void *a, const void *b) {
    CK_OBJECT_HANDLE x = ((const struct entry *)a)->handle, y = ((const struct entry *)b)->handle;
    return x < y ? -1 : x > y;
}

static int handle_order(const void *a, const void *b) {
    CK_OBJECT_HANDLE x = *(const CK_OBJECT_HANDLE *)a, y = *(const CK_OBJECT_HANDLE *)b;
    return x < y ? -1 : x > y;
}

static void check(const char *path) {
    static struct entry entries[MAX_OBJECTS];
    static char line[LINE];
    CK_ULONG recorded = 0;
    FILE *file = fopen(path, "r");
    if (!file) { printf("FAIL cannot read %s\n", path); failures++; return; }
    while (recorded < MAX_OBJECTS && fgets(line, sizeof line, file)) {
        char proof[LINE];
        proof[0] = 0;
        if (sscanf(line, "%lu %lu %lu %16383s", &entries[recorded].handle, &entries[recorded].class, &entries[recorded].type, proof) < 3) continue;
        entries[recorded].proof = strdup(proof);
        recorded++;
    }
    fclose(file);
    qsort(entries, recorded, sizeof entries[0], by_handle);

    /* Exactly the recorded handles. */
    static CK_OBJECT_HANDLE handles[MAX_OBJECTS];
    CK_ULONG count = all_objects(handles);
    qsort(handles, count, sizeof handles[0], handle_order);
    CHECK(count == recorded);
    CK_ULONG same = 0;
    for (CK_ULONG i = 0; i < count && i < recorded; i++) same += handles[i] == entries[i].handle;
    CHECK(same == recorded);

    static CK_BYTE proof[8192], out[8192], value[8192];
    CK_ULONG aes_ok = 0, hmac_ok = 0, public_ok = 0, private_ok = 0;
    for (CK_ULONG i = 0; i < recorded; i++) {
        struct entry *e = &entries[i];
        CK_ULONG proof_length = unhex(e->proof, proof, sizeof proof), length = sizeof out;
        if (e->class == CKO_SECRET_KEY && e->type == CKK_AES) {
            aes_ok += aes(0, e->handle, proof, proof_length, out, &length) == CKR_OK && length == sizeof message
                && memcmp(out, message, sizeof message) == 0;
        } else if (e->class == CKO_SECRET_KEY) {
            hmac_ok += verify(e->handle, e->type, proof, proof_length) == CKR_OK;
        } else if (e->class == CKO_PUBLIC_KEY) {
            CK_ULONG value_length = bytes_attribute(e->handle, public_value(e->type), value, sizeof value);
            public_ok += value_length == proof_length && memcmp(value, proof, value_length) == 0;
        } else if (e->class == CKO_PRIVATE_KEY) {
            /* Its public key (same CKA_ID) verifies the signature made before the backup, and a new one. */
            CK_BYTE id[64];
            CK_ULONG id_length = bytes_attribute(e->handle, CKA_ID, id, sizeof id);
            CK_OBJECT_CLASS public_class = CKO_PUBLIC_KEY;
            CK_ATTRIBUTE template[] = {{CKA_CLASS, &public_class, sizeof public_class}, {CKA_ID, id, id_length}};
            CK_OBJECT_HANDLE public_key = 0;
            CK_ULONG found = 0;
            EXPECT(f->C_FindObjectsInit(s, template, 2), CKR_OK);
            EXPECT(f->C_FindObjects(s, &public_key, 1, &found), CKR_OK);
            EXPECT(f->C_FindObjectsFinal(s), CKR_OK);
            int ok = found == 1 && verify(public_key, e->type, proof, proof_length) == CKR_OK;
            ok = ok && sign(e->handle, e->type, out, &length) == CKR_OK && verify(public_key, e->type, out, length) == CKR_OK;
            private_ok += ok;
        }
    }
    CK_ULONG aes_count = 0, hmac_count = 0, public_count = 0, private_count = 0;
    for (CK_ULONG i = 0; i < recorded; i++) {
        struct entry *e = &entries[i];
        aes_count += e->class == CKO_SECRET_KEY && e->type == CKK_AES;
        hmac_count += e->class == CKO_SECRET_KEY && e->type != CKK_AES;
        public_count += e->class == CKO_PUBLIC_KEY;
        private_count += e->class == CKO_PRIVATE_KEY;
    }
    CHECK(aes_ok == aes_count);
    CHECK(hmac_ok == hmac_count);
    CHECK(public_ok == public_count);
    CHECK(private_ok == private_count);
    printf("checked %lu objects: %lu AES, %lu HMAC, %lu public, %lu private keys\n", recorded, aes_ok, hmac_ok, public_ok, private_ok);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void load(const char *stop) {
    CK_OBJECT_CLASS private_class = CKO_PRIVATE_KEY;
    CK_KEY_TYPE ec = CKK_EC;
    CK_ATTRIBUTE template[] = {{CKA_CLASS, &private_class, sizeof private_class}, {CKA_KEY_TYPE, &ec, sizeof ec}};
    CK_OBJECT_HANDLE key = 0;
    CK_ULONG found = 0;
    EXPECT(f->C_FindObjectsInit(s, template, 2), CKR_OK);
    EXPECT(f->C_FindObjects(s, &key, 1, &found), CKR_OK);
    EXPECT(f->C_FindObjectsFinal(s), CKR_OK);
    CHECK(found == 1);
    long signatures = 0, errors = 0;
    double last = now(), longest = 0;
    while (found == 1 && access(stop, F_OK) != 0) {
        CK_BYTE out[128];
        CK_ULONG length = sizeof out;
        if (sign(key, CKK_EC, out, &length) == CKR_OK) {
            double t = now();
            if (signatures > 0 && t - last > longest) longest = t - last;
            last = t;
            if (signatures++ == 0) {
                printf("signing\n");
                fflush(stdout);
            }
        } else {
            errors++;
        }
    }
    CHECK(signatures > 0 && errors == 0);
    printf("signatures %ld errors %ld longest_gap_ms %.0f\n", signatures, errors, longest * 1000);
}

int main(int argc, char **argv) {
    if (argc < 4) { printf("usage: roundtrip <library.so> <user:password> make|record|check|load ...\n"); return 2; }
    f = load_module(argv[1]);
    if (!f) return 1;
    s = open_logged_in(f, argv[2]);
    const char *mode = argv[3];
    if (strcmp(mode, "make") == 0 && argc == 9) make(atoi(argv[4]), atoi(argv[5]), atoi(argv[6]), atoi(argv[7]), atoi(argv[8]));
    else if (strcmp(mode, "record") == 0 && argc == 5) record(argv[4]);
    else if (strcmp(mode, "check") == 0 && argc == 5) check(argv[4]);
    else if (strcmp(mode, "load") == 0 && argc == 5) load(argv[4]);
    else { printf("FAIL unknown mode or arguments\n"); failures++; }
    EXPECT(f->C_Finalize(NULL), CKR_OK);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
