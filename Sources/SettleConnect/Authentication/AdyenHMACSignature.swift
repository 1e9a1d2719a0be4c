import Crypto
import Foundation

/// Adyen's HMAC signature of a standard notification item: base64 of
/// HMAC-SHA256, keyed with the hex-decoded 32-byte HMAC key, over
/// `pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success`
/// — absent fields empty, `value` the integer in minor units, `success`
/// "true" or "false", and **no escaping** (Adyen's old payment-page rule of
/// escaping `\` and `:` does not apply: real notifications whose references
/// contain them verify only unescaped). Carried in `additionalData.hmacSignature`.
public struct AdyenHMACSignature: Sendable {
    /// The fields the signature covers, as the notification item carries them.
    public struct Item: Sendable, Equatable {
        public var pspReference: String
        public var originalReference: String?
        public var merchantAccountCode: String
        public var merchantReference: String
        public var value: Int64
        public var currency: String
        public var eventCode: String
        public var success: Bool

        public init(pspReference: String, originalReference: String?, merchantAccountCode: String, merchantReference: String, value: Int64, currency: String, eventCode: String, success: Bool) {
            self.pspReference = pspReference
            self.originalReference = originalReference
            self.merchantAccountCode = merchantAccountCode
            self.merchantReference = merchantReference
            self.value = value
            self.currency = currency
            self.eventCode = eventCode
            self.success = success
        }

        /// The colon-joined string Adyen signs.
        public var signingString: String {
            [pspReference, originalReference ?? "", merchantAccountCode, merchantReference, String(value), currency, eventCode, success ? "true" : "false"].joined(separator: ":")
        }
    }

    private let key: SymmetricKey

    /// `hexKey`: the 64 hex characters of the HMAC key from Adyen's Customer Area.
    public init(hexKey: String) throws(WebhookAuthenticationFailure) {
        let text = Array(hexKey.utf8)
        guard text.count == 64, text.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 102) }) else {
            throw .unusableSecret("an Adyen HMAC key is 64 hex characters")
        }
        var bytes = [UInt8]()
        for index in stride(from: 0, to: 64, by: 2) {
            func nibble(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : (c | 0x20) - 87 }
            bytes.append(nibble(text[index]) << 4 | nibble(text[index + 1]))
        }
        key = SymmetricKey(data: bytes)
    }

    public func verify(_ item: Item, signature: String?) throws(WebhookAuthenticationFailure) {
        guard let signature else { throw .missing("additionalData.hmacSignature") }
        guard let given = Data(base64Encoded: signature) else { throw .malformed("additionalData.hmacSignature", why: "not base64") }
        guard constantTimeEqual([UInt8](given), Array(HMAC<SHA256>.authenticationCode(for: Array(item.signingString.utf8), using: key))) else { throw .mismatch }
    }

    /// The signature Adyen would send for `item`, base64.
    public func signature(_ item: Item) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Array(item.signingString.utf8), using: key)).base64EncodedString()
    }
}
