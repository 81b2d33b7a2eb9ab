// Small conversions between swift-certificates' Certificate and the forms TLS and files need.

import Crypto
import SwiftASN1
import X509

extension Certificate {
    /// The certificate's DER encoding.
    public var derEncoded: [UInt8] {
        get throws {
            var serializer = DER.Serializer()
            try serializer.serialize(self)
            return serializer.serializedBytes
        }
    }

    /// The certificate in PEM.
    public var pemEncoded: String {
        get throws { try serializeAsPEM().pemString }
    }

    /// The SHA-256 fingerprint of the DER encoding, as colon-separated upper-case hex (the form
    /// `openssl x509 -fingerprint -sha256` prints), for pinning.
    public var sha256Fingerprint: String {
        get throws {
            SHA256.hash(data: try derEncoded).map { byte in
                let hex = String(byte, radix: 16, uppercase: true)
                return hex.count == 1 ? "0" + hex : hex
            }.joined(separator: ":")
        }
    }
}
