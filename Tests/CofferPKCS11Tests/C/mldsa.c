/* ML-DSA signature parameters (PKCS#11 3.2, CK_SIGN_ADDITIONAL_CONTEXT): an ML-DSA-65 key signs with
 * no parameter, and with CKH_HEDGE_PREFERRED or CKH_HEDGE_REQUIRED and a context of 0 to 255 bytes;
 * each signature verifies under the same context (whatever the hedging variant given to
 * C_VerifyInit) and not under another or none. Two hedged signatures of one message differ.
 * CKH_DETERMINISTIC_REQUIRED for signing, an unknown variant, a context of 256 bytes and a
 * parameter of the wrong size are CKR_MECHANISM_PARAM_INVALID.
 * Usage: mldsa <library.so> <user:password>
 * Prints one line per failed check and exits 1 if any failed. */
#include <stdio.h>
#include <string.h>
#include "../../../Sources/CPKCS11/shim.h"
#include "check.h"

#define CKM_ML_DSA_KEY_PAIR_GEN_ 0x1CUL
#define CKM_ML_DSA_ 0x1DUL
#define CKA_PARAMETER_SET_ 0x61DUL
#define CKP_ML_DSA_65_ 0x2UL
#define SIGNATURE_LENGTH 3309

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE s;
static CK_BYTE message[] = "a message signed with a context";

static CK_RV sign(CK_OBJECT_HANDLE key, CK_SIGN_ADDITIONAL_CONTEXT *parameter, CK_ULONG size, CK_BYTE *signature, CK_ULONG *length) {
    CK_MECHANISM mechanism = {CKM_ML_DSA_, parameter, parameter ? size : 0};
    CK_RV rv = f->C_SignInit(s, &mechanism, key);
    if (rv != CKR_OK) return rv;
    return f->C_Sign(s, message, sizeof message, signature, length);
}

static CK_RV verify(CK_OBJECT_HANDLE key, CK_SIGN_ADDITIONAL_CONTEXT *parameter, CK_BYTE *signature, CK_ULONG length) {
    CK_MECHANISM mechanism = {CKM_ML_DSA_, parameter, parameter ? sizeof *parameter : 0};
    CK_RV rv = f->C_VerifyInit(s, &mechanism, key);
    if (rv != CKR_OK) return rv;
    return f->C_Verify(s, message, sizeof message, signature, length);
}

int main(int argc, char **argv) {
    if (argc != 3) { printf("usage: mldsa <library.so> <user:password>\n"); return 2; }
    f = load_module(argv[1]);
    if (!f) return 1;
    s = open_logged_in(f, argv[2]);

    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ULONG set = CKP_ML_DSA_65_;
    CK_ATTRIBUTE public_template[] = {{CKA_TOKEN, &no, 1}, {CKA_VERIFY, &yes, 1}, {CKA_PARAMETER_SET_, &set, sizeof set}};
    CK_ATTRIBUTE private_template[] = {{CKA_TOKEN, &no, 1}, {CKA_SIGN, &yes, 1}};
    CK_MECHANISM generate = {CKM_ML_DSA_KEY_PAIR_GEN_, NULL, 0};
    CK_OBJECT_HANDLE public_key = 0, private_key = 0;
    EXPECT(f->C_GenerateKeyPair(s, &generate, public_template, 3, private_template, 2, &public_key, &private_key), CKR_OK);

    static CK_BYTE plain[SIGNATURE_LENGTH], first[SIGNATURE_LENGTH], second[SIGNATURE_LENGTH], required[SIGNATURE_LENGTH];
    CK_ULONG plain_length = sizeof plain, first_length = sizeof first, second_length = sizeof second, required_length = sizeof required;
    CK_BYTE context[] = "coffer test context";
    CK_SIGN_ADDITIONAL_CONTEXT preferred = {CKH_HEDGE_PREFERRED, context, sizeof context - 1};
    CK_SIGN_ADDITIONAL_CONTEXT hedge_required = {CKH_HEDGE_REQUIRED, context, sizeof context - 1};
    CK_SIGN_ADDITIONAL_CONTEXT deterministic = {CKH_DETERMINISTIC_REQUIRED, context, sizeof context - 1};
    CK_SIGN_ADDITIONAL_CONTEXT empty = {CKH_HEDGE_PREFERRED, NULL, 0};
    CK_BYTE other_bytes[] = "another context";
    CK_SIGN_ADDITIONAL_CONTEXT other = {CKH_HEDGE_PREFERRED, other_bytes, sizeof other_bytes - 1};

    EXPECT(sign(private_key, NULL, 0, plain, &plain_length), CKR_OK);
    EXPECT(sign(private_key, &preferred, sizeof preferred, first, &first_length), CKR_OK);
    EXPECT(sign(private_key, &preferred, sizeof preferred, second, &second_length), CKR_OK);
    EXPECT(sign(private_key, &hedge_required, sizeof hedge_required, required, &required_length), CKR_OK);
    CHECK(plain_length == SIGNATURE_LENGTH && first_length == SIGNATURE_LENGTH && second_length == SIGNATURE_LENGTH);
    CHECK(memcmp(first, second, SIGNATURE_LENGTH) != 0);

    /* No parameter and an empty context are the same domain; a context is another. */
    EXPECT(verify(public_key, NULL, plain, plain_length), CKR_OK);
    EXPECT(verify(public_key, &empty, plain, plain_length), CKR_OK);
    EXPECT(verify(public_key, &preferred, plain, plain_length), CKR_SIGNATURE_INVALID);
    EXPECT(verify(public_key, &preferred, first, first_length), CKR_OK);
    EXPECT(verify(public_key, &deterministic, second, second_length), CKR_OK);
    EXPECT(verify(public_key, &hedge_required, required, required_length), CKR_OK);
    EXPECT(verify(public_key, NULL, first, first_length), CKR_SIGNATURE_INVALID);
    EXPECT(verify(public_key, &other, first, first_length), CKR_SIGNATURE_INVALID);

    /* Refused at C_SignInit. */
    CK_MECHANISM refused = {CKM_ML_DSA_, &deterministic, sizeof deterministic};
    EXPECT(f->C_SignInit(s, &refused, private_key), CKR_MECHANISM_PARAM_INVALID);
    CK_SIGN_ADDITIONAL_CONTEXT unknown = {7, context, sizeof context - 1};
    refused.pParameter = &unknown;
    EXPECT(f->C_SignInit(s, &refused, private_key), CKR_MECHANISM_PARAM_INVALID);
    static CK_BYTE long_context[256];
    CK_SIGN_ADDITIONAL_CONTEXT too_long = {CKH_HEDGE_PREFERRED, long_context, sizeof long_context};
    refused.pParameter = &too_long;
    EXPECT(f->C_SignInit(s, &refused, private_key), CKR_MECHANISM_PARAM_INVALID);
    CK_SIGN_ADDITIONAL_CONTEXT longest = {CKH_HEDGE_PREFERRED, long_context, 255};
    CK_ULONG longest_length = sizeof first;
    EXPECT(sign(private_key, &longest, sizeof longest, first, &longest_length), CKR_OK);
    EXPECT(verify(public_key, &longest, first, longest_length), CKR_OK);
    refused.pParameter = &preferred;
    refused.ulParameterLen = sizeof preferred - 1;
    EXPECT(f->C_SignInit(s, &refused, private_key), CKR_MECHANISM_PARAM_INVALID);

    EXPECT(f->C_Finalize(NULL), CKR_OK);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
