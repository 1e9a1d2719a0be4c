public import Foundation

/// Where a secret lives: a file (a mounted secret) or an environment
/// variable, named in the config; never the secret itself, so the config can
/// be committed, printed and logged.
public enum SecretSource: Sendable, Equatable, CustomStringConvertible {
    case file(String)
    case environment(String)

    public var description: String {
        switch self {
        case .file(let path): "file \(path)"
        case .environment(let name): "environment variable \(name)"
        }
    }

    /// The secret, without a trailing newline; an error naming where it was looked for, never its value.
    public func read(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConnectConfigError) -> String {
        let text: String?
        switch self {
        case .file(let path): text = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .newlines)
        case .environment(let name): text = environment[name]
        }
        guard let text, !text.isEmpty else { throw .secret("\(self) is absent or empty") }
        return text
    }
}
