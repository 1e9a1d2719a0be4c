import Foundation
import Logging
import SettleCrypto

extension NodeConfig {
    /// The config as an operator reads it: every setting, with what it does.
    /// `NodeConfig.parse` reads this text back to the same values.
    public func yamlText() -> String {
        """
        # Settle node configuration, read by `settled --home <this directory>`.
        # Relative paths are relative to this directory. Every setting has a
        # default; an unknown or misspelt setting stops the node with an error.

        # The chain's genesis file. Every node of a network holds the same one;
        # its hash is the chain's identity.
        genesis: \(Self.quoted(genesis))
        # This validator's Ed25519 signing key: a hex seed in a file that only the
        # node's user may read (mode 0600). Never copy it to another machine.
        validatorKey: \(Self.quoted(validatorKey))
        # The block store (SQLite, WAL, synchronous=FULL) and other node data.
        dataDir: \(Self.quoted(dataDir))

        rpc:
          # The JSON RPC over HTTP (docs/rpc.md). Keep it on loopback, or turn
          # on API tokens (auth) and TLS before others can reach it.
          host: \(Self.quoted(rpc.host))
          port: \(rpc.port)
          # Connections open at once; one more is answered 503 and closed. The
          # node lowers it at start to fit its open-file limit (logged).
          maxConnections: \(rpc.maxConnections)
          # A connection with no request in progress is closed after this (ms).
          idleTimeoutMs: \(rpc.idleTimeoutMs)
          # A request must arrive whole within this (ms), else 408 and closed.
          requestTimeoutMs: \(rpc.requestTimeoutMs)
          # Connections open at once from one client address; one more is
          # answered 429 and closed before anything is read.
          maxConnectionsPerAddress: \(rpc.maxConnectionsPerAddress)
          # The web explorer under /explorer/ (docs/explorer.md): static pages
          # that read the routes above, behind the same tokens.
          explorer: \(rpc.explorer)
          auth:
            # API tokens (docs/rpc.md "Authentication"): tokens.json in this home,
            # made with `settle tokens create`, re-read within 3 s when it changes.
            # Off: every route is open — for a node on loopback only.
            tokens: \(rpc.auth.tokens)\(rpc.auth.required.map { "\n    # Whether a request without a token is refused (default: tokens).\n    required: \($0)" } ?? "")
        \(rpc.tls.map(Self.tlsText) ?? "  # tls: certificate, key (PEM files), clientCA, requireClientCertificate — docs/operations.md")
          cors:
            # Browser origins allowed to call the RPC (docs/rpc.md "CORS"), or "*".
            allowedOrigins: [\(rpc.cors.allowedOrigins.map(Self.quoted).joined(separator: ", "))]
            allowedMethods: [\(rpc.cors.allowedMethods.map(Self.quoted).joined(separator: ", "))]
            allowedHeaders: [\(rpc.cors.allowedHeaders.map(Self.quoted).joined(separator: ", "))]

        blocks:
          # While transactions are pending, a block is produced this often (ms).
          intervalMs: \(blocks.intervalMs)
          # At most this many transactions per block (and at most the genesis's
          # ledger.maxBlockTransactions).
          maxTransactions: \(blocks.maxTransactions)

        mempool:
          # Pending transactions held at most; beyond it submissions are refused
          # with the code mempool_full.
          maxTransactions: \(mempool.maxTransactions)
          # Pending transactions per signing account at most (account_limit).
          maxPerAccount: \(mempool.maxPerAccount)

        p2p:
          # Where the other validators connect: mutual TLS 1.3, and only the
          # validators of the sets in force (the genesis's, changed by the
          # validators' own governance) are admitted (docs/p2p.md).
          host: \(Self.quoted(p2p.host))
          port: \(p2p.port)
          # Connections still in TLS or their hello, at most, in all and from
          # one address (the oldest is closed to make room), and how long one
          # may take (ms) before it is closed.
          maxPendingConnections: \(p2p.maxPendingConnections)
          maxPendingPerAddress: \(p2p.maxPendingPerAddress)
          handshakeTimeoutMs: \(p2p.handshakeTimeoutMs)
          # The other validators: their key (as in the genesis) and address.
          peers:\(p2p.peers.isEmpty ? " []" : "")
        \(p2p.peers.map { "    - key: \"\($0.key.hex)\"\n      host: \(Self.quoted($0.host))\n      port: \($0.port)\n" }.joined())
        snapshots:
          # A state snapshot (the ledger state, the log frontier and the
          # certificates that prove its height final) is written under
          # dataDir/snapshots/<height>/ each time the chain passes a multiple of
          # this many heights, off the commit path; 0 writes none. Other nodes
          # and `settle snapshot restore` start from one instead of replaying
          # the chain (docs/operations.md, "State snapshots").
          interval: \(snapshots.interval)
          # How many snapshots are kept, the newest.
          keep: \(snapshots.keep)

        sync:
          # With an empty store, fetch the latest state snapshot from the peers
          # (chunks checked against its manifest, its height's certificate
          # against the genesis) and block-sync from there, instead of
          # replaying the chain from genesis. `settled --from-snapshot` does it
          # for one start.
          fromSnapshot: \(sync.fromSnapshot)

        log:
          # trace, debug, info, notice, warning, error or critical.
          level: \(log.level.rawValue)

        """
    }

    /// The `rpc.tls` section, indented under `rpc`.
    static func tlsText(_ tls: TLS) -> String {
        var lines = [
            "  tls:", "    # The RPC's certificate chain and key (PEM), re-read within 5 s when they change.",
            "    certificate: \(quoted(tls.certificate))", "    key: \(quoted(tls.key))",
        ]
        if let clientCA = tls.clientCA {
            lines += [
                "    # Client certificates must chain to this CA; a token names one by its common name.", "    clientCA: \(quoted(clientCA))",
                "    requireClientCertificate: \(tls.requireClientCertificate)",
            ]
        }
        return lines.joined(separator: "\n")
    }

    /// A YAML double-quoted scalar: any path or host reads back exactly (`#`,
    /// `:`, quotes and leading spaces would otherwise change its meaning).
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case let c where c.value < 0x20 || c.value == 0x7f: out += String(format: "\\x%02x", c.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
