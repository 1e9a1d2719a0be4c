import Crypto
import Foundation
import SettleLedger
import SettleNode
import SwiftASN1
import X509

/// What `settle network init --production` adds to a network's homes: TLS on
/// every node's RPC (a self-signed RPC CA, made here, and a server
/// certificate per node for localhost and 127.0.0.1), API tokens required,
/// and an administrator token (every scope) for the operator.
enum ProductionNetwork {
    struct Made {
        /// The CA clients trust (`--ca-file`).
        var caFile: URL
        /// The administrator's token (mode 0600).
        var adminTokenFile: URL
    }

    static func secure(_ network: LocalNetwork, now: Date = Date()) throws -> Made {
        let caKey = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let caName = try DistinguishedName { CommonName("Settle RPC CA \(network.genesis.chainId)") }
        let ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: caKey.publicKey, notValidBefore: now.addingTimeInterval(-3_600),
            notValidAfter: now.addingTimeInterval(10 * 365 * 86_400), issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            }, issuerPrivateKey: caKey)
        let caFile = network.directory.appendingPathComponent("rpc-ca.pem")
        try Data(try ca.serializeAsPEM().pemString.utf8).write(to: caFile)
        try KeyFileText.writePrivate(try caKey.serializeAsPEM().pemString + "\n", to: network.keysDirectory.appendingPathComponent("rpc-ca.key").path)

        // One administrator token, valid on every node.
        let admin = APIToken.generate(name: "operator (network init --production)", scopes: TokenScope.all, expires: nil, rateLimit: nil)
        // Observers serve the same RPC, so they get the same TLS and token.
        let homes = network.nodeHomes.enumerated().map { ("node-\($0.offset)", $0.element) } + network.observerHomes.enumerated().map { ("observer-\($0.offset)", $0.element) }
        for (name, home) in homes {
            let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
            let certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey, notValidBefore: now.addingTimeInterval(-3_600),
                notValidAfter: now.addingTimeInterval(825 * 86_400), issuer: caName, subject: try DistinguishedName { CommonName("settle \(name)") },
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([.serverAuth])
                    SubjectAlternativeNames([.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
                }, issuerPrivateKey: caKey)
            try Data(try certificate.serializeAsPEM().pemString.utf8).write(to: home.appendingPathComponent("rpc-tls.pem"))
            try KeyFileText.writePrivate(try key.serializeAsPEM().pemString + "\n", to: home.appendingPathComponent("rpc-tls.key").path)
            var config = try NodeConfig.load(home: home)
            config.rpc.tls = NodeConfig.TLS(certificate: "rpc-tls.pem", key: "rpc-tls.key")
            config.rpc.auth.tokens = true
            try Data(config.yamlText().utf8).write(to: home.appendingPathComponent(NodeConfig.fileName))
            try APITokenFile.write([admin.token], to: home.appendingPathComponent(APITokenFile.fileName).path)
        }
        let adminTokenFile = network.keysDirectory.appendingPathComponent("admin.token")
        try KeyFileText.writePrivate(admin.text + "\n", to: adminTokenFile.path)
        return Made(caFile: caFile, adminTokenFile: adminTokenFile)
    }
}
