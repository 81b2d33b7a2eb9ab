// Issue 4's Java interop check: loads libcoffer-pkcs11.so through Java 17's SunPKCS11 provider, logs
// in through the PKCS11 KeyStore, signs with the token's RSA key (PKCS#1 v1.5 and PSS) and EC key,
// and verifies each signature with the JDK's own providers (SunRsaSign, SunEC). Compiled and run by
// JavaSunPKCS11Tests at test time.
//
// Usage: java CofferSign <SunPKCS11 config> <PIN>
// Prints one line per check and exits non-zero if any check fails.

import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Security;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Collections;

public final class CofferSign {
    private static int failures = 0;

    public static void main(String[] arguments) throws Exception {
        if (arguments.length != 2) {
            System.err.println("usage: java CofferSign <SunPKCS11 config> <PIN>");
            System.exit(2);
        }
        Provider coffer = Security.getProvider("SunPKCS11").configure(arguments[0]);
        System.out.println("provider: " + coffer.getName());

        KeyStore store = KeyStore.getInstance("PKCS11", coffer);
        store.load(null, arguments[1].toCharArray());
        System.out.println("logged in; " + store.size() + " entries");

        boolean sawRSA = false;
        boolean sawEC = false;
        for (String alias : Collections.list(store.aliases())) {
            if (!store.isKeyEntry(alias)) {
                continue;
            }
            PrivateKey key = (PrivateKey) store.getKey(alias, null);
            Certificate certificate = store.getCertificate(alias);
            if (key == null || certificate == null) {
                fail("alias " + alias + ": no private key or no certificate");
                continue;
            }
            switch (key.getAlgorithm()) {
                case "RSA" -> {
                    sawRSA = true;
                    check(alias, "SHA256withRSA", null, "SunRsaSign", key, certificate.getPublicKey(), coffer);
                    PSSParameterSpec pss = new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1);
                    check(alias, "RSASSA-PSS", pss, "SunRsaSign", key, certificate.getPublicKey(), coffer);
                }
                case "EC" -> {
                    sawEC = true;
                    check(alias, "SHA256withECDSA", null, "SunEC", key, certificate.getPublicKey(), coffer);
                }
                default -> System.out.println("alias " + alias + ": skipping " + key.getAlgorithm() + " key");
            }
        }
        if (!sawRSA) {
            fail("no RSA key entry on the token");
        }
        if (!sawEC) {
            fail("no EC key entry on the token");
        }
        System.out.println(failures == 0 ? "ALL OK" : failures + " FAILURES");
        System.exit(failures == 0 ? 0 : 1);
    }

    // Signs on the token, then verifies with the JDK's own provider: the message must pass and an
    // altered message must fail.
    private static void check(
        String alias, String algorithm, AlgorithmParameterSpec parameters, String verifier, PrivateKey key,
        PublicKey publicKey, Provider coffer
    ) throws Exception {
        byte[] message = ("a message for " + alias + " signed by Coffer").getBytes(StandardCharsets.UTF_8);
        Signature signer = Signature.getInstance(algorithm, coffer);
        if (parameters != null) {
            signer.setParameter(parameters);
        }
        signer.initSign(key);
        signer.update(message);
        byte[] signature = signer.sign();

        Signature checker = Signature.getInstance(algorithm, verifier);
        if (parameters != null) {
            checker.setParameter(parameters);
        }
        checker.initVerify(publicKey);
        checker.update(message);
        boolean good = checker.verify(signature);

        byte[] altered = message.clone();
        altered[0] ^= 1;
        checker.initVerify(publicKey);
        checker.update(altered);
        boolean forged = checker.verify(signature);

        String result = alias + " " + algorithm + " (" + signature.length + " bytes) verified by " + verifier;
        if (good && !forged) {
            System.out.println("OK " + result + "; altered message rejected");
        } else {
            fail(result + ": verify=" + good + ", altered message verify=" + forged);
        }
    }

    private static void fail(String message) {
        failures += 1;
        System.out.println("FAIL " + message);
    }
}
