import Foundation
import NIOCore
import NIOPosix
import SettleClient
import Testing

/// The RPC client's transport: when a node gives no answer, the error says why
/// in words a user can act on.
@Suite struct NodeClientTests {
    @Test func aClosedPortIsReportedAsRefused() async throws {
        let port = try await Self.withListener(accepting: false) { $0 }
        let client = NodeClient(baseURL: URL(string: "http://127.0.0.1:\(port)")!, requestTimeout: .seconds(30))
        let started = ContinuousClock.now
        let error = await #expect(throws: ClientError.self) { try await client.status() }
        // At once: an adapter's gateway fails over to its next node.
        #expect(ContinuousClock.now - started < .seconds(5))
        guard case .unreachable(let url, let detail) = error else {
            Issue.record("expected unreachable, got \(String(describing: error))")
            return
        }
        #expect(url == "http://127.0.0.1:\(port)/v1/status")
        #expect(detail == "connection refused")
    }

    @Test func aNodeThatNeverAnswersTimesOut() async throws {
        try await Self.withListener(accepting: true) { port in
            let client = NodeClient(baseURL: URL(string: "http://127.0.0.1:\(port)")!, requestTimeout: .seconds(1))
            let started = ContinuousClock.now
            let error = await #expect(throws: ClientError.self) { try await client.status() }
            #expect(error == .unreachable(url: "http://127.0.0.1:\(port)/v1/status", detail: "no answer within the request timeout"))
            #expect(ContinuousClock.now - started < .seconds(10))
        }
    }

    /// Runs `body` with the port of a loopback listener that accepts
    /// connections and never answers; with `accepting` false the listener is
    /// closed before `body` runs, so the port refuses connections.
    private static func withListener<T: Sendable>(accepting: Bool, _ body: (Int) async throws -> T) async throws -> T {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { _ in group.next().makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = server.localAddress!.port!
        if !accepting { try await server.close() }
        do {
            let result = try await body(port)
            if accepting { try await server.close() }
            try await group.shutdownGracefully()
            return result
        } catch {
            if accepting { try? await server.close() }
            try? await group.shutdownGracefully()
            throw error
        }
    }
}
