import Foundation
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleNode
import SettleTestSupport
import Synchronization
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A response body read chunk by chunk over a real connection, as an event
/// stream client reads it.
final class StreamingDownload: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let continuation: AsyncStream<Data>.Continuation
    private let chunks: AsyncStream<Data>
    private var session: URLSession?
    private var text = ""
    private let timedOut = Mutex(false)

    enum Outcome: Equatable {
        case matched
        case ended
        case timedOut
    }

    init(url: URL) {
        (chunks, continuation) = AsyncStream.makeStream(of: Data.self)
        super.init()
        var request = URLRequest(url: url)
        request.timeoutInterval = 30
        let session = URLSession(configuration: .ephemeral, delegate: self, delegateQueue: nil)
        session.dataTask(with: request).resume()
        self.session = session
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        continuation.yield(data)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        continuation.finish()
    }

    /// Reads until `done` holds for everything received so far, the body
    /// ends, or `timeout` passes (which closes the connection).
    func read(timeout: Duration = .seconds(20), until done: (String) -> Bool) async -> Outcome {
        let watchdog = Task { [weak self] in
            try await Task.sleep(for: timeout)
            self?.timedOut.withLock { $0 = true }
            self?.session?.invalidateAndCancel()
        }
        defer { watchdog.cancel() }
        if done(text) { return .matched }
        for await chunk in chunks {
            text += String(decoding: chunk, as: UTF8.self)
            if done(text) { return .matched }
        }
        return timedOut.withLock { $0 } ? .timedOut : .ended
    }

    func cancel() {
        session?.invalidateAndCancel()
    }

    /// Everything read so far.
    var received: String { text }
}

extension ProcessTests {
    /// `/metrics` and `/v1/events` on the real `settled` process over HTTP, and a
    /// SIGTERM with a stream open.
    @Suite struct DaemonObservabilityTests {
        typealias Daemon = DaemonProcessTests.Daemon

        @Test func metricsAndEventsOverHTTPThenSigtermWithAStreamOpen() async throws {
            let binary = try #require(DaemonProcessTests.binary, "settled must be built beside the tests")
            let (home, genesis) = try DaemonProcessTests.developmentHome()
            defer { try? FileManager.default.removeItem(at: home) }
            let port = FreePorts.take(1)[0]
            let daemon = try Daemon(binary: binary, home: home, port: port)
            try await DaemonProcessTests.waitUntilServing(port: port)

            func commit(_ from: String, _ to: String, _ cents: UInt64, nonce: UInt64) async throws -> Hash256 {
                let key = DevelopmentNetwork.key(from)
                let tx = TransactionBody(
                    chainId: genesis.chainId, signer: key.publicKey, nonce: nonce, expiresAt: NodeEngine.wallClock() + 600_000,
                    payload: .transfer(payee: DevelopmentNetwork.key(to).publicKey, asset: AssetCode("USD")!, amount: Amount(minorUnits: cents)!, method: .bankTransfer)
                ).signed(with: key)
                let body = try JSONSerialization.data(withJSONObject: ["transaction": Data(tx.canonicalBytes).base64EncodedString(), "mode": "commit", "timeoutMs": 10_000])
                let (status, view) = try await DaemonProcessTests.request("POST", port: port, path: "/v1/transactions", body: body)
                #expect(status == 200 && view["status"] as? String == "committed", "\(view)")
                return tx.id
            }
            _ = try await commit("bank", "alice", 100_000, nonce: 1)
            _ = try await commit("alice", "acme-shop", 1_000, nonce: 2)
            let (_, status) = try await DaemonProcessTests.request("GET", port: port, path: "/v1/status")
            let height = try #require(status["height"] as? Int)

            let (metricsText, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
            #expect((response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
            let metrics = Exposition(String(decoding: metricsText, as: UTF8.self))
            #expect(metrics.value("settle_chain_height") == Double(height))
            #expect(metrics.value("settle_transactions_committed_total") == 2)
            #expect(metrics.value("settle_commit_latency_seconds_count") == 2)
            #expect(metrics.value("settle_rpc_request_duration_seconds_count", ["route": "/v1/transactions", "method": "POST", "status": "200"]) == 2)

            let stream = StreamingDownload(url: URL(string: "http://127.0.0.1:\(port)/v1/events?from=1")!)
            defer { stream.cancel() }
            #expect(await stream.read { $0.contains("id: \(height)\nevent: block\n") } == .matched, "the replay should reach the tip")
            let live = try await commit("alice", "acme-shop", 2_000, nonce: 3)
            #expect(await stream.read { $0.contains("id: \(height + 1)\nevent: block\n") && $0.contains(live.hex) } == .matched, "a new block should arrive live")

            daemon.process.terminate()
            for _ in 0..<200 where daemon.process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
            #expect(!daemon.process.isRunning, "SIGTERM with an event stream open should still shut down")
            if daemon.process.isRunning { daemon.kill9() }
            #expect(daemon.process.terminationReason == .exit && daemon.process.terminationStatus == 0, "SIGTERM should shut down gracefully, exit status 0")
            // 20 s, as for every other read here: on a loaded machine the HTTP client can be slow to notice the close.
            #expect(await stream.read(timeout: .seconds(20)) { _ in false } == .ended, "the stream ends with the daemon")
        }
    }
}
