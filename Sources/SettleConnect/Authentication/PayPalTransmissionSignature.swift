import Crypto
import Foundation
import SwiftASN1
import X509
import _CryptoExtras

/// PayPal's webhook transmission signature, verified offline: RSASSA-PKCS1-v1_5
/// with SHA-256, by the key of PayPal's certificate, over
/// `<PAYPAL-TRANSMISSION-ID>|<PAYPAL-TRANSMISSION-TIME>|<webhook id>|<CRC-32 of the raw body, unsigned decimal>`.
/// The webhook id is the receiver's own (configured, not in the request), so
/// an event signed for another endpoint does not verify here. The
/// certificate is given by the operator (a file, or fetched only from an
/// allow-listed host by the connector), never taken blindly from the
/// request's `PAYPAL-CERT-URL`.
public struct PayPalTransmissionSignature: Sendable {
    public static let idHeader = "PAYPAL-TRANSMISSION-ID"
    public static let timeHeader = "PAYPAL-TRANSMISSION-TIME"
    public static let signatureHeader = "PAYPAL-TRANSMISSION-SIG"
    public static let algorithmHeader = "PAYPAL-AUTH-ALGO"

    public let webhookID: String
    private let key: _RSA.Signing.PublicKey

    /// `certificatePEM`: PayPal's signing certificate, PEM.
    public init(webhookID: String, certificatePEM: String) throws(WebhookAuthenticationFailure) {
        self.webhookID = webhookID
        do {
            let certificate = try Certificate(pemEncoded: certificatePEM)
            guard let rsa = _RSA.Signing.PublicKey(certificate.publicKey) else { throw WebhookAuthenticationFailure.unusableSecret("the PayPal certificate's key is not RSA") }
            key = rsa
        } catch let failure as WebhookAuthenticationFailure {
            throw failure
        } catch {
            throw .unusableSecret("the PayPal certificate is not a PEM X.509 certificate: \(error)")
        }
    }

    /// The string PayPal signs for a delivery.
    public func signedString(transmissionID: String, transmissionTime: String, body: some Collection<UInt8>) -> String {
        "\(transmissionID)|\(transmissionTime)|\(webhookID)|\(CRC32.checksum(body))"
    }

    public func verify(transmissionID: String?, transmissionTime: String?, signature: String?, algorithm: String?, body: some Collection<UInt8>) throws(WebhookAuthenticationFailure) {
        guard let transmissionID else { throw .missing(Self.idHeader) }
        guard let transmissionTime else { throw .missing(Self.timeHeader) }
        guard let signature else { throw .missing(Self.signatureHeader) }
        if let algorithm, algorithm != "SHA256withRSA" { throw .malformed(Self.algorithmHeader, why: "\(algorithm) is not SHA256withRSA") }
        guard let raw = Data(base64Encoded: signature) else { throw .malformed(Self.signatureHeader, why: "not base64") }
        let message = Array(signedString(transmissionID: transmissionID, transmissionTime: transmissionTime, body: body).utf8)
        guard key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: raw), for: message, padding: .insecurePKCS1v1_5) else { throw .mismatch }
    }
}

/// CRC-32 as zlib computes it (IEEE 802.3, reflected polynomial 0xEDB88320).
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        return crc
    }

    static func checksum(_ bytes: some Collection<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
