/* Searches that return every match, from a plain C host.
 * Usage: find <library.so> <user:password> <count> <prefix> [folder]
 *   The token holds secret keys labelled <prefix>0 .. <prefix><count-1> (and nothing else of the
 *   user's). C_FindObjects, in odd-sized batches, must give every one of them exactly once, with its
 *   label; one key relabelled with C_SetAttributeValue reads back its new label (also in another
 *   session, and after a new search); one destroyed key is gone from reads and from the next search.
 *   With a folder, the attributes a lister reads come from the search alone: after a second search
 *   the program writes <folder>/searched and waits for <folder>/stopped (the test has stopped the
 *   node with SIGSTOP), reads every key's class, key type, length, label and usage flags, writes
 *   <folder>/read and waits for <folder>/resumed.
 * Prints "found N" per search and one line per failed check; exits 1 if any failed. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

static CK_FUNCTION_LIST_PTR f;

/* Every handle a search for the user's secret keys finds, in batches of 97; `*found` is their count. */
static CK_OBJECT_HANDLE *search(CK_SESSION_HANDLE session, CK_ULONG capacity, CK_ULONG *found) {
    CK_OBJECT_CLASS class = CKO_SECRET_KEY;
    CK_ATTRIBUTE template[] = {{CKA_CLASS, &class, sizeof class}};
    CK_OBJECT_HANDLE *handles = calloc(capacity + 97, sizeof *handles);
    *found = 0;
    EXPECT(f->C_FindObjectsInit(session, template, 1), CKR_OK);
    for (;;) {
        CK_ULONG count = 0;
        CK_RV rv = f->C_FindObjects(session, handles + *found, 97, &count);
        EXPECT(rv, CKR_OK);
        if (rv != CKR_OK || count == 0) break;
        *found += count;
        if (*found > capacity) break;
    }
    EXPECT(f->C_FindObjectsFinal(session), CKR_OK);
    printf("found %lu\n", *found);
    return handles;
}

/* The object's label into `label` (NUL-terminated); the call's return code. */
static CK_RV read_label(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, char *label, CK_ULONG size) {
    CK_ATTRIBUTE attribute = {CKA_LABEL, label, size - 1};
    CK_RV rv = f->C_GetAttributeValue(session, object, &attribute, 1);
    label[rv == CKR_OK && attribute.ulValueLen < size ? attribute.ulValueLen : 0] = 0;
    return rv;
}

/* Creates <folder>/<name>. */
static void signal_file(const char *folder, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", folder, name);
    FILE *file = fopen(path, "w");
    if (file) fclose(file);
}

/* Waits (at most 120 s) for <folder>/<name>; returns whether it came. */
static int wait_file(const char *folder, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", folder, name);
    for (int i = 0; i < 12000; i++) {
        if (access(path, F_OK) == 0) return 1;
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    return 0;
}

/* With the node stopped: every key's listing attributes, which only the search can have brought. */
static void read_without_node(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE *handles, CK_ULONG found, const char *folder) {
    signal_file(folder, "searched");
    CHECK(wait_file(folder, "stopped"));
    CK_ULONG read = 0;
    for (CK_ULONG i = 0; i < found; i++) {
        CK_OBJECT_CLASS class = 0;
        CK_KEY_TYPE type = 0;
        CK_ULONG length = 0;
        CK_BBOOL encrypt = 0, sign = 0, sensitive = 0;
        char label[64];
        CK_ATTRIBUTE attributes[] = {
            {CKA_CLASS, &class, sizeof class}, {CKA_KEY_TYPE, &type, sizeof type}, {CKA_VALUE_LEN, &length, sizeof length},
            {CKA_LABEL, label, sizeof label - 1}, {CKA_ENCRYPT, &encrypt, 1}, {CKA_SIGN, &sign, 1},
            {CKA_SENSITIVE, &sensitive, 1},
        };
        CK_RV rv = f->C_GetAttributeValue(session, handles[i], attributes, sizeof attributes / sizeof attributes[0]);
        EXPECT(rv, CKR_OK);
        /* A miss went to the stopped node and waited for its deadline: one is enough to know. */
        if (rv != CKR_OK) break;
        CHECK(class == CKO_SECRET_KEY && type == CKK_AES && length == 32 && sensitive && strncmp(label, "p-", 2) == 0);
        read++;
    }
    printf("read %lu without the node\n", read);
    CHECK(read == found);
    signal_file(folder, "read");
    CHECK(wait_file(folder, "resumed"));
}

int main(int argc, char **argv) {
    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: %s library user:password count prefix [folder]\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    const char *pin = argv[2], *prefix = argv[4];
    CK_ULONG expected = strtoul(argv[3], NULL, 10), found = 0;
    void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!library) { printf("FAIL dlopen: %s\n", dlerror()); return 1; }
    CK_C_GetFunctionList get_list = (CK_C_GetFunctionList)dlsym(library, "C_GetFunctionList");
    if (!get_list || get_list(&f) != CKR_OK) { printf("FAIL no function list\n"); return 1; }
    CK_C_INITIALIZE_ARGS args;
    memset(&args, 0, sizeof args);
    args.flags = CKF_OS_LOCKING_OK;
    EXPECT(f->C_Initialize(&args), CKR_OK);
    CK_SESSION_HANDLE session, other;
    EXPECT(f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &session), CKR_OK);
    EXPECT(f->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &other), CKR_OK);
    EXPECT(f->C_Login(session, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)), CKR_OK);

    CK_OBJECT_HANDLE *handles = search(session, expected, &found);
    CHECK(found == expected);
    /* Every label <prefix>0 .. <prefix><expected-1>, each once. */
    char *seen = calloc(expected + 1, 1);
    CK_ULONG labelled = 0;
    for (CK_ULONG i = 0; i < found && i < expected; i++) {
        char label[64];
        if (read_label(session, handles[i], label, sizeof label) != CKR_OK) { CHECK(!"label readable"); continue; }
        char *end = NULL;
        unsigned long number = strtoul(label + strlen(prefix), &end, 10);
        if (strncmp(label, prefix, strlen(prefix)) != 0 || *end != 0 || number >= expected || seen[number]) {
            printf("FAIL unexpected or repeated label %s\n", label);
            failures++;
            continue;
        }
        seen[number] = 1;
        labelled++;
    }
    CHECK(labelled == expected);
    if (argc == 6) {
        free(handles);
        handles = search(session, expected, &found);
        read_without_node(session, handles, found, argv[5]);
    }

    if (found >= 2) {
        /* A label changed after the search reads back changed, here, in another session, and after a new search. */
        char label[64];
        char renamed[] = "renamed-after-search";
        CK_ATTRIBUTE change = {CKA_LABEL, renamed, strlen(renamed)};
        EXPECT(read_label(session, handles[0], label, sizeof label), CKR_OK);
        EXPECT(f->C_SetAttributeValue(session, handles[0], &change, 1), CKR_OK);
        EXPECT(read_label(session, handles[0], label, sizeof label), CKR_OK);
        CHECK(strcmp(label, renamed) == 0);
        EXPECT(read_label(other, handles[0], label, sizeof label), CKR_OK);
        CHECK(strcmp(label, renamed) == 0);
        /* A destroyed key is gone, for reads and for the next search. */
        CK_OBJECT_HANDLE destroyed = handles[1];
        EXPECT(f->C_DestroyObject(session, destroyed), CKR_OK);
        EXPECT(read_label(session, destroyed, label, sizeof label), CKR_OBJECT_HANDLE_INVALID);
        EXPECT(read_label(other, destroyed, label, sizeof label), CKR_OBJECT_HANDLE_INVALID);
        free(handles);
        handles = search(session, expected, &found);
        CHECK(found == expected - 1);
        for (CK_ULONG i = 0; i < found; i++) CHECK(handles[i] != destroyed);
        EXPECT(read_label(session, handles[0], label, sizeof label), CKR_OK);
        CHECK(strcmp(label, renamed) == 0);
    }
    free(handles);
    free(seen);
    EXPECT(f->C_Logout(session), CKR_OK);
    EXPECT(f->C_Finalize(NULL), CKR_OK);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
