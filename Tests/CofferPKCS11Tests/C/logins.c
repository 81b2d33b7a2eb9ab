/* Login state under threads, from the specification (PKCS#11 3.0 sections 5.6 and 4.x "sessions"):
 * the login belongs to the application, not to a session or a thread. Many threads race C_Login:
 * exactly one gets CKR_OK and every other CKR_USER_ALREADY_LOGGED_IN; a session opened by any thread
 * after the login is logged in; while threads open, log in again, use and close sessions of their
 * own, no other thread's session is ever invalidated; C_Logout logs every session out; closing the
 * application's last session ends the login. Many rounds.
 * Usage: logins <library.so> <user:password> [rounds]
 * Prints one line per failed check and exits 1 if any failed. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

#define THREADS 16

static CK_FUNCTION_LIST_PTR f;
static const char *pin;
static int rounds = 20;
static CK_OBJECT_HANDLE aes_key;
static pthread_barrier_t barrier;
static int logged_in_ok = 0, already = 0;

static int logged_in(CK_SESSION_HANDLE session) {
    CK_SESSION_INFO info;
    if (f->C_GetSessionInfo(session, &info) != CKR_OK) return -1;
    return info.state == CKS_RW_USER_FUNCTIONS || info.state == CKS_RO_USER_FUNCTIONS;
}

/* Every thread logs in at once, on a session of its own. */
static void *race_login(void *argument) {
    CK_SESSION_HANDLE *session = argument;
    EXPECT(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, session), CKR_OK);
    pthread_barrier_wait(&barrier);
    CK_RV rv = f->C_Login(*session, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
    if (rv == CKR_OK) __atomic_add_fetch(&logged_in_ok, 1, __ATOMIC_RELAXED);
    else if (rv == CKR_USER_ALREADY_LOGGED_IN) __atomic_add_fetch(&already, 1, __ATOMIC_RELAXED);
    else {
        __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);
        printf("FAIL: racing C_Login returned 0x%lx\n", rv);
    }
    pthread_barrier_wait(&barrier);
    /* Once every C_Login has returned, every session is logged in. */
    CHECK(logged_in(*session) == 1);
    return NULL;
}

static void encrypt_decrypt(CK_SESSION_HANDLE session, int thread, int round) {
    CK_BYTE iv[16];
    memset(iv, thread, sizeof iv);
    CK_MECHANISM cbc = {CKM_AES_CBC_PAD, iv, sizeof iv};
    char message[64];
    int length = snprintf(message, sizeof message, "thread %d round %d", thread, round);
    CK_BYTE cipher[96], plain[96];
    CK_ULONG cipher_length = sizeof cipher, plain_length = sizeof plain;
    EXPECT(f->C_EncryptInit(session, &cbc, aes_key), CKR_OK);
    EXPECT(f->C_Encrypt(session, (CK_BYTE_PTR)message, length, cipher, &cipher_length), CKR_OK);
    EXPECT(f->C_DecryptInit(session, &cbc, aes_key), CKR_OK);
    EXPECT(f->C_Decrypt(session, cipher, cipher_length, plain, &plain_length), CKR_OK);
    CHECK(plain_length == (CK_ULONG)length && memcmp(plain, message, length) == 0);
}

/* Each thread keeps one session for the whole run and churns others around it. */
static void *churn(void *argument) {
    int thread = (int)(long)argument;
    CK_SESSION_HANDLE kept;
    EXPECT(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &kept), CKR_OK);
    CHECK(logged_in(kept) == 1);
    for (int round = 0; round < rounds; round++) {
        CK_SESSION_HANDLE fresh;
        EXPECT(f->C_OpenSession(0, CKF_SERIAL_SESSION | (round % 2 ? CKF_RW_SESSION : 0), NULL, NULL, &fresh), CKR_OK);
        /* A session opened after the login is logged in, and logging in again changes nothing. */
        CHECK(logged_in(fresh) == 1);
        EXPECT(f->C_Login(fresh, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)), CKR_USER_ALREADY_LOGGED_IN);
        encrypt_decrypt(fresh, thread, round);
        encrypt_decrypt(kept, thread, round);
        CK_ATTRIBUTE label = {CKA_LABEL, "logins-aes", 10};
        CK_OBJECT_HANDLE found[2];
        CK_ULONG count = 0;
        EXPECT(f->C_FindObjectsInit(kept, &label, 1), CKR_OK);
        EXPECT(f->C_FindObjects(kept, found, 2, &count), CKR_OK);
        CHECK(count == 1 && found[0] == aes_key);
        EXPECT(f->C_FindObjectsFinal(kept), CKR_OK);
        EXPECT(f->C_CloseSession(fresh), CKR_OK);
        CHECK(logged_in(kept) == 1);
    }
    EXPECT(f->C_CloseSession(kept), CKR_OK);
    return NULL;
}

static void race(CK_SESSION_HANDLE anchor) {
    CK_SESSION_HANDLE sessions[THREADS];
    pthread_t threads[THREADS];
    logged_in_ok = already = 0;
    for (int i = 0; i < THREADS; i++) CHECK(pthread_create(&threads[i], NULL, race_login, &sessions[i]) == 0);
    for (int i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
    CHECK(logged_in_ok == 1);
    CHECK(already == THREADS - 1);
    if (logged_in_ok != 1 || already != THREADS - 1) printf("  (%d CKR_OK, %d CKR_USER_ALREADY_LOGGED_IN)\n", logged_in_ok, already);
    CHECK(logged_in(anchor) == 1);
    for (int i = 0; i < THREADS; i++) EXPECT(f->C_CloseSession(sessions[i]), CKR_OK);
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s library user:password [rounds]\n", argv[0]); return 2; }
    pin = argv[2];
    if (argc > 3) rounds = atoi(argv[3]);
    if (!(f = load_module(argv[1]))) return 1;
    CK_C_INITIALIZE_ARGS args;
    memset(&args, 0, sizeof args);
    args.flags = CKF_OS_LOCKING_OK;
    EXPECT(f->C_Initialize(&args), CKR_OK);
    pthread_barrier_init(&barrier, NULL, THREADS);

    /* The anchor session keeps the application's login alive while the threads come and go. */
    CK_SESSION_HANDLE anchor;
    EXPECT(f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &anchor), CKR_OK);
    CHECK(logged_in(anchor) == 0);
    race(anchor);

    CK_MECHANISM aes_gen = {CKM_AES_KEY_GEN, NULL, 0};
    CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
    CK_KEY_TYPE aes = CKK_AES;
    CK_ULONG length = 32;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ATTRIBUTE template[] = {
        {CKA_CLASS, &secret, sizeof secret}, {CKA_KEY_TYPE, &aes, sizeof aes}, {CKA_VALUE_LEN, &length, sizeof length},
        {CKA_TOKEN, &no, 1}, {CKA_ENCRYPT, &yes, 1}, {CKA_DECRYPT, &yes, 1}, {CKA_LABEL, "logins-aes", 10},
    };
    EXPECT(f->C_GenerateKey(anchor, &aes_gen, template, 7, &aes_key), CKR_OK);

    pthread_t threads[THREADS];
    for (long i = 0; i < THREADS; i++) CHECK(pthread_create(&threads[i], NULL, churn, (void *)i) == 0);
    for (int i = 0; i < THREADS; i++) pthread_join(threads[i], NULL);
    CHECK(logged_in(anchor) == 1);

    /* C_Logout logs out every session; the login can then be raced again. */
    EXPECT(f->C_Logout(anchor), CKR_OK);
    CHECK(logged_in(anchor) == 0);
    EXPECT(f->C_Logout(anchor), CKR_USER_NOT_LOGGED_IN);
    race(anchor);

    /* Closing the last session ends the login (section 5.6, C_CloseSession). */
    EXPECT(f->C_CloseSession(anchor), CKR_OK);
    CK_SESSION_HANDLE after;
    EXPECT(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &after), CKR_OK);
    CHECK(logged_in(after) == 0);
    EXPECT(f->C_Login(after, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)), CKR_OK);
    CHECK(logged_in(after) == 1);
    EXPECT(f->C_Finalize(NULL), CKR_OK);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
