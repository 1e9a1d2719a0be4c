public import Foundation
import SettleCrypto

/// Why the explorer's files could not be read.
public struct ExplorerAssetsError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The web explorer's static files (docs/explorer.md): HTML, CSS and
/// JavaScript modules written in this repository, plus Debian's Chart.js
/// (`libjs-chart.js`), read into memory once when the node starts.
///
/// Why in memory: they are a few hundred kilobytes, and a request then never
/// touches the disk or a thread pool, so the explorer costs the node nothing
/// it could wait on; and only the files found at start can ever be served —
/// no path a request names is looked up on disk, so no `..` can escape.
public struct ExplorerAssets: Sendable {
    public struct File: Sendable, Equatable {
        public let bytes: [UInt8]
        public let contentType: String
        /// A strong validator for `If-None-Match`: the first 16 bytes of the file's SHA-256, in hex, quoted.
        public let etag: String
    }

    /// By path below `/explorer/`: `index.html`, `js/app.js`, `vendor/chart.js`.
    public let files: [String: File]

    /// Where Chart.js is served from, below `/explorer/`.
    public static let chartPath = "vendor/chart.js"
    /// Where Debian's `libjs-chart.js` puts Chart.js, newest layout first.
    public static let chartCandidates = [
        "/usr/share/javascript/chart.js/chart.umd.js", "/usr/share/javascript/chart.js/chart.min.js", "/usr/share/javascript/chart.js/chart.js",
    ]
    /// Largest file read (a guard against pointing the directory at the wrong place).
    static let maxFileBytes = 8 << 20

    public init(files: [String: File]) { self.files = files }

    /// Reads every file below `directory`, and Chart.js from the first of
    /// `chartCandidates` that exists (none: the costs page says charts need
    /// `libjs-chart.js`, everything else works).
    public static func load(directory: URL, chartCandidates: [String] = chartCandidates) throws(ExplorerAssetsError) -> ExplorerAssets {
        var files: [String: File] = [:]
        let root = directory.standardizedFileURL.path
        guard let walker = FileManager.default.enumerator(atPath: root) else { throw ExplorerAssetsError("cannot read the explorer's files at \(root)") }
        while let relative = walker.nextObject() as? String {
            let path = root + "/" + relative
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue, !relative.hasPrefix(".") else { continue }
            guard let type = contentType(of: relative) else { continue }
            files[relative] = try file(at: path, contentType: type)
        }
        guard files["index.html"] != nil else { throw ExplorerAssetsError("\(root) holds no index.html: not the explorer's files") }
        if let chart = chartCandidates.first(where: { FileManager.default.fileExists(atPath: $0) }) {
            files[chartPath] = try file(at: chart, contentType: "text/javascript; charset=utf-8")
        }
        return ExplorerAssets(files: files)
    }

    static func file(at path: String, contentType: String) throws(ExplorerAssetsError) -> File {
        guard let data = FileManager.default.contents(atPath: path) else { throw ExplorerAssetsError("cannot read \(path)") }
        guard data.count <= maxFileBytes else { throw ExplorerAssetsError("\(path) is larger than \(maxFileBytes) bytes: not an explorer file") }
        let bytes = [UInt8](data)
        return File(bytes: bytes, contentType: contentType, etag: "\"" + String(Hash256.sha256(bytes).hex.prefix(32)) + "\"")
    }

    /// The content type the explorer serves a file with; nil for a file it does not serve.
    static func contentType(of path: String) -> String? {
        switch (path as NSString).pathExtension.lowercased() {
        case "html": "text/html; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "json": "application/json"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "ico": "image/x-icon"
        default: nil
        }
    }

    /// The explorer's files as built: the resource bundle SwiftPM puts next
    /// to the executable (`Settle_SettleExplorer.resources/Web`), else an
    /// installed copy in `/usr/share/settle/explorer`; nil when neither is
    /// there (a node copied without them serves no explorer and says so).
    public static func defaultDirectory() -> URL? {
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            candidates.append(executable.deletingLastPathComponent().appendingPathComponent("Settle_SettleExplorer.resources/Web"))
        }
        candidates.append(URL(fileURLWithPath: "/usr/share/settle/explorer"))
        return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("index.html").path) }
    }
}
