import Hummingbird
import NIOCore
import SettleAPI
import SettleConsensus
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleNode

/// The node itself: health, status, its genesis, assets, evidence, metrics.
struct NodeController {
    let queries: NodeQueries
    let metrics: MetricsExporter

    func addRoutes(to routes: RPCRoutes) {
        routes.add(.health) { _, _ in try await health() }
        routes.add(.metrics) { _, _ in metrics.response() }
        routes.add(.status) { _, _ in try await status() }
        routes.add(.activity) { _, _ in
            let minutes = await queries.recentActivity()
            return try RPCServer.json(
                Wire.Activity(
                    minutes: minutes.map {
                        Wire.ActivityMinute(
                            start: $0.start, blocks: $0.blocks, transactions: $0.transactions, latencyCount: $0.latencyCount, latencyP50Ms: $0.latencyQuantileMs(0.5),
                            latencyP99Ms: $0.latencyQuantileMs(0.99))
                    }))
        }
        routes.add(.genesis) { _, _ in
            // The canonical JSON form; clients check its hash against the status's genesisHash or a value from the operators.
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: queries.genesis.jsonText(comments: false))))
        }
        routes.add(.evidence) { _, _ in
            try RPCServer.json(
                await queries.equivocations().map { proof in
                    let vote = proof.first.vote
                    return Wire.Evidence(
                        validator: vote.validator.hex, height: vote.height, round: vote.round, step: vote.step == .prevote ? "prevote" : "precommit",
                        blockHashes: [proof.first.vote.blockHash, proof.second.vote.blockHash].map { $0?.hex ?? "nil" }, encoded: Hex.encode(proof.canonicalBytes))
                })
        }
        routes.add(.assets) { _, _ in
            try RPCServer.json(await queries.assets().map { Wire.Asset(code: $0.code.value, decimals: $0.decimals, name: $0.name) })
        }
    }

    /// 200 while the node is fit to take traffic; 503 with the state and why
    /// when it is not (behind its peers, without a quorum, stopped).
    private func health() async throws -> Response {
        let (health, height) = await (queries.health(), queries.storedHeight)
        return try RPCServer.json(Wire.Health(status: Wire.HealthState(health.state), reason: health.reason, height: height), status: health.state == .ok ? .ok : .serviceUnavailable)
    }

    private func status() async throws -> Response {
        let s = await queries.nodeStatus()
        var view = Wire.Status(
            chainId: s.chainId, genesisHash: queries.genesis.hash.hex, height: s.height, lastBlockHash: s.lastBlockHash.hex, lastBlockTime: s.lastBlockTime, mempoolSize: s.mempoolSize,
            validator: s.validator.hex, version: RPCServer.version)
        if let position = s.consensus {
            view.consensus = .init(height: position.height, round: position.round, step: Wire.ConsensusStep(position.step))
            view.peers = s.peers.map { Wire.Status.Peer(validator: $0.validator.hex, height: $0.height) }
        }
        view.health = Wire.Health(status: Wire.HealthState(s.health.state), reason: s.health.reason, height: s.height)
        view.alerts = s.alerts.map { Wire.Status.Alert(code: $0.code, message: $0.message, count: $0.count, lastAt: $0.lastAt) }
        view.validatorSet = Wire.Status.ValidatorSet(s.validatorSet)
        view.role = Wire.NodeRole(rawValue: s.role.rawValue)
        return try RPCServer.json(view)
    }
}
