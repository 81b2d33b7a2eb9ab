/* The checks the C test programs share: EXPECT a return code, CHECK a condition; each failure
 * prints one line. Counters are atomic so that many threads may check at once. */
#ifndef COFFER_CHECK_H
#define COFFER_CHECK_H
#include <stdio.h>
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

#endif
