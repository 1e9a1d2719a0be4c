import Foundation
import HTTPTypes
import SettleNode
import Testing
import Yams

@testable import SettleRPC

/// docs/rpc.md and docs/openapi.yaml against the route table the server is
/// built from: every route, every error code each route answers (no more, no
/// fewer), each code's status, the health states and the alert codes. An
/// outside client written from the docs alone must meet no answer they do
/// not describe.
@Suite struct RPCDocumentationTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let openapi: [String: Any]
    let rpc: String

    init() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        openapi = try #require(try Yams.load(yaml: text) as? [String: Any])
        rpc = try String(contentsOf: Self.root.appendingPathComponent("docs/rpc.md"), encoding: .utf8)
    }

    private var paths: [String: Any] { openapi["paths"] as? [String: Any] ?? [:] }
    private var components: [String: Any] { openapi["components"] as? [String: Any] ?? [:] }

    /// The operation object of `route`, if documented.
    private func operation(_ route: RPCRoute) -> [String: Any]? {
        (paths[route.path] as? [String: Any])?[route.method.lowercased()] as? [String: Any]
    }

    /// A response object, following a `$ref` into components/responses.
    private func resolve(_ response: Any?) -> [String: Any] {
        guard let response = response as? [String: Any] else { return [:] }
        guard let ref = response["$ref"] as? String, let name = ref.split(separator: "/").last else { return response }
        return (components["responses"] as? [String: Any])?[String(name)] as? [String: Any] ?? [:]
    }

    /// Codes by status as openapi.yaml documents them for `route`; `default`
    /// holds the server-wide ones.
    private func documentedCodes(_ route: RPCRoute) -> [String: Set<String>] {
        var codes: [String: Set<String>] = [:]
        for (status, response) in operation(route)?["responses"] as? [String: Any] ?? [:] {
            let listed = resolve(response)["x-error-codes"] as? [String] ?? []
            if !listed.isEmpty { codes[status, default: []].formUnion(listed) }
        }
        return codes
    }

    @Test func everyRouteIsDocumentedAndNothingElse() throws {
        for route in RPCServer.routes {
            #expect(operation(route) != nil, "docs/openapi.yaml lacks \(route.method) \(route.path)")
            #expect(rpc.contains("| `\(route.method) \(route.path)` |"), "docs/rpc.md's route table lacks \(route.method) \(route.path)")
        }
        let served = Set(RPCServer.routes.map { "\($0.method) \($0.path)" })
        for (path, item) in paths {
            for method in (item as? [String: Any] ?? [:]).keys {
                #expect(served.contains("\(method.uppercased()) \(path)"), "docs/openapi.yaml documents \(method.uppercased()) \(path), which the server does not have")
            }
        }
    }

    @Test func openapiListsExactlyTheCodesEachRouteAnswersUnderTheirStatus() throws {
        let admission = Set(AdmissionRejection.allCodes)
        for route in RPCServer.routes {
            let documented = documentedCodes(route)
            let all = documented.values.reduce(into: Set<String>()) { $0.formUnion($1) }
            #expect(
                all == route.codes,
                "\(route.method) \(route.path): openapi.yaml lists \(all.subtracting(route.codes).sorted()) the route does not answer, and lacks \(route.codes.subtracting(all).sorted())")
            for (status, codes) in documented where status != "default" {
                for code in codes {
                    if let known = RPCErrorCode(rawValue: code) {
                        #expect(String(known.status.code) == status, "\(route.path): \(code) is documented under \(status), but is answered with \(known.status.code)")
                    } else {
                        #expect(status == "422" && admission.contains(code), "\(route.path): \(code) under \(status) is not a code of the server")
                    }
                }
            }
            #expect(documented["default"] == Set(RPCErrorCode.serverWide.map(\.rawValue)), "\(route.path): the default response must hold the server-wide codes")
        }
        // The error schema knows every code there is.
        let detail = (components["schemas"] as? [String: Any])?["ErrorDetail"] as? [String: Any]
        let code = (detail?["properties"] as? [String: Any])?["code"] as? [String: Any]
        #expect(Set(code?["enum"] as? [String] ?? []) == Set(RPCErrorCode.allCases.map(\.rawValue)).union(admission))
    }

    @Test func rpcMarkdownListsExactlyTheCodesEachRouteAnswers() throws {
        let errors = try #require(rpc.range(of: "## Errors").map { String(rpc[$0.upperBound...]) })
        func codes(in text: some StringProtocol) -> Set<String> {
            Set(text.split(separator: "`").enumerated().compactMap { $0.offset % 2 == 1 ? String($0.element) : nil }.filter { $0.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" } })
        }
        for route in RPCServer.routes {
            let row = try #require(errors.split(separator: "\n").first { $0.hasPrefix("| `\(route.method) \(route.path)` |") }, "docs/rpc.md's error table lacks \(route.method) \(route.path)")
            let cell = row.split(separator: "|").dropFirst().first ?? ""
            #expect(codes(in: cell) == Set(route.errors.map(\.rawValue)), "docs/rpc.md, \(route.method) \(route.path): \(codes(in: cell).sorted()) ≠ \(route.errors.map(\.rawValue).sorted())")
            #expect(cell.contains("admission refusals") == route.refusesAdmission, "docs/rpc.md, \(route.path): whether it answers admission refusals")
        }
        // Every code in the table of statuses, under its own.
        for code in RPCErrorCode.allCases {
            let row = errors.split(separator: "\n").first { $0.hasPrefix("| \(code.status.code) |") }
            #expect(row.map { codes(in: $0).contains(code.rawValue) } == true, "docs/rpc.md lists \(code.rawValue) under no status or the wrong one (\(code.status.code))")
        }
        let serverWide = try #require(errors.range(of: "server-wide codes").map { String(errors[$0.upperBound...].prefix { $0 != "." }) })
        #expect(codes(in: serverWide) == Set(RPCErrorCode.serverWide.map(\.rawValue)))
    }

    @Test func healthStatesAndAlertCodesAreDocumented() throws {
        let schemas = try #require(components["schemas"] as? [String: Any])
        let health = ((schemas["Health"] as? [String: Any])?["properties"] as? [String: Any])?["status"] as? [String: Any]
        let states: [NodeHealth.State] = [.ok, .behind, .noQuorum, .stopped]
        #expect(Set(health?["enum"] as? [String] ?? []) == Set(states.map(\.rawValue)))
        for state in states.dropFirst() { #expect(rpc.contains("| `\(state.rawValue)` |"), "docs/rpc.md's health table lacks \(state.rawValue)") }
        let status = (schemas["Status"] as? [String: Any])?["properties"] as? [String: Any]
        let alertItems = ((status?["alerts"] as? [String: Any])?["items"] as? [String: Any])?["properties"] as? [String: Any]
        let alertCodes = (alertItems?["code"] as? [String: Any])?["enum"] as? [String] ?? []
        #expect(Set(alertCodes) == Set(NodeAlerts.Code.allCases.map(\.rawValue)))
        for code in NodeAlerts.Code.allCases { #expect(rpc.contains("| `\(code.rawValue)` |"), "docs/rpc.md's alert table lacks \(code.rawValue)") }
    }
}
