import Crypto
public import Foundation
import NIOCore
public import NIOSSL
public import SettleCrypto
import SwiftASN1
import X509

/// Mutual TLS 1.3 between validators, authenticated by their Ed25519
/// consensus keys: each node presents a self-signed certificate for its own
/// key and accepts a peer only if the peer's certificate key is a member now
/// (`PeerMembers`: the validators of the sets in force next, which the chain
/// derives from the genesis). The TLS handshake proves the peer holds that
/// key; no certificate authority is involved, so nothing but the genesis and
/// the chain decide who may connect.
public struct PeerTLS: Sendable {
    public let certificate: NIOSSLCertificate
    public let privateKey: NIOSSLPrivateKey
    public let members: PeerMembers

    /// `key` is the node's own key (its validator key).
    public init(key: SigningKey, members: Set<PublicKey>, now: Date = Date()) throws {
        try self.init(key: key, members: PeerMembers(validators: members), now: now)
    }

    /// `key` is the node's own key (its validator key); `members` may change
    /// while connections are made.
    public init(key: SigningKey, members: PeerMembers, now: Date = Date()) throws {
        let ed25519 = try Curve25519.Signing.PrivateKey(rawRepresentation: key.seed)
        let certificateKey = Certificate.PrivateKey(ed25519)
        let name = try DistinguishedName { CommonName("settle validator \(key.publicKey.hex.prefix(16))") }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: certificateKey.publicKey,
            notValidBefore: now.addingTimeInterval(-3_600), notValidAfter: now.addingTimeInterval(20 * 365 * 86_400),
            issuer: name, subject: name, signatureAlgorithm: .ed25519, extensions: Certificate.Extensions {}, issuerPrivateKey: certificateKey)
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        self.certificate = try NIOSSLCertificate(bytes: serializer.serializedBytes, format: .der)
        privateKey = try NIOSSLPrivateKey(bytes: Array(try certificateKey.serializeAsPEM().pemString.utf8), format: .pem)
        self.members = members
    }

    /// TLS 1.3 only, Ed25519 only, and a certificate required from the peer.
    public func configuration(server: Bool) -> TLSConfiguration {
        var configuration =
            server
            ? TLSConfiguration.makeServerConfiguration(certificateChain: [.certificate(certificate)], privateKey: .privateKey(privateKey))
            : TLSConfiguration.makeClientConfiguration()
        if !server {
            configuration.certificateChain = [.certificate(certificate)]
            configuration.privateKey = .privateKey(privateKey)
        }
        configuration.minimumTLSVersion = .tlsv13
        configuration.certificateVerification = .noHostnameVerification
        configuration.verifySignatureAlgorithms = [.ed25519]
        configuration.signingSignatureAlgorithms = [.ed25519]
        return configuration
    }

    /// Accepts the peer only if its certificate carries a member's key, and
    /// reports that key (the connection's authenticated identity) — or, when
    /// it refuses, the key it was shown (nil: none, or not Ed25519).
    public func verifier(
        identified: @escaping @Sendable (PublicKey) -> Void, refused: @escaping @Sendable (PublicKey?) -> Void = { _ in }
    ) -> NIOSSLCustomVerificationCallback {
        let members = self.members
        return { certificates, promise in
            guard let leaf = certificates.first, let key = try? Self.ed25519Key(of: leaf), members.contains(key) else {
                refused(certificates.first.flatMap { try? Self.ed25519Key(of: $0) })
                promise.succeed(.failed)
                return
            }
            identified(key)
            promise.succeed(.certificateVerified)
        }
    }

    /// The Ed25519 key of a certificate: its SubjectPublicKeyInfo is the fixed
    /// 12-byte RFC 8410 prefix followed by the 32-byte key.
    static func ed25519Key(of certificate: NIOSSLCertificate) throws -> PublicKey? {
        let spki = try certificate.extractPublicKey().toSPKIBytes()
        let prefix: [UInt8] = [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]
        guard spki.count == 44, Array(spki.prefix(12)) == prefix, let raw = Bytes32(spki.suffix(32)) else { return nil }
        return PublicKey(raw)
    }
}
