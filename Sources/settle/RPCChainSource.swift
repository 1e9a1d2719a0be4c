import Foundation
import SettleAPI
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleStore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Reads a chain from a node's RPC for an online audit. Nothing the node says is
/// trusted: each block record is decoded from its canonical bytes and verified
/// like any other source; the node's claimed height only bounds the loop.
struct RPCChainSource: ChainSource {
    let base: URL
    let genesisHash: Hash256

    func forEachBlock(_ body: (UInt64, Result<StoredBlock, StoreError>) throws -> Bool) throws {
        let status: Wire.Status
        switch fetch("/v1/status", as: Wire.Status.self) {
        case .success(let value): status = value
        case .failure(let error): _ = try body(1, .failure(error)); return
        }
        guard status.height > 0 else { return }
        for height in 1...status.height {
            let record = fetch("/v1/blocks/\(height)/record", as: Wire.BlockRecord.self).flatMap { record -> Result<StoredBlock, StoreError> in
                do throws(DecodingError) {
                    func bytes(_ hex: String) throws(DecodingError) -> [UInt8] {
                        guard let bytes = Hex.decode(hex) else { throw .invalidValue(field: "record", offset: 0, reason: "not hex") }
                        return bytes
                    }
                    return .success(
                        try StoredBlock(
                            encodedBlock: try bytes(record.block), commit: try bytes(record.commit),
                            results: try record.results.map { hex throws(DecodingError) in try bytes(hex) }))
                } catch { return .failure(.corrupt("block \(height) from the node: \(error)")) }
            }
            guard try body(height, record) else { return }
        }
    }

    private func fetch<T: Decodable>(_ path: String, as type: T.Type) -> Result<T, StoreError> {
        let url = base.appendingPathComponent(path)
        let box = ResultBox()
        let semaphore = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: url) { data, response, error in
            box.data = data
            box.status = (response as? HTTPURLResponse)?.statusCode ?? 0
            box.error = error.map { "\($0)" }
            semaphore.signal()
        }.resume()
        semaphore.wait()
        if let error = box.error { return .failure(.database("cannot reach \(url): \(error)")) }
        guard box.status == 200, let data = box.data else { return .failure(.database("\(url) answered HTTP \(box.status)")) }
        do { return .success(try JSONDecoder().decode(T.self, from: data)) } catch { return .failure(.corrupt("\(url): \(error)")) }
    }

    private final class ResultBox: @unchecked Sendable {
        var data: Data?
        var status = 0
        var error: String?
    }
}
