/* Many threads on one library: 16 threads with a session each and 16 threads sharing 2 sessions
 * sign, verify, encrypt, decrypt, digest, find and read attributes with session keys, and every
 * result is checked. On a shared session another thread's operation may be active: the only codes
 * allowed for that are CKR_OPERATION_ACTIVE (at Init); anything else, a wrong result or a crash fails.
 * Usage: threads <library.so> <user:password> [iterations]
 * Prints one line per failed check and exits 1 if any failed. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

#define OWN_THREADS 16
#define SHARED_THREADS 16
#define SHARED_SESSIONS 2

static CK_FUNCTION_LIST_PTR f;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_HANDLE aes_key, private_key, public_key;
static int iterations = 40;
static long contention = 0, operations = 0;

static const CK_BYTE abc_sha256[32] = {
    0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
    0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};

struct worker {
    CK_SESSION_HANDLE session;
    int shared;
    int index;
};

/* An Init on a shared session may meet another thread's operation; on an own session it may not.
 * Returns whether the operation started (the caller then finishes it). */
static int started(CK_RV rv, const struct worker *w, int line) {
    __atomic_add_fetch(&checks, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&operations, 1, __ATOMIC_RELAXED);
    if (rv == CKR_OK) return 1;
    if (rv == CKR_OPERATION_ACTIVE && w->shared) {
        __atomic_add_fetch(&contention, 1, __ATOMIC_RELAXED);
        return 0;
    }
    __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
    printf("FAIL line %d: thread %d Init returned 0x%lx\n", line, w->index, rv);
    return 0;
}

static void *work(void *argument) {
    struct worker *w = argument;
    CK_MECHANISM ecdsa = {CKM_ECDSA_SHA256, NULL, 0};
    CK_BYTE iv[16];
    memset(iv, w->index, sizeof iv);
    CK_MECHANISM cbc = {CKM_AES_CBC_PAD, iv, sizeof iv};
    CK_MECHANISM sha256 = {CKM_SHA256, NULL, 0};
    for (int i = 0; i < iterations; i++) {
        char message[64];
        int message_length = snprintf(message, sizeof message, "thread %d iteration %d", w->index, i);
        CK_BYTE signature[128], cipher[128], plain[128], digest[64];
        CK_ULONG signature_length = sizeof signature, cipher_length = sizeof cipher, plain_length = sizeof plain;
        CK_ULONG digest_length = sizeof digest;

        /* Sign, then verify the signature, and a tampered one. */
        if (started(f->C_SignInit(w->session, &ecdsa, private_key), w, __LINE__)) {
            EXPECT(f->C_Sign(w->session, (CK_BYTE_PTR)message, message_length, signature, &signature_length), CKR_OK);
            CHECK(signature_length == 64);
            if (started(f->C_VerifyInit(w->session, &ecdsa, public_key), w, __LINE__))
                EXPECT(f->C_Verify(w->session, (CK_BYTE_PTR)message, message_length, signature, signature_length), CKR_OK);
            signature[3] ^= 0x40;
            if (started(f->C_VerifyInit(w->session, &ecdsa, public_key), w, __LINE__))
                EXPECT(f->C_Verify(w->session, (CK_BYTE_PTR)message, message_length, signature, signature_length),
                       CKR_SIGNATURE_INVALID);
        }
        /* Encrypt and decrypt back (multi-part on even iterations). */
        if (started(f->C_EncryptInit(w->session, &cbc, aes_key), w, __LINE__)) {
            if (i % 2 == 0) {
                EXPECT(f->C_Encrypt(w->session, (CK_BYTE_PTR)message, message_length, cipher, &cipher_length), CKR_OK);
            } else {
                CK_ULONG part = sizeof cipher, last = 0;
                EXPECT(f->C_EncryptUpdate(w->session, (CK_BYTE_PTR)message, 5, cipher, &part), CKR_OK);
                CK_ULONG first = part;
                part = sizeof cipher - first;
                EXPECT(f->C_EncryptUpdate(w->session, (CK_BYTE_PTR)message + 5, message_length - 5, cipher + first, &part), CKR_OK);
                last = sizeof cipher - first - part;
                EXPECT(f->C_EncryptFinal(w->session, cipher + first + part, &last), CKR_OK);
                cipher_length = first + part + last;
            }
            CHECK(cipher_length % 16 == 0 && cipher_length > (CK_ULONG)message_length);
            if (started(f->C_DecryptInit(w->session, &cbc, aes_key), w, __LINE__)) {
                EXPECT(f->C_Decrypt(w->session, cipher, cipher_length, plain, &plain_length), CKR_OK);
                CHECK(plain_length == (CK_ULONG)message_length && memcmp(plain, message, message_length) == 0);
            }
        }
        /* Digest. */
        if (started(f->C_DigestInit(w->session, &sha256), w, __LINE__)) {
            EXPECT(f->C_Digest(w->session, (CK_BYTE_PTR)"abc", 3, digest, &digest_length), CKR_OK);
            CHECK(digest_length == 32 && memcmp(digest, abc_sha256, 32) == 0);
        }
        /* Find the AES key by label, and read its attributes. */
        CK_ATTRIBUTE by_label = {CKA_LABEL, "threads-aes", 11};
        if (started(f->C_FindObjectsInit(w->session, &by_label, 1), w, __LINE__)) {
            CK_OBJECT_HANDLE found[4];
            CK_ULONG count = 0;
            EXPECT(f->C_FindObjects(w->session, found, 4, &count), CKR_OK);
            CHECK(count == 1 && found[0] == aes_key);
            EXPECT(f->C_FindObjectsFinal(w->session), CKR_OK);
        }
        char label[32];
        CK_BBOOL token = CK_TRUE;
        CK_ULONG length = 0;
        CK_ATTRIBUTE attributes[] = {
            {CKA_LABEL, label, sizeof label}, {CKA_TOKEN, &token, sizeof token}, {CKA_VALUE_LEN, &length, sizeof length}};
        EXPECT(f->C_GetAttributeValue(w->session, aes_key, attributes, 3), CKR_OK);
        CHECK(attributes[0].ulValueLen == 11 && memcmp(label, "threads-aes", 11) == 0 && token == CK_FALSE && length == 32);
        __atomic_add_fetch(&operations, 1, __ATOMIC_RELAXED);
    }
    return NULL;
}

static void make_keys(CK_SESSION_HANDLE session) {
    CK_MECHANISM aes_gen = {CKM_AES_KEY_GEN, NULL, 0};
    CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
    CK_KEY_TYPE aes = CKK_AES;
    CK_ULONG length = 32;
    CK_ATTRIBUTE aes_template[] = {
        {CKA_CLASS, &secret, sizeof secret}, {CKA_KEY_TYPE, &aes, sizeof aes}, {CKA_VALUE_LEN, &length, sizeof length},
        {CKA_TOKEN, &no, 1}, {CKA_ENCRYPT, &yes, 1}, {CKA_DECRYPT, &yes, 1}, {CKA_LABEL, "threads-aes", 11},
    };
    EXPECT(f->C_GenerateKey(session, &aes_gen, aes_template, 7, &aes_key), CKR_OK);
    CK_MECHANISM ec_gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    static CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    CK_ATTRIBUTE public_template[] = {{CKA_EC_PARAMS, p256, sizeof p256}, {CKA_VERIFY, &yes, 1}, {CKA_TOKEN, &no, 1}};
    CK_ATTRIBUTE private_template[] = {{CKA_SIGN, &yes, 1}, {CKA_TOKEN, &no, 1}, {CKA_LABEL, "threads-ec", 10}};
    EXPECT(f->C_GenerateKeyPair(session, &ec_gen, public_template, 3, private_template, 3, &public_key, &private_key), CKR_OK);
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s library user:password [iterations]\n", argv[0]); return 2; }
    if (argc > 3) iterations = atoi(argv[3]);
    void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!library) { printf("FAIL dlopen: %s\n", dlerror()); return 1; }
    CK_C_GetFunctionList get_list = (CK_C_GetFunctionList)dlsym(library, "C_GetFunctionList");
    if (!get_list || get_list(&f) != CKR_OK) { printf("FAIL no function list\n"); return 1; }
    CK_C_INITIALIZE_ARGS args;
    memset(&args, 0, sizeof args);
    args.flags = CKF_OS_LOCKING_OK;
    EXPECT(f->C_Initialize(&args), CKR_OK);

    CK_SESSION_HANDLE shared[SHARED_SESSIONS];
    for (int i = 0; i < SHARED_SESSIONS; i++)
        EXPECT(f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &shared[i]), CKR_OK);
    EXPECT(f->C_Login(shared[0], CKU_USER, (CK_UTF8CHAR_PTR)argv[2], strlen(argv[2])), CKR_OK);
    make_keys(shared[0]);
    if (failures) { printf("%d checks, %d failed\n", checks, failures); return 1; }

    struct worker workers[OWN_THREADS + SHARED_THREADS];
    pthread_t threads[OWN_THREADS + SHARED_THREADS];
    for (int i = 0; i < OWN_THREADS + SHARED_THREADS; i++) {
        workers[i].index = i;
        workers[i].shared = i >= OWN_THREADS;
        if (workers[i].shared) {
            workers[i].session = shared[i % SHARED_SESSIONS];
        } else {
            EXPECT(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &workers[i].session), CKR_OK);
        }
    }
    for (int i = 0; i < OWN_THREADS + SHARED_THREADS; i++) CHECK(pthread_create(&threads[i], NULL, work, &workers[i]) == 0);
    for (int i = 0; i < OWN_THREADS + SHARED_THREADS; i++) pthread_join(threads[i], NULL);

    /* Closing every session ends the session keys. */
    EXPECT(f->C_CloseAllSessions(0), CKR_OK);
    CK_SESSION_HANDLE after;
    EXPECT(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &after), CKR_OK);
    EXPECT(f->C_Login(after, CKU_USER, (CK_UTF8CHAR_PTR)argv[2], strlen(argv[2])), CKR_OK);
    CK_ATTRIBUTE label = {CKA_LABEL, NULL, 0};
    EXPECT(f->C_GetAttributeValue(after, aes_key, &label, 1), CKR_OBJECT_HANDLE_INVALID);
    EXPECT(f->C_Finalize(NULL), CKR_OK);
    printf("%ld operations, %ld met another thread's operation\n", operations, contention);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
