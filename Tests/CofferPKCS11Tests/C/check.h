/* The checks the C test programs share: EXPECT a return code, CHECK a condition; each failure
 * prints one line. Counters are atomic so that many threads may check at once. */
#ifndef COFFER_CHECK_H
#define COFFER_CHECK_H
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <p11-kit-1/p11-kit/pkcs11.h>

static int failures = 0, checks = 0;

#define EXPECT(call, expected)                                                              \
    do {                                                                                    \
        CK_RV rv_ = (call);                                                                 \
        __atomic_add_fetch(&checks, 1, __ATOMIC_RELAXED);                                   \
        if (rv_ != (CK_RV)(expected)) {                                                     \
            __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);                             \
            printf("FAIL line %d: %s returned 0x%lx, expected %s\n", __LINE__, #call, rv_, #expected); \
        }                                                                                   \
    } while (0)

#define CHECK(condition)                                                                    \
    do {                                                                                    \
        __atomic_add_fetch(&checks, 1, __ATOMIC_RELAXED);                                   \
        if (!(condition)) {                                                                 \
            __atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED);                             \
            printf("FAIL line %d: %s\n", __LINE__, #condition);                            \
        }                                                                                   \
    } while (0)

/* dlopens `path` and returns its function list, or NULL after printing why. */
static inline CK_FUNCTION_LIST_PTR load_module(const char *path) {
    void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!library) { printf("FAIL dlopen: %s\n", dlerror()); return NULL; }
    CK_C_GetFunctionList get_list = (CK_C_GetFunctionList)dlsym(library, "C_GetFunctionList");
    CK_FUNCTION_LIST_PTR list = NULL;
    if (!get_list || get_list(&list) != CKR_OK) { printf("FAIL no function list\n"); return NULL; }
    return list;
}

/* C_Initialize, a read-write session and C_Login as `pin`, checked; returns the session. */
static inline CK_SESSION_HANDLE open_logged_in(CK_FUNCTION_LIST_PTR list, const char *pin) {
    CK_SESSION_HANDLE session = 0;
    EXPECT(list->C_Initialize(NULL), CKR_OK);
    EXPECT(list->C_OpenSession(0, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &session), CKR_OK);
    EXPECT(list->C_Login(session, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin)), CKR_OK);
    return session;
}

#endif
