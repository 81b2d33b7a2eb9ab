/* Multi-part operations, written from the specification (PKCS#11 3.0 sections 5.2, 5.9-5.13):
 * AES-CBC, AES-CBC-PAD and AES-CTR data fed in chunks of every size pattern must give back the
 * one-shot result and the published vectors (NIST SP 800-38A F.2.5 and F.5.5); every C_*Update
 * returns each complete block at once; every update and final honours the two-call size convention
 * (a NULL buffer asks for the length and consumes nothing, a short one is CKR_BUFFER_TOO_SMALL with
 * the needed length and the operation stays active); GCM, HMAC (RFC 4231 case 1) and SHA-256 accept
 * empty updates. Usage: multipart <library.so> <user:password>
 * Prints one line per failed check and exits 1 if any failed. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

static CK_FUNCTION_LIST_PTR f;
static CK_SESSION_HANDLE s;
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

static const CK_BYTE key256[32] = {
    0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe, 0x2b, 0x73, 0xae, 0xf0, 0x85, 0x7d, 0x77, 0x81,
    0x1f, 0x35, 0x2c, 0x07, 0x3b, 0x61, 0x08, 0xd7, 0x2d, 0x98, 0x10, 0xa3, 0x09, 0x14, 0xdf, 0xf4};
static const CK_BYTE vector_plain[64] = {
    0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96, 0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a,
    0xae, 0x2d, 0x8a, 0x57, 0x1e, 0x03, 0xac, 0x9c, 0x9e, 0xb7, 0x6f, 0xac, 0x45, 0xaf, 0x8e, 0x51,
    0x30, 0xc8, 0x1c, 0x46, 0xa3, 0x5c, 0xe4, 0x11, 0xe5, 0xfb, 0xc1, 0x19, 0x1a, 0x0a, 0x52, 0xef,
    0xf6, 0x9f, 0x24, 0x45, 0xdf, 0x4f, 0x9b, 0x17, 0xad, 0x2b, 0x41, 0x7b, 0xe6, 0x6c, 0x37, 0x10};
/* SP 800-38A F.2.5, CBC-AES256.Encrypt. */
static CK_BYTE cbc_iv[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
static const CK_BYTE cbc_cipher[64] = {
    0xf5, 0x8c, 0x4c, 0x04, 0xd6, 0xe5, 0xf1, 0xba, 0x77, 0x9e, 0xab, 0xfb, 0x5f, 0x7b, 0xfb, 0xd6,
    0x9c, 0xfc, 0x4e, 0x96, 0x7e, 0xdb, 0x80, 0x8d, 0x67, 0x9f, 0x77, 0x7b, 0xc6, 0x70, 0x2c, 0x7d,
    0x39, 0xf2, 0x33, 0x69, 0xa9, 0xd9, 0xba, 0xcf, 0xa5, 0x30, 0xe2, 0x63, 0x04, 0x23, 0x14, 0x61,
    0xb2, 0xeb, 0x05, 0xe2, 0xc3, 0x9b, 0xe9, 0xfc, 0xda, 0x6c, 0x19, 0x07, 0x8c, 0x6a, 0x9d, 0x1b};
/* SP 800-38A F.5.5, CTR-AES256.Encrypt. */
static CK_AES_CTR_PARAMS ctr_params = {
    128, {0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff}};
static const CK_BYTE ctr_cipher[64] = {
    0x60, 0x1e, 0xc3, 0x13, 0x77, 0x57, 0x89, 0xa5, 0xb7, 0xa7, 0xf5, 0x04, 0xbb, 0xf3, 0xd2, 0x28,
    0xf4, 0x43, 0xe3, 0xca, 0x4d, 0x62, 0xb5, 0x9a, 0xca, 0x84, 0xe9, 0x90, 0xca, 0xca, 0xf5, 0xc5,
    0x2b, 0x09, 0x30, 0xda, 0xa2, 0x3d, 0xe9, 0x4c, 0xe8, 0x70, 0x17, 0xba, 0x2d, 0x84, 0x98, 0x8d,
    0xdf, 0xc9, 0xc5, 0x8d, 0xb6, 0x7a, 0xad, 0xa6, 0x13, 0xc2, 0xdd, 0x08, 0x45, 0x79, 0x41, 0xa6};

/* Chunk-size patterns, used in turn until the data runs out; -1 ends a pattern. */
static const int patterns[][8] = {
    {1, -1}, {7, -1}, {15, -1}, {16, -1}, {17, -1}, {100, -1}, {0, 1, 0, 7, 15, 17, 100, -1}, {3, 0, 0, 29, 16, -1},
};
#define PATTERNS (int)(sizeof patterns / sizeof patterns[0])

enum mode { CBC, CBC_PAD, CTR, GCM };

/* What an update may release when `pending` bytes wait: every complete block, except that a padded
 * decryption keeps its last block for C_DecryptFinal (it may be the padding); CTR releases every byte;
 * GCM releases nothing before Final (its plaintext is released only after the tag is checked). */
static CK_ULONG released(enum mode mode, int decrypting, CK_ULONG pending) {
    switch (mode) {
    case CTR: return pending;
    case GCM: return 0;
    case CBC_PAD:
        if (decrypting) return pending == 0 ? 0 : (pending - 1) / 16 * 16;
        return pending / 16 * 16;
    default: return pending / 16 * 16;
    }
}

typedef CK_RV (*update_fn)(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR);
typedef CK_RV (*final_fn)(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG_PTR);

/* Runs one multi-part encryption or decryption of `input` in chunks of `pattern`, checking the size
 * convention and the output of every call; returns the output length (written to `out`). */
static CK_ULONG run(enum mode mode, int decrypting, CK_MECHANISM *mechanism, CK_OBJECT_HANDLE key, const CK_BYTE *input,
                    CK_ULONG length, const int *pattern, CK_BYTE *out, int line) {
    update_fn update = decrypting ? f->C_DecryptUpdate : f->C_EncryptUpdate;
    final_fn final = decrypting ? f->C_DecryptFinal : f->C_EncryptFinal;
    CK_RV rv = decrypting ? f->C_DecryptInit(s, mechanism, key) : f->C_EncryptInit(s, mechanism, key);
    EXPECT(rv, CKR_OK);
    if (rv != CKR_OK) return 0;
    CK_ULONG consumed = 0, produced = 0, held = 0;
    int step = 0;
    while (consumed < length) {
        int size = pattern[step];
        step = pattern[step + 1] < 0 ? 0 : step + 1;
        CK_ULONG chunk = (CK_ULONG)size;
        if (chunk > length - consumed) chunk = length - consumed;
        CK_BYTE part[128];
        memcpy(part, input + consumed, chunk);
        CK_ULONG expected = released(mode, decrypting, held + chunk);

        /* A NULL buffer asks for the length and consumes nothing. */
        CK_ULONG asked = 12345;
        EXPECT(update(s, part, chunk, NULL, &asked), CKR_OK);
        if (asked != expected) printf("  (line %d: mode %d, %s, chunk %lu at %lu)\n", line, mode, decrypting ? "decrypt" : "encrypt", chunk, consumed);
        CHECK(asked == expected);
        /* A short buffer (one byte, or none) is CKR_BUFFER_TOO_SMALL with the length; the operation stays. */
        if (expected > 0) {
            CK_ULONG short_length = expected > 1 ? 1 : 0;
            EXPECT(update(s, part, chunk, out + produced, &short_length), CKR_BUFFER_TOO_SMALL);
            CHECK(short_length == expected);
        }
        CK_ULONG room = expected;
        rv = update(s, part, chunk, out + produced, &room);
        EXPECT(rv, CKR_OK);
        if (rv != CKR_OK) return 0;
        CHECK(room == expected);
        produced += room;
        consumed += chunk;
        held = held + chunk - room;
    }
    CK_ULONG last = 0;
    EXPECT(final(s, NULL, &last), CKR_OK);
    if (last > 0) {
        CK_ULONG short_length = last - 1;
        EXPECT(final(s, out + produced, &short_length), CKR_BUFFER_TOO_SMALL);
        CHECK(short_length == last);
    }
    CK_ULONG room = last;
    EXPECT(final(s, out + produced, &room), CKR_OK);
    CHECK(room == last);
    /* The operation has ended. */
    CK_ULONG after = 64;
    CK_BYTE scratch[64];
    EXPECT(final(s, scratch, &after), CKR_OPERATION_NOT_INITIALIZED);
    return produced + room;
}

static CK_ULONG one_shot(int decrypting, CK_MECHANISM *mechanism, CK_OBJECT_HANDLE key, const CK_BYTE *input, CK_ULONG length,
                         CK_BYTE *out, CK_ULONG room) {
    if (decrypting) {
        EXPECT(f->C_DecryptInit(s, mechanism, key), CKR_OK);
        EXPECT(f->C_Decrypt(s, (CK_BYTE_PTR)input, length, out, &room), CKR_OK);
    } else {
        EXPECT(f->C_EncryptInit(s, mechanism, key), CKR_OK);
        EXPECT(f->C_Encrypt(s, (CK_BYTE_PTR)input, length, out, &room), CKR_OK);
    }
    return room;
}

/* Every pattern, both ways, against the one-shot result (and the vector for the first 64 bytes). */
static void cipher_patterns(enum mode mode, CK_MECHANISM *mechanism, CK_OBJECT_HANDLE key, const CK_BYTE *plain, CK_ULONG length,
                            const CK_BYTE *vector) {
    static CK_BYTE expected[1200], cipher[1200], back[1200];
    CK_ULONG expected_length = one_shot(0, mechanism, key, plain, length, expected, sizeof expected);
    if (vector) CHECK(memcmp(expected, vector, 64) == 0);
    for (int p = 0; p < PATTERNS; p++) {
        memset(cipher, 0, sizeof cipher);
        CK_ULONG cipher_length = run(mode, 0, mechanism, key, plain, length, patterns[p], cipher, __LINE__);
        CHECK(cipher_length == expected_length && memcmp(cipher, expected, expected_length) == 0);
        if (cipher_length != expected_length || memcmp(cipher, expected, expected_length) != 0)
            printf("  (mode %d pattern %d: %lu bytes, one-shot %lu)\n", mode, p, cipher_length, expected_length);
        memset(back, 0, sizeof back);
        CK_ULONG back_length = run(mode, 1, mechanism, key, expected, expected_length, patterns[p], back, __LINE__);
        CHECK(back_length == length && memcmp(back, plain, length) == 0);
    }
}

static CK_OBJECT_HANDLE import_key(CK_KEY_TYPE type, const CK_BYTE *value, CK_ULONG length, int sign) {
    CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
    CK_ATTRIBUTE template[] = {
        {CKA_CLASS, &secret, sizeof secret}, {CKA_KEY_TYPE, &type, sizeof type}, {CKA_VALUE, (void *)value, length},
        {CKA_TOKEN, &no, 1}, {sign ? CKA_SIGN : CKA_ENCRYPT, &yes, 1}, {sign ? CKA_VERIFY : CKA_DECRYPT, &yes, 1},
    };
    CK_OBJECT_HANDLE key = 0;
    EXPECT(f->C_CreateObject(s, template, 6, &key), CKR_OK);
    return key;
}

/* Updates of empty parts change nothing: HMAC-SHA256 (RFC 4231 test case 1) and SHA-256 ("abc"). */
static void sign_verify_digest(void) {
    static const CK_BYTE hmac_key[20] = {
        0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b};
    static const CK_BYTE hmac_expected[32] = {
        0xb0, 0x34, 0x4c, 0x61, 0xd8, 0xdb, 0x38, 0x53, 0x5c, 0xa8, 0xaf, 0xce, 0xaf, 0x0b, 0xf1, 0x2b,
        0x88, 0x1d, 0xc2, 0x00, 0xc9, 0x83, 0x3d, 0xa7, 0x26, 0xe9, 0x37, 0x6c, 0x2e, 0x32, 0xcf, 0xf7};
    static const CK_BYTE abc_sha256[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    const char *parts[] = {"", "Hi", "", " ", "There", ""};
    CK_BYTE empty[1] = {0};
    CK_OBJECT_HANDLE key = import_key(CKK_GENERIC_SECRET, hmac_key, sizeof hmac_key, 1);
    CK_MECHANISM hmac = {CKM_SHA256_HMAC, NULL, 0};

    EXPECT(f->C_SignInit(s, &hmac, key), CKR_OK);
    for (int i = 0; i < 6; i++) {
        CK_ULONG n = strlen(parts[i]);
        EXPECT(f->C_SignUpdate(s, n ? (CK_BYTE_PTR)parts[i] : empty, n), CKR_OK);
    }
    CK_BYTE mac[64];
    CK_ULONG mac_length = 0;
    EXPECT(f->C_SignFinal(s, NULL, &mac_length), CKR_OK);
    CHECK(mac_length == 32);
    mac_length = 31;
    EXPECT(f->C_SignFinal(s, mac, &mac_length), CKR_BUFFER_TOO_SMALL);
    CHECK(mac_length == 32);
    EXPECT(f->C_SignFinal(s, mac, &mac_length), CKR_OK);
    CHECK(mac_length == 32 && memcmp(mac, hmac_expected, 32) == 0);

    for (int tamper = 0; tamper < 2; tamper++) {
        EXPECT(f->C_VerifyInit(s, &hmac, key), CKR_OK);
        for (int i = 0; i < 6; i++) {
            CK_ULONG n = strlen(parts[i]);
            EXPECT(f->C_VerifyUpdate(s, n ? (CK_BYTE_PTR)parts[i] : empty, n), CKR_OK);
        }
        CK_BYTE check[32];
        memcpy(check, hmac_expected, 32);
        check[31] ^= (CK_BYTE)tamper;
        EXPECT(f->C_VerifyFinal(s, check, 32), tamper ? CKR_SIGNATURE_INVALID : CKR_OK);
    }

    CK_MECHANISM sha256 = {CKM_SHA256, NULL, 0};
    const char *abc[] = {"", "a", "", "bc", ""};
    EXPECT(f->C_DigestInit(s, &sha256), CKR_OK);
    for (int i = 0; i < 5; i++) {
        CK_ULONG n = strlen(abc[i]);
        EXPECT(f->C_DigestUpdate(s, n ? (CK_BYTE_PTR)abc[i] : empty, n), CKR_OK);
    }
    CK_BYTE digest[64];
    CK_ULONG digest_length = sizeof digest;
    EXPECT(f->C_DigestFinal(s, digest, &digest_length), CKR_OK);
    CHECK(digest_length == 32 && memcmp(digest, abc_sha256, 32) == 0);
}

static void hex(const char *text, CK_BYTE *out) {
    for (size_t i = 0; text[2 * i]; i++) sscanf(text + 2 * i, "%2hhx", &out[i]);
}

/* A 96-bit GCM tag (NIST SP 800-38D; CAVP gcmEncryptExtIV128.rsp, Taglen 96, PTlen 128, AADlen 160,
 * Count 0): C_Encrypt gives CT || Tag, C_Decrypt gives the plaintext back and refuses an altered
 * tag; tag lengths SP 800-38D does not allow in general are refused. */
static void gcm_short_tag(void) {
    CK_BYTE key[16], iv[12], plain[16], aad[20], expected[28];
    hex("90bf5dc928e91cc2f05f8c55dc1ffbc0", key);
    hex("db658c4362e7d6a03faa8492", iv);
    hex("99eac872b13b623f255bcdc0eeb1c529", plain);
    hex("ee192a6b71e57f3f2b27efc9b1cb385d6c1be0c4", aad);
    hex("93d95389595d76131b8b763e50a5fe790c37dd797b78bdecceb9c2a7", expected);
    CK_OBJECT_HANDLE aes = import_key(CKK_AES, key, sizeof key, 0);
    CK_GCM_PARAMS params;
    memset(&params, 0, sizeof params);
    params.pIv = iv;
    params.ulIvLen = sizeof iv;
    params.ulIvBits = 96;
    params.pAAD = aad;
    params.ulAADLen = sizeof aad;
    params.ulTagBits = 96;
    CK_MECHANISM gcm = {CKM_AES_GCM, &params, sizeof params};
    CK_BYTE out[64], back[64];
    CK_ULONG out_length = one_shot(0, &gcm, aes, plain, sizeof plain, out, sizeof out);
    CHECK(out_length == 28 && memcmp(out, expected, 28) == 0);
    CK_ULONG back_length = one_shot(1, &gcm, aes, out, out_length, back, sizeof back);
    CHECK(back_length == 16 && memcmp(back, plain, 16) == 0);
    out[27] ^= 1;
    CK_ULONG room = sizeof back;
    EXPECT(f->C_DecryptInit(s, &gcm, aes), CKR_OK);
    EXPECT(f->C_Decrypt(s, out, out_length, back, &room), CKR_ENCRYPTED_DATA_INVALID);
    /* Multi-part with the short tag, against the one-shot result checked above. */
    cipher_patterns(GCM, &gcm, aes, plain, sizeof plain, NULL);
    for (CK_ULONG bits = 32; bits <= 136; bits += 4) {
        if (bits >= 96 && bits <= 128 && bits % 8 == 0) continue;
        params.ulTagBits = bits;
        CK_RV rv = f->C_EncryptInit(s, &gcm, aes);
        room = sizeof out;
        if (rv == CKR_OK) rv = f->C_Encrypt(s, plain, sizeof plain, out, &room);
        if (rv != CKR_MECHANISM_PARAM_INVALID) printf("  (ulTagBits %lu)\n", bits);
        EXPECT(rv, CKR_MECHANISM_PARAM_INVALID);
    }
}

/* Lengths the mode refuses, reported at the call that sees them. */
static void bad_lengths(CK_OBJECT_HANDLE key) {
    CK_MECHANISM cbc = {CKM_AES_CBC, cbc_iv, sizeof cbc_iv};
    CK_MECHANISM cbc_pad = {CKM_AES_CBC_PAD, cbc_iv, sizeof cbc_iv};
    CK_BYTE data[48] = {0}, out[64];
    CK_ULONG room = sizeof out;
    /* Unpadded CBC over 17 bytes: one block comes out, and Final refuses the odd byte. */
    EXPECT(f->C_EncryptInit(s, &cbc, key), CKR_OK);
    EXPECT(f->C_EncryptUpdate(s, data, 17, out, &room), CKR_OK);
    CHECK(room == 16);
    room = sizeof out;
    EXPECT(f->C_EncryptFinal(s, out, &room), CKR_DATA_LEN_RANGE);
    /* A padded ciphertext cut short of a block. */
    room = sizeof out;
    EXPECT(f->C_DecryptInit(s, &cbc_pad, key), CKR_OK);
    EXPECT(f->C_DecryptUpdate(s, (CK_BYTE_PTR)cbc_cipher, 40, out, &room), CKR_OK);
    CHECK(room == 32 && memcmp(out, vector_plain, 32) == 0);
    room = sizeof out;
    EXPECT(f->C_DecryptFinal(s, out, &room), CKR_ENCRYPTED_DATA_LEN_RANGE);
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s library user:password\n", argv[0]); return 2; }
    if (!(f = load_module(argv[1]))) return 1;
    s = open_logged_in(f, argv[2]);
    if (failures) { printf("%d checks, %d failed\n", checks, failures); return 1; }

    CK_OBJECT_HANDLE aes = import_key(CKK_AES, key256, sizeof key256, 0);
    /* The vector's 64 bytes, then up to 1,000 bytes: whole blocks, and a last block that is not. */
    static CK_BYTE plain[1000];
    memcpy(plain, vector_plain, 64);
    for (int i = 64; i < 1000; i++) plain[i] = (CK_BYTE)(i * 31 + 7);

    CK_MECHANISM cbc = {CKM_AES_CBC, cbc_iv, sizeof cbc_iv};
    CK_MECHANISM cbc_pad = {CKM_AES_CBC_PAD, cbc_iv, sizeof cbc_iv};
    CK_MECHANISM ctr = {CKM_AES_CTR, &ctr_params, sizeof ctr_params};
    static CK_BYTE gcm_iv[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    static CK_BYTE aad[5] = {'h', 'e', 'l', 'l', 'o'};
    CK_GCM_PARAMS gcm_params;
    memset(&gcm_params, 0, sizeof gcm_params);
    gcm_params.pIv = gcm_iv;
    gcm_params.ulIvLen = sizeof gcm_iv;
    gcm_params.ulIvBits = 96;
    gcm_params.pAAD = aad;
    gcm_params.ulAADLen = sizeof aad;
    gcm_params.ulTagBits = 128;
    CK_MECHANISM gcm = {CKM_AES_GCM, &gcm_params, sizeof gcm_params};

    cipher_patterns(CBC, &cbc, aes, plain, 64, cbc_cipher);
    cipher_patterns(CBC, &cbc, aes, plain, 384, NULL);
    cipher_patterns(CBC_PAD, &cbc_pad, aes, plain, 64, cbc_cipher);
    cipher_patterns(CBC_PAD, &cbc_pad, aes, plain, 401, cbc_cipher);
    cipher_patterns(CBC_PAD, &cbc_pad, aes, plain, 1, NULL);
    cipher_patterns(CTR, &ctr, aes, plain, 64, ctr_cipher);
    cipher_patterns(CTR, &ctr, aes, plain, 403, ctr_cipher);
    cipher_patterns(GCM, &gcm, aes, plain, 400, NULL);
    bad_lengths(aes);
    gcm_short_tag();
    sign_verify_digest();

    EXPECT(f->C_CloseSession(s), CKR_OK);
    EXPECT(f->C_Finalize(NULL), CKR_OK);
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
