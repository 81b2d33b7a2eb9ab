/* Session objects and failover, from a plain C host.
 * Usage: sessions <library.so> <user:password> <mode> [folder]
 *   objects   a session key (CKA_TOKEN false) made in a read-only session, used from the others,
 *             gone after C_CloseSession and after C_Logout; prints the handles and the key's value
 *             for the caller to search the node's raw store for.
 *   basic     open, log in, generate a token key, encrypt and decrypt (for configurations with a dead endpoint).
 *   kill      with the node killed under an open session (the test drives it through files in
 *             <folder>: writes "ready", waits for "killed", writes "checked", waits for "restarted"):
 *             the session's next call gives CKR_DEVICE_REMOVED, the session and login stay, and
 *             after the restart the same session works again, logged in, with the token key.
 * Prints one line per failed check and exits 1 if any failed. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

static CK_FUNCTION_LIST_PTR f;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_BYTE iv[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* An AES-256 key; on the token or in the session. */
static CK_RV generate_aes(CK_SESSION_HANDLE session, CK_BBOOL token, const char *label, CK_OBJECT_HANDLE *key) {
    CK_MECHANISM mechanism = {CKM_AES_KEY_GEN, NULL, 0};
    CK_OBJECT_CLASS class = CKO_SECRET_KEY;
    CK_KEY_TYPE type = CKK_AES;
    CK_ULONG length = 32;
    CK_ATTRIBUTE template[] = {
        {CKA_CLASS, &class, sizeof class}, {CKA_KEY_TYPE, &type, sizeof type}, {CKA_VALUE_LEN, &length, sizeof length},
        {CKA_TOKEN, &token, sizeof token}, {CKA_ENCRYPT, &yes, 1}, {CKA_DECRYPT, &yes, 1},
        {CKA_SENSITIVE, &no, 1}, {CKA_EXTRACTABLE, &yes, 1}, {CKA_LABEL, (void *)label, strlen(label)},
    };
    return f->C_GenerateKey(session, &mechanism, template, sizeof template / sizeof template[0], key);
}

/* Encrypts in one session and decrypts in another; returns whether the plaintext came back. */
static int round_trip(CK_SESSION_HANDLE encrypting, CK_SESSION_HANDLE decrypting, CK_OBJECT_HANDLE key) {
    CK_MECHANISM mechanism = {CKM_AES_CBC_PAD, iv, sizeof iv};
    CK_BYTE plain[] = "session objects live in the session", cipher[64], back[64];
    CK_ULONG cipher_length = sizeof cipher, back_length = sizeof back;
    if (f->C_EncryptInit(encrypting, &mechanism, key) != CKR_OK) return 0;
    if (f->C_Encrypt(encrypting, plain, sizeof plain, cipher, &cipher_length) != CKR_OK) return 0;
    if (f->C_DecryptInit(decrypting, &mechanism, key) != CKR_OK) return 0;
    if (f->C_Decrypt(decrypting, cipher, cipher_length, back, &back_length) != CKR_OK) return 0;
    return back_length == sizeof plain && memcmp(back, plain, sizeof plain) == 0;
}

/* The objects with `label` (up to 8), or all objects when label is NULL. */
static CK_ULONG find(CK_SESSION_HANDLE session, const char *label, CK_OBJECT_HANDLE *found) {
    CK_ATTRIBUTE template = {CKA_LABEL, (void *)label, label ? strlen(label) : 0};
    CK_ULONG count = 0;
    if (f->C_FindObjectsInit(session, label ? &template : NULL, label ? 1 : 0) != CKR_OK) return 99;
    if (f->C_FindObjects(session, found, 8, &count) != CKR_OK) count = 99;
    f->C_FindObjectsFinal(session);
    return count;
}

static int contains(const CK_OBJECT_HANDLE *handles, CK_ULONG count, CK_OBJECT_HANDLE handle) {
    for (CK_ULONG i = 0; i < count; i++)
        if (handles[i] == handle) return 1;
    return 0;
}

static CK_RV initialize(void) {
    CK_C_INITIALIZE_ARGS args;
    memset(&args, 0, sizeof args);
    args.flags = CKF_OS_LOCKING_OK;
    return f->C_Initialize(&args);
}

static void objects(const char *pin) {
    CK_SESSION_HANDLE a, b, c;
    EXPECT(f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &a), CKR_OK);
    EXPECT(f->C_OpenSession(0, CKF_SERIAL_SESSION, NULL, NULL, &b), CKR_OK);
    EXPECT(f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &c), CKR_OK);
    EXPECT(f->C_Login(a, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)), CKR_OK);

    /* A read-only session makes session objects, not token objects. */
    CK_OBJECT_HANDLE session_key = 0, token_key = 0, refused = 0;
    EXPECT(generate_aes(b, CK_FALSE, "session-key", &session_key), CKR_OK);
    EXPECT(generate_aes(b, CK_TRUE, "refused", &refused), CKR_SESSION_READ_ONLY);
    EXPECT(generate_aes(a, CK_TRUE, "token-key", &token_key), CKR_OK);
    CHECK(session_key != 0 && token_key != 0 && session_key != token_key);

    /* Every session of the application sees it, and it works like a token key. */
    CK_BBOOL token = CK_TRUE;
    CK_BYTE value[32];
    CK_ATTRIBUTE attributes[] = {{CKA_TOKEN, &token, sizeof token}, {CKA_VALUE, value, sizeof value}};
    EXPECT(f->C_GetAttributeValue(c, session_key, attributes, 2), CKR_OK);
    CHECK(token == CK_FALSE && attributes[1].ulValueLen == 32);
    CHECK(round_trip(c, a, session_key));
    CHECK(round_trip(b, c, session_key));
    CK_OBJECT_HANDLE found[8];
    CK_ULONG count = find(c, NULL, found);
    CHECK(count < 8 && contains(found, count, session_key) && contains(found, count, token_key));
    CHECK(find(a, "session-key", found) == 1 && found[0] == session_key);

    /* Copies between the kinds; a read-only session cannot destroy a token object. */
    CK_OBJECT_HANDLE copy = 0;
    CK_ATTRIBUTE to_token = {CKA_TOKEN, &yes, 1};
    EXPECT(f->C_CopyObject(a, session_key, &to_token, 1, &copy), CKR_OK);
    EXPECT(f->C_DestroyObject(b, copy), CKR_SESSION_READ_ONLY);
    EXPECT(f->C_DestroyObject(a, copy), CKR_OK);
    CK_ATTRIBUTE to_session = {CKA_TOKEN, &no, 1};
    EXPECT(f->C_CopyObject(b, token_key, &to_session, 1, &copy), CKR_OK);
    EXPECT(f->C_DestroyObject(b, copy), CKR_OK);

    printf("session-handle %016lx\n", (unsigned long)session_key);
    printf("token-handle %016lx\n", (unsigned long)token_key);
    printf("session-value ");
    for (int i = 0; i < 32; i++) printf("%02x", value[i]);
    printf("\n");

    /* Closing the session that made it destroys it; the token key stays. */
    EXPECT(f->C_CloseSession(b), CKR_OK);
    CK_ATTRIBUTE label = {CKA_LABEL, NULL, 0};
    EXPECT(f->C_GetAttributeValue(c, session_key, &label, 1), CKR_OBJECT_HANDLE_INVALID);
    CHECK(find(c, "session-key", found) == 0);
    CHECK(find(c, "token-key", found) == 1 && found[0] == token_key);

    /* Logout destroys the session objects of every session. */
    CK_OBJECT_HANDLE second = 0;
    EXPECT(generate_aes(c, CK_FALSE, "second", &second), CKR_OK);
    EXPECT(f->C_Logout(a), CKR_OK);
    EXPECT(f->C_Login(a, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)), CKR_OK);
    EXPECT(f->C_GetAttributeValue(c, second, &label, 1), CKR_OBJECT_HANDLE_INVALID);
    CHECK(find(a, "token-key", found) == 1);
    EXPECT(f->C_CloseAllSessions(0), CKR_OK);
}

static void basic(const char *pin) {
    CK_SESSION_HANDLE session;
    EXPECT(f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &session), CKR_OK);
    EXPECT(f->C_Login(session, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)), CKR_OK);
    CK_OBJECT_HANDLE key = 0;
    EXPECT(generate_aes(session, CK_FALSE, "basic", &key), CKR_OK);
    CHECK(round_trip(session, session, key));
    EXPECT(f->C_CloseSession(session), CKR_OK);
}

/* Waits (bounded: two minutes) for the test to create `name` in `folder`. */
static int wait_for(const char *folder, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", folder, name);
    for (int i = 0; i < 1200; i++) {
        if (access(path, F_OK) == 0) return 1;
        usleep(100000);
    }
    printf("FAIL: %s never appeared\n", path);
    return 0;
}

static void signal_file(const char *folder, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", folder, name);
    FILE *file = fopen(path, "w");
    if (file) fclose(file);
}

static double seconds_since(const struct timespec *start) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void killed(const char *pin, const char *folder) {
    CK_SESSION_HANDLE session;
    EXPECT(f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &session), CKR_OK);
    EXPECT(f->C_Login(session, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)), CKR_OK);
    CK_OBJECT_HANDLE token_key = 0, session_key = 0;
    EXPECT(generate_aes(session, CK_TRUE, "survivor", &token_key), CKR_OK);
    EXPECT(generate_aes(session, CK_FALSE, "ephemeral", &session_key), CKR_OK);
    CHECK(round_trip(session, session, token_key));
    signal_file(folder, "ready");
    if (!wait_for(folder, "killed")) return;

    /* The node is gone and there is no other: the session's next call fails at once. */
    struct timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    CK_BYTE digest[32];
    CK_ULONG length = sizeof digest;
    CK_MECHANISM sha256 = {CKM_SHA256, NULL, 0};
    /* C_DigestInit asks the node, so it is the call that finds the node gone. */
    CK_RV rv = f->C_DigestInit(session, &sha256);
    if (rv == CKR_OK) rv = f->C_Digest(session, (CK_BYTE_PTR)"abc", 3, digest, &length);
    double elapsed = seconds_since(&start);
    printf("call on the lost session: 0x%lx after %.3f s\n", rv, elapsed);
    CHECK(rv == CKR_DEVICE_REMOVED);
    /* Bounded by the library's limit on any call (the configured deadline per endpoint plus slack). */
    CHECK(elapsed < 30.0);
    /* The library keeps the session and the application's login: it makes them again on the node. */
    CK_SESSION_INFO info;
    EXPECT(f->C_GetSessionInfo(session, &info), CKR_OK);
    CHECK(info.state == CKS_RW_USER_FUNCTIONS);
    signal_file(folder, "checked");
    if (!wait_for(folder, "restarted")) return;

    /* Once the node is back (its connection may take a moment), the same session works again,
     * logged in, with the token key; the session key went with the node's session. */
    CK_OBJECT_HANDLE found[8];
    CK_ULONG count = 99;
    for (int attempt = 0; attempt < 100 && count == 99; attempt++) {
        count = find(session, "survivor", found);
        if (count == 99) usleep(200000);
    }
    CHECK(count == 1 && found[0] == token_key);
    CHECK(round_trip(session, session, token_key));
    CHECK(find(session, "ephemeral", found) == 0);
    CK_ATTRIBUTE label = {CKA_LABEL, NULL, 0};
    EXPECT(f->C_GetAttributeValue(session, session_key, &label, 1), CKR_OBJECT_HANDLE_INVALID);
    /* A new session shares the login, which is still the application's. */
    CK_SESSION_HANDLE fresh = 0;
    EXPECT(f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &fresh), CKR_OK);
    EXPECT(f->C_Login(fresh, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)), CKR_USER_ALREADY_LOGGED_IN);
    CHECK(find(fresh, "survivor", found) == 1 && found[0] == token_key);
    EXPECT(f->C_Logout(fresh), CKR_OK);
    CHECK(find(fresh, "survivor", found) == 0);
    EXPECT(f->C_CloseAllSessions(0), CKR_OK);
}

int main(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "usage: %s library user:password mode [folder]\n", argv[0]); return 2; }
    setvbuf(stdout, NULL, _IONBF, 0);
    void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!library) { printf("FAIL dlopen: %s\n", dlerror()); return 1; }
    CK_C_GetFunctionList get_list = (CK_C_GetFunctionList)dlsym(library, "C_GetFunctionList");
    if (!get_list || get_list(&f) != CKR_OK) { printf("FAIL no function list\n"); return 1; }
    EXPECT(initialize(), CKR_OK);
    if (strcmp(argv[3], "objects") == 0) objects(argv[2]);
    else if (strcmp(argv[3], "basic") == 0) basic(argv[2]);
    else if (strcmp(argv[3], "kill") == 0 && argc == 5) killed(argv[2], argv[4]);
    else { fprintf(stderr, "unknown mode %s\n", argv[3]); return 2; }
    EXPECT(f->C_Finalize(NULL), CKR_OK);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
