import Foundation
import SettleNode
import Testing

/// The files under deploy/ that docs/operators.md tells operators to use:
/// the systemd unit is one systemd accepts without a warning, and the unit
/// and the container image agree with each other and with a node's defaults.
@Suite struct DeployFilesTests {
    static let root = RPCDocumentationTests.root

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// `systemd-analyze verify` prints a warning (and still exits 0) for any
    /// key or value systemd would ignore: the unit must draw none. Its
    /// binary is replaced by one that exists here, as verify checks that too.
    @Test func theSystemdUnitVerifiesCleanly() throws {
        let unit = try Self.text("deploy/settled.service")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("settle-unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("settled.service")
        try unit.replacingOccurrences(of: "ExecStart=/usr/local/bin/settled", with: "ExecStart=/bin/true").write(to: copy, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["systemd-analyze", "verify", copy.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0 && printed.isEmpty, "systemd-analyze verify: \(printed)")
    }

    /// The `settle.yaml` docs/operators.md shows for a node on its own
    /// machine is one a node accepts, with the settings it says.
    @Test func theOperatorsGuidesConfigIsAValidConfig() throws {
        let guide = try Self.text("docs/operators.md")
        let section = try #require(guide.range(of: "## Deploy on several machines")).upperBound
        let start = try #require(guide.range(of: "```yaml\n", range: section..<guide.endIndex))
        let end = try #require(guide.range(of: "```", range: start.upperBound..<guide.endIndex))
        // The operator puts the other validators' keys where the guide says which.
        let yaml = String(guide[start.upperBound..<end.lowerBound]).replacing(/<validator [A-Z] key>/, with: String(repeating: "ab", count: 32))
        let config = try NodeConfig.parse(yaml: yaml)
        #expect(config.rpc.host == "0.0.0.0" && config.rpc.auth.tokens && config.rpc.tls?.certificate == "rpc-tls.pem")
        #expect(config.p2p.peers.count == 3 && config.snapshots.interval == 10_000)
    }

    /// Both run `settled --home /var/lib/settle/node`, stop it with SIGTERM and
    /// give it a generous open-file limit; the image exposes a node's default ports.
    @Test func theUnitAndTheImageAgree() throws {
        let unit = try Self.text("deploy/settled.service")
        let image = try Self.text("deploy/Containerfile")
        #expect(unit.contains("ExecStart=/usr/local/bin/settled --home /var/lib/settle/node"))
        #expect(image.contains(#"ENTRYPOINT ["/usr/local/bin/settled"]"#) && image.contains(#"CMD ["--home", "/var/lib/settle/node"]"#))
        #expect(unit.contains("KillSignal=SIGTERM") && image.contains("STOPSIGNAL SIGTERM"))
        #expect(unit.contains("LimitNOFILE=65536") && image.contains("nofile=65536"))
        let defaults = NodeConfig()
        #expect(image.contains("EXPOSE \(defaults.rpc.port) \(defaults.p2p.port)"))
        // The image copies what the build needs and nothing that names a local path.
        #expect(image.contains("COPY Package.swift Package.resolved ./") && image.contains("COPY Sources ./Sources"))
        // The explorer's files where settled looks for them, and Chart.js where they load it from.
        #expect(image.contains("COPY --from=build /out/explorer /usr/share/settle/explorer") && image.contains("libjs-chart.js"))
    }
}
