public import Foundation
public import NIOSSL
import SwiftASN1
import Synchronization
import X509

/// The RPC's TLS files (`rpc.tls`, docs/operations.md "TLS"): PEM files the
/// operator renews in place; the node re-reads them when they change.
public struct RPCTLSFiles: Sendable, Equatable {
    /// The server's certificate chain (leaf first) and its key.
    public var certificate: String
    public var key: String
    /// CA certificates a client certificate must chain to; nil: none asked for.
    public var clientCA: String?
    /// Whether a client without a certificate is refused at the handshake.
    public var requireClientCertificate: Bool

    public init(certificate: String, key: String, clientCA: String? = nil, requireClientCertificate: Bool = false) {
        self.certificate = certificate
        self.key = key
        self.clientCA = clientCA
        self.requireClientCertificate = requireClientCertificate
    }

    /// A context from the files as they are now; throws, saying which file is
    /// wrong, when one does not read or the key is not the certificate's.
    public func context() throws -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        do { chain = try NIOSSLCertificate.fromPEMFile(certificate) } catch { throw RPCTLSError("\(certificate) holds no PEM certificate: \(error)") }
        guard let leaf = chain.first else { throw RPCTLSError("\(certificate) holds no PEM certificate") }
        let privateKey: NIOSSLPrivateKey
        do { privateKey = try NIOSSLPrivateKey(file: key, format: .pem) } catch { throw RPCTLSError("\(key) holds no PEM private key: \(error)") }
        // A key that is not the certificate's would fail every handshake: refuse it here instead
        // (for the key types swift-certificates reads; BoringSSL reads the others).
        if let text = try? String(contentsOfFile: key, encoding: .utf8), let parsed = try? Certificate.PrivateKey(pemEncoded: text),
            let certificate = try? Certificate(derEncoded: try leaf.toDERBytes()), parsed.publicKey != certificate.publicKey
        {
            throw RPCTLSError("\(key) is not the key of the certificate in \(self.certificate)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        configuration.minimumTLSVersion = .tlsv12
        if let clientCA {
            do { configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(clientCA)) } catch {
                throw RPCTLSError("\(clientCA) holds no PEM CA certificate: \(error)")
            }
            configuration.certificateVerification = requireClientCertificate ? .noHostnameVerification : .optionalVerification
        }
        do { return try NIOSSLContext(configuration: configuration) } catch { throw RPCTLSError("the TLS files do not make a server context: \(error)") }
    }

    /// The subject common name of a (client) certificate, if it has one.
    static func commonName(of certificate: NIOSSLCertificate) -> String? {
        guard let der = try? certificate.toDERBytes(), let parsed = try? Certificate(derEncoded: der) else { return nil }
        for rdn in parsed.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                return String(describing: attribute.value)
            }
        }
        return nil
    }
}

public struct RPCTLSError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The TLS context new connections use, replaced whole when the files change
/// (`TLSFileWatcher`): connections open keep the context they began with.
public final class RPCTLSContext: Sendable {
    public let files: RPCTLSFiles
    private let current: Mutex<NIOSSLContext>

    /// Reads the files now; throws when they cannot serve.
    public init(files: RPCTLSFiles) throws {
        self.files = files
        current = Mutex(try files.context())
    }

    var context: NIOSSLContext { current.withLock { $0 } }

    /// Re-reads the files; on failure the context in service stays.
    public func reload() throws {
        let fresh = try files.context()
        current.withLock { $0 = fresh }
    }
}
