/* A PKCS#11 storm for the cluster failover tests (ClusterStormTests drives it through files in
 * <folder>). Usage: storm library user:password mode folder
 *   storm  threads sign (P-256, single part), search, generate token key pairs, and generate,
 *          rename (C_SetAttributeValue) and destroy key pairs, each in a session of its own, until
 *          <folder>/stop appears. Writes <folder>/ready once every thread
 *          has made a call. Prints the figures (calls, errors by code, the longest time with no
 *          signature anywhere) and writes every key pair whose generation returned CKR_OK to
 *          <folder>/keys, and the labels of the destroyed ones to <folder>/destroyed. Checks that no
 *          sign, search, generation, rename or destroy returned an error.
 *   storm-steady  the same without the renaming and destroying thread.
 *   check  every key pair in <folder>/keys (the shared signing key first) is found exactly once by
 *          its label, with the handle its generation returned, and signs; no destroyed key is found
 *          under its first label or its new one.
 * Prints one line per failed check and exits 1 if any failed. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

#define SIGNERS 3
#define GENERATORS 2
#define CHANGERS 1
#define THREADS (SIGNERS + GENERATORS + CHANGERS + 1)
#define MAX_KEYS 20000
#define MAX_CODES 16

static CK_FUNCTION_LIST_PTR f;
static CK_BBOOL yes = CK_TRUE;
static CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const char *folder;
static volatile int stopping = 0;
static int started = 0;
/* The threads that rename and destroy: CHANGERS in mode "storm", none in "storm-steady". */
static int changers = CHANGERS;

/* The figures, under one mutex. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long signs = 0, searches = 0, generated = 0, destroyed = 0;
static CK_RV sign_codes[MAX_CODES], search_codes[MAX_CODES], generate_codes[MAX_CODES], change_codes[MAX_CODES];
static long sign_counts[MAX_CODES], search_counts[MAX_CODES], generate_counts[MAX_CODES], change_counts[MAX_CODES];
static double last_signature = 0, longest_gap = 0, longest_gap_at = 0, first_signature = 0;
/* Every pause of more than half a second with no signature anywhere: when it ended, how long. */
#define MAX_PAUSES 32
static double pause_end[MAX_PAUSES], pause_length[MAX_PAUSES];
static int pauses = 0;
static struct { char label[64]; CK_OBJECT_HANDLE public_key, private_key; } keys[MAX_KEYS];
static char doomed[MAX_KEYS][64];

static double now(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return (double)time.tv_sec + (double)time.tv_nsec / 1e9;
}

/* Counts a failed call's code (the caller holds the lock). */
static void count(CK_RV *codes, long *counts, CK_RV rv) {
    for (int i = 0; i < MAX_CODES; i++) {
        if (counts[i] == 0) codes[i] = rv;
        if (codes[i] == rv) { counts[i]++; return; }
    }
}

static long total(const long *counts) {
    long sum = 0;
    for (int i = 0; i < MAX_CODES; i++) sum += counts[i];
    return sum;
}

static void print_codes(const char *what, const CK_RV *codes, const long *counts) {
    for (int i = 0; i < MAX_CODES && counts[i]; i++) printf("%s error 0x%lx: %ld\n", what, codes[i], counts[i]);
}

static void path_of(char *path, size_t size, const char *name) { snprintf(path, size, "%s/%s", folder, name); }

static int exists(const char *name) {
    char path[4096];
    path_of(path, sizeof path, name);
    return access(path, F_OK) == 0;
}

static void touch(const char *name) {
    char path[4096];
    path_of(path, sizeof path, name);
    FILE *file = fopen(path, "w");
    if (file) fclose(file);
}

static CK_RV generate_pair(CK_SESSION_HANDLE session, const char *label, CK_OBJECT_HANDLE *public_key,
                           CK_OBJECT_HANDLE *private_key) {
    CK_MECHANISM mechanism = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_ATTRIBUTE public_template[] = {
        {CKA_EC_PARAMS, p256, sizeof p256}, {CKA_TOKEN, &yes, 1}, {CKA_VERIFY, &yes, 1},
        {CKA_LABEL, (void *)label, strlen(label)},
    };
    CK_ATTRIBUTE private_template[] = {
        {CKA_TOKEN, &yes, 1}, {CKA_SIGN, &yes, 1}, {CKA_SENSITIVE, &yes, 1}, {CKA_LABEL, (void *)label, strlen(label)},
    };
    return f->C_GenerateKeyPair(session, &mechanism, public_template, 4, private_template, 4, public_key, private_key);
}

static CK_RV sign_with(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE key) {
    CK_MECHANISM mechanism = {CKM_ECDSA, NULL, 0};
    CK_BYTE digest[32], signature[64];
    CK_ULONG length = sizeof signature;
    for (int i = 0; i < 32; i++) digest[i] = (CK_BYTE)rand();
    CK_RV rv = f->C_SignInit(session, &mechanism, key);
    if (rv == CKR_OK) rv = f->C_Sign(session, digest, sizeof digest, signature, &length);
    if (rv == CKR_OK && length != 64) rv = CKR_GENERAL_ERROR;
    return rv;
}

/* The private keys labelled `label` (up to 8 handles); (CK_ULONG)-1 when the search failed. */
static CK_ULONG find_private(CK_SESSION_HANDLE session, const char *label, CK_OBJECT_HANDLE *found, CK_RV *failure) {
    CK_OBJECT_CLASS class = CKO_PRIVATE_KEY;
    CK_ATTRIBUTE template[] = {{CKA_CLASS, &class, sizeof class}, {CKA_LABEL, (void *)label, strlen(label)}};
    CK_ULONG count = 0;
    CK_RV rv = f->C_FindObjectsInit(session, template, 2);
    if (rv == CKR_OK) rv = f->C_FindObjects(session, found, 8, &count);
    CK_RV final = f->C_FindObjectsFinal(session);
    if (rv == CKR_OK) rv = final;
    if (failure) *failure = rv;
    return rv == CKR_OK ? count : (CK_ULONG)-1;
}

static CK_OBJECT_HANDLE signer = 0;
/* The signing key's label, unique to this storm (the first line of <folder>/keys). */
static char signer_label[64];

static CK_SESSION_HANDLE open_session(void) {
    CK_SESSION_HANDLE session = 0;
    EXPECT(f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &session), CKR_OK);
    return session;
}

static void started_one(void) {
    pthread_mutex_lock(&lock);
    if (++started == THREADS - CHANGERS + changers) touch("ready");
    pthread_mutex_unlock(&lock);
}

static void *signing(void *unused) {
    (void)unused;
    CK_SESSION_HANDLE session = open_session();
    int first = 1;
    while (!stopping) {
        CK_RV rv = sign_with(session, signer);
        double at = now();
        pthread_mutex_lock(&lock);
        if (rv == CKR_OK) {
            signs++;
            if (first_signature == 0) first_signature = at;
            if (last_signature > 0 && at - last_signature > longest_gap) {
                longest_gap = at - last_signature;
                longest_gap_at = at - first_signature;
            }
            if (last_signature > 0 && at - last_signature > 0.5 && pauses < MAX_PAUSES) {
                pause_end[pauses] = at - first_signature;
                pause_length[pauses++] = at - last_signature;
            }
            if (at > last_signature) last_signature = at;
        } else {
            count(sign_codes, sign_counts, rv);
        }
        pthread_mutex_unlock(&lock);
        if (first) { started_one(); first = 0; }
    }
    return NULL;
}

static void *searching(void *unused) {
    (void)unused;
    CK_SESSION_HANDLE session = open_session();
    int first = 1;
    while (!stopping) {
        CK_OBJECT_HANDLE found[8];
        CK_RV rv;
        CK_ULONG found_count = find_private(session, signer_label, found, &rv);
        if (rv == CKR_OK && (found_count != 1 || found[0] != signer)) rv = CKR_GENERAL_ERROR;
        pthread_mutex_lock(&lock);
        if (rv == CKR_OK) searches++;
        else count(search_codes, search_counts, rv);
        pthread_mutex_unlock(&lock);
        if (first) { started_one(); first = 0; }
        usleep(20000);
    }
    return NULL;
}

static void *generating(void *argument) {
    long thread = (long)argument;
    CK_SESSION_HANDLE session = open_session();
    int first = 1;
    for (long n = 0; !stopping; n++) {
        char label[64];
        snprintf(label, sizeof label, "storm-%d-%ld-%ld", (int)getpid(), thread, n);
        CK_OBJECT_HANDLE public_key = 0, private_key = 0;
        CK_RV rv = generate_pair(session, label, &public_key, &private_key);
        pthread_mutex_lock(&lock);
        if (rv == CKR_OK && generated < MAX_KEYS) {
            snprintf(keys[generated].label, sizeof keys[generated].label, "%s", label);
            keys[generated].public_key = public_key;
            keys[generated].private_key = private_key;
            generated++;
        } else if (rv != CKR_OK) {
            count(generate_codes, generate_counts, rv);
        }
        pthread_mutex_unlock(&lock);
        if (first) { started_one(); first = 0; }
    }
    return NULL;
}

/* Generates a key pair, renames its private key and destroys both halves, over and over. A rename or
 * destroy in flight when its node died is made again on the next node under the same request id,
 * which answers as the first attempt did if that landed: none may fail. */
static void *changing(void *unused) {
    (void)unused;
    CK_SESSION_HANDLE session = open_session();
    int first = 1;
    for (long n = 0; !stopping; n++) {
        char label[64], renamed[80];
        snprintf(label, sizeof label, "storm-doomed-%d-%ld", (int)getpid(), n);
        snprintf(renamed, sizeof renamed, "%s-renamed", label);
        CK_OBJECT_HANDLE public_key = 0, private_key = 0;
        CK_RV generation = generate_pair(session, label, &public_key, &private_key), rv = CKR_OK;
        if (generation == CKR_OK) {
            CK_ATTRIBUTE rename = {CKA_LABEL, renamed, strlen(renamed)};
            rv = f->C_SetAttributeValue(session, private_key, &rename, 1);
            if (rv == CKR_OK) rv = f->C_DestroyObject(session, private_key);
            if (rv == CKR_OK) rv = f->C_DestroyObject(session, public_key);
        }
        pthread_mutex_lock(&lock);
        if (generation != CKR_OK) count(generate_codes, generate_counts, generation);
        else if (rv != CKR_OK) count(change_codes, change_counts, rv);
        else if (destroyed < MAX_KEYS) snprintf(doomed[destroyed++], 64, "%s", label);
        pthread_mutex_unlock(&lock);
        if (first) { started_one(); first = 0; }
    }
    return NULL;
}

static void storm(const char *pin) {
    CK_SESSION_HANDLE session = open_session();
    EXPECT(f->C_Login(session, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)), CKR_OK);
    CK_OBJECT_HANDLE signer_public = 0;
    snprintf(signer_label, sizeof signer_label, "storm-signer-%d", (int)getpid());
    EXPECT(generate_pair(session, signer_label, &signer_public, &signer), CKR_OK);
    pthread_t threads[THREADS];
    int made = 0;
    for (int i = 0; i < SIGNERS; i++) made += pthread_create(&threads[made], NULL, signing, NULL) == 0;
    for (long i = 0; i < GENERATORS; i++) made += pthread_create(&threads[made], NULL, generating, (void *)i) == 0;
    for (int i = 0; i < changers; i++) made += pthread_create(&threads[made], NULL, changing, NULL) == 0;
    made += pthread_create(&threads[made], NULL, searching, NULL) == 0;
    CHECK(made == THREADS - CHANGERS + changers);
    /* Bounded: ten minutes, a safety net for a test that never writes "stop". */
    for (int i = 0; i < 6000 && !exists("stop"); i++) usleep(100000);
    stopping = 1;
    for (int i = 0; i < made; i++) pthread_join(threads[i], NULL);

    printf("signatures: %ld, errors: %ld\n", signs, total(sign_counts));
    print_codes("sign", sign_codes, sign_counts);
    printf("searches: %ld, errors: %ld\n", searches, total(search_counts));
    print_codes("search", search_codes, search_counts);
    printf("key pairs generated: %ld, errors: %ld\n", generated, total(generate_counts));
    print_codes("generate", generate_codes, generate_counts);
    printf("key pairs renamed and destroyed: %ld, errors: %ld\n", destroyed, total(change_counts));
    print_codes("rename or destroy", change_codes, change_counts);
    printf("longest gap between signatures: %.3f s (ending %.1f s into the storm)\n", longest_gap, longest_gap_at);
    for (int i = 0; i < pauses; i++)
        printf("pause in signing: %.3f s, ending %.1f s into the storm\n", pause_length[i], pause_end[i]);
    CHECK(signs > 0 && generated > 0 && searches > 0 && (destroyed > 0 || changers == 0));
    CHECK(total(sign_counts) == 0);
    CHECK(total(search_counts) == 0);
    /* A generation in flight when its node died is made again on the next node with the same request
     * id, and one whose etcd member died under it is sent again by its node: none fails, and none is
     * made twice (check mode finds each label exactly once). */
    CHECK(total(generate_counts) == 0);
    CHECK(total(change_counts) == 0);

    char path[4096];
    path_of(path, sizeof path, "keys");
    FILE *file = fopen(path, "w");
    CHECK(file != NULL);
    if (!file) return;
    fprintf(file, "%s %lu %lu\n", signer_label, (unsigned long)signer_public, (unsigned long)signer);
    for (long i = 0; i < generated; i++)
        fprintf(file, "%s %lu %lu\n", keys[i].label, (unsigned long)keys[i].public_key, (unsigned long)keys[i].private_key);
    fclose(file);
    path_of(path, sizeof path, "destroyed");
    file = fopen(path, "w");
    CHECK(file != NULL);
    if (!file) return;
    for (long i = 0; i < destroyed; i++) fprintf(file, "%s\n", doomed[i]);
    fclose(file);
    EXPECT(f->C_CloseAllSessions(0), CKR_OK);
}

static void check(const char *pin) {
    CK_SESSION_HANDLE session = open_session();
    EXPECT(f->C_Login(session, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)), CKR_OK);
    CK_OBJECT_HANDLE found[8];
    char path[4096];
    path_of(path, sizeof path, "keys");
    FILE *file = fopen(path, "r");
    CHECK(file != NULL);
    if (!file) return;
    char label[64];
    unsigned long public_key, private_key;
    long checked = 0;
    while (fscanf(file, "%63s %lu %lu", label, &public_key, &private_key) == 3) {
        CK_ULONG found_count = find_private(session, label, found, NULL);
        if (found_count != 1 || found[0] != (CK_OBJECT_HANDLE)private_key) {
            printf("FAIL key %s: %ld found\n", label, (long)found_count);
            failures++;
            continue;
        }
        EXPECT(sign_with(session, (CK_OBJECT_HANDLE)private_key), CKR_OK);
        checked++;
    }
    fclose(file);
    printf("keys checked: %ld\n", checked);
    CHECK(checked > 0);

    path_of(path, sizeof path, "destroyed");
    file = fopen(path, "r");
    CHECK(file != NULL);
    if (!file) return;
    long gone = 0;
    while (fscanf(file, "%63s", label) == 1) {
        char renamed[80];
        snprintf(renamed, sizeof renamed, "%s-renamed", label);
        CK_ULONG before = find_private(session, label, found, NULL), after = find_private(session, renamed, found, NULL);
        if (before != 0 || after != 0) {
            printf("FAIL destroyed key %s: %ld found, %ld renamed\n", label, (long)before, (long)after);
            failures++;
        }
        gone++;
    }
    fclose(file);
    printf("destroyed keys checked: %ld\n", gone);
    EXPECT(f->C_CloseAllSessions(0), CKR_OK);
}

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: %s library user:password storm|check folder\n", argv[0]); return 2; }
    setvbuf(stdout, NULL, _IONBF, 0);
    f = load_module(argv[1]);
    if (!f) return 1;
    folder = argv[4];
    CK_C_INITIALIZE_ARGS args;
    memset(&args, 0, sizeof args);
    args.flags = CKF_OS_LOCKING_OK;
    EXPECT(f->C_Initialize(&args), CKR_OK);
    if (strcmp(argv[3], "storm") == 0) storm(argv[2]);
    else if (strcmp(argv[3], "storm-steady") == 0) {
        changers = 0;
        storm(argv[2]);
    }
    else if (strcmp(argv[3], "check") == 0) check(argv[2]);
    else { fprintf(stderr, "unknown mode %s\n", argv[3]); return 2; }
    EXPECT(f->C_Finalize(NULL), CKR_OK);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
