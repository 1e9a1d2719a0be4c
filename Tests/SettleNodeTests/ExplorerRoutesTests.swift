import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SettleCrypto
import SettleExplorer
import SettleLedger
import Testing

@testable import SettleNode
@testable import SettleRPC

/// The web explorer's files under `/explorer/` (docs/explorer.md): served
/// from memory with their types, an ETag and a Content-Security-Policy that
/// keeps every script and request on the node; open without a token while
/// the data routes keep theirs; nothing outside the files found at start.
@Suite struct ExplorerRoutesTests {
    /// The files as built: SwiftPM's resource bundle next to the test binary.
    static func assets(chart: [String] = []) throws -> ExplorerAssets {
        let directory = try #require(ExplorerAssets.defaultDirectory(), "the explorer's resource bundle is not next to the test binary")
        return try ExplorerAssets.load(directory: directory, chartCandidates: chart)
    }

    @Test func pagesAreServedWithTheirTypesAndASecurityPolicy() async throws {
        let node = try RPCTests.Node()
        let assets = try Self.assets()
        #expect(assets.files["index.html"] != nil && assets.files["js/app.js"] != nil && assets.files["js/verify/index.js"] != nil)
        let app = Application(router: RPCServer.router(engine: node.engine, explorer: assets))
        try await app.test(.router) { client in
            try await client.execute(uri: "/explorer", method: .get) { response in
                #expect(response.status == .movedPermanently && response.headers[.location] == "/explorer/")
            }
            var etag = ""
            try await client.execute(uri: "/explorer/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(response.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
                #expect(response.headers[.contentSecurityPolicy]?.contains("connect-src 'self'") == true)
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(String(buffer: response.body).contains("js/app.js"))
                etag = try #require(response.headers[.eTag])
            }
            // A browser holding the page revalidates: nothing is sent again.
            try await client.execute(uri: "/explorer/index.html", method: .get, headers: [.ifNoneMatch: etag]) { response in
                #expect(response.status == .notModified && response.body.readableBytes == 0)
            }
            try await client.execute(uri: "/explorer/js/verify/ed25519.js", method: .get) { response in
                #expect(response.status == .ok && response.headers[.contentType] == "text/javascript; charset=utf-8")
            }
            try await client.execute(uri: "/explorer/explorer.css", method: .get) { response in
                #expect(response.status == .ok && response.headers[.contentType] == "text/css; charset=utf-8")
            }
            // Only the files found at start: no path escapes, no file that is not the explorer's.
            for path in ["/explorer/../Package.swift", "/explorer/%2e%2e/%2e%2e/Package.swift", "/explorer/js/missing.js", "/explorer/vendor/chart.js"] {
                try await client.execute(uri: path, method: .get) { response in
                    #expect(response.status == .notFound, "\(path)")
                    #expect(response.headers[.contentType] == "application/json", "\(path)")
                }
            }
        }
    }

    @Test func theExplorerIsOpenWhileTheDataKeepsItsTokens() async throws {
        let node = try RPCTests.Node()
        let (registry, _) = RPCAuthTests.registry([([.read], nil, nil)])
        let app = Application(router: RPCServer.router(engine: node.engine, auth: RPCAuth(registry: registry, required: true), explorer: try Self.assets()))
        try await app.test(.router) { client in
            try await client.execute(uri: "/explorer/", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/status", method: .get) { #expect($0.status == .unauthorized) }
        }
    }

    /// What the pages may read with the token they present: always 200, granting nothing.
    @Test func theSessionSaysWhatATokenMayRead() async throws {
        let node = try RPCTests.Node()
        let (registry, tokens) = RPCAuthTests.registry([([.readAccount("alice"), .metrics], nil, nil)])
        let app = Application(router: RPCServer.router(engine: node.engine, auth: RPCAuth(registry: registry, required: true), explorer: try Self.assets()))
        try await app.test(.router) { client in
            func session(_ headers: HTTPFields) async throws -> [String: Any] {
                try await client.execute(uri: "/explorer/session", method: .get, headers: headers) { response in
                    #expect(response.status == .ok)
                    return try RPCTests.json(response)
                }
            }
            let none = try await session([:])
            #expect(none["tokens"] as? String == "required" && none["token"] == nil)
            let alice = try await session(RPCAuthTests.bearer(tokens[0]))
            #expect(alice["scopes"] as? [String] == ["read:alice", "metrics"])
            #expect(alice["accounts"] as? [String] == [DevelopmentNetwork.key("alice").publicKey.hex])
            let wrong = try await session(RPCAuthTests.bearer("settle_nope_nope"))
            #expect((wrong["refused"] as? String)?.isEmpty == false && wrong["scopes"] == nil)
        }
        let open = Application(router: RPCServer.router(engine: node.engine, explorer: try Self.assets()))
        try await open.test(.router) { client in
            let tokens = try await client.execute(uri: "/explorer/session", method: .get) { response in try RPCTests.json(response)["tokens"] as? String }
            #expect(tokens == "off")
        }
    }

    @Test func chartJSComesFromTheSystemAndANodeWithoutFilesSaysWhy() async throws {
        let node = try RPCTests.Node()
        let chart = FileManager.default.temporaryDirectory.appendingPathComponent("chart-\(UUID().uuidString).js")
        try Data("window.Chart = function () {};".utf8).write(to: chart)
        defer { try? FileManager.default.removeItem(at: chart) }
        let assets = try Self.assets(chart: ["/nonexistent/chart.umd.js", chart.path])
        let app = Application(router: RPCServer.router(engine: node.engine, explorer: assets))
        try await app.test(.router) { client in
            try await client.execute(uri: "/explorer/vendor/chart.js", method: .get) { response in
                #expect(response.status == .ok && String(buffer: response.body) == "window.Chart = function () {};")
            }
        }
        let bare = Application(router: RPCServer.router(engine: node.engine))
        try await bare.test(.router) { client in
            try await client.execute(uri: "/explorer/", method: .get) { response in
                #expect(response.status == .notFound && String(buffer: response.body).contains("no explorer files"))
            }
        }
        // A directory that is not the explorer's is refused at start, naming it.
        #expect(throws: ExplorerAssetsError.self) { try ExplorerAssets.load(directory: FileManager.default.temporaryDirectory.appendingPathComponent("settle-no-such-dir")) }
    }
}
