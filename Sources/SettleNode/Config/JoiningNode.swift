public import Foundation
public import SettleCrypto
import SettleLedger

/// A node home for a validator that joins a running network (docs/operations.md,
/// "Add a validator"): the chain's genesis, a fresh validator key, and a
/// config naming some of the network's validators as peers. The node starts
/// empty, fetches the chain from its peers, and votes once the validators
/// decide a change that adds its key (`settle gov propose --add`); until then
/// it follows. Its peers need not know its address: it dials them.
public enum JoiningNode {
    /// Writes the home into `directory` (created; refused if not empty) and
    /// returns the new validator key's public key, for the proposal.
    public static func create(at directory: URL, genesisFile: URL, peers: [NodeConfig.Peer], rpcPort: Int, p2pPort: Int) throws -> PublicKey {
        guard (1...65_535).contains(rpcPort), (1...65_535).contains(p2pPort), rpcPort != p2pPort else {
            throw LocalNetwork.Failure.invalid("--rpc-port and --p2p-port must be two different TCP ports")
        }
        guard !peers.isEmpty else { throw LocalNetwork.Failure.invalid("name at least one validator of the network to connect to (--peer KEY@HOST:PORT)") }
        guard let genesisText = FileManager.default.contents(atPath: genesisFile.path) else {
            throw LocalNetwork.Failure.invalid("cannot read the genesis file \(genesisFile.path)")
        }
        // Refuse a file that is not this protocol's genesis now, not at the node's first start.
        let genesis = try Genesis.parseJSON(genesisText)
        let fm = FileManager.default
        if let existing = try? fm.contentsOfDirectory(atPath: directory.path), !existing.isEmpty { throw LocalNetwork.Failure.notEmpty(directory.path) }
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        var config = NodeConfig()
        config.rpc.port = rpcPort
        config.p2p.port = p2pPort
        config.p2p.peers = peers
        let key = SigningKey()
        try config.writeHome(at: directory, genesis: genesis, genesisText: genesisText, validatorKey: key)
        return key.publicKey
    }

    /// A peer as `KEY@HOST:PORT` (the key in hex).
    public static func parsePeer(_ text: String) -> NodeConfig.Peer? {
        let parts = text.split(separator: "@", maxSplits: 1)
        guard parts.count == 2, let key = PublicKey(hex: String(parts[0])), let colon = parts[1].lastIndex(of: ":"),
            let port = Int(parts[1][parts[1].index(after: colon)...]), (1...65_535).contains(port)
        else { return nil }
        let host = String(parts[1][..<colon])
        guard !host.isEmpty else { return nil }
        return NodeConfig.Peer(key: key, host: host, port: port)
    }
}
