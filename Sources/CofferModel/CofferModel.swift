// Placeholder: the PKCS#11 object model lands here.
import CofferCrypto
