public import Yams

/// One mapping of a YAML config file (the node's, the connector's), tracking
/// which keys were read so that any other key can be reported: a misspelt
/// setting is an error naming the file's line, never silently ignored.
public struct ConfigSection {
    public let path: String
    public let line: Int?
    var values: [String: Node] = [:]
    var lines: [String: Int] = [:]
    var read: Set<String> = []

    public init(_ node: Node, path: String) throws(ConfigError) {
        self.path = path
        line = node.mark.map { $0.line }
        guard let mapping = node.mapping else {
            throw .invalid(key: path.isEmpty ? "(top level)" : path, line: line, message: "expected a mapping of settings (key: value lines)")
        }
        for (key, value) in mapping {
            guard let name = key.string else { throw .invalid(key: path, line: key.mark?.line, message: "keys must be plain names") }
            guard values[name] == nil else { throw .invalid(key: qualified(name), line: key.mark?.line, message: "is set twice") }
            values[name] = value
            lines[name] = key.mark?.line
        }
    }

    public func qualified(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
    public func line(of key: String) -> Int? { lines[key] }

    public mutating func string(_ key: String) throws(ConfigError) -> String? {
        read.insert(key)
        guard let node = values[key] else { return nil }
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            throw .invalid(key: qualified(key), line: lines[key], message: "expected a non-empty text value")
        }
        return scalar.string
    }

    public mutating func int(_ key: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        read.insert(key)
        guard let node = values[key] else { return nil }
        guard case .scalar(let scalar) = node, let value = Int(scalar.string), range.contains(value) else {
            throw .invalid(key: qualified(key), line: lines[key], message: "expected a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    public mutating func bool(_ key: String) throws(ConfigError) -> Bool? {
        read.insert(key)
        guard let node = values[key] else { return nil }
        guard case .scalar(let scalar) = node, let value = Bool(scalar.string) else {
            throw .invalid(key: qualified(key), line: lines[key], message: "expected true or false")
        }
        return value
    }

    /// A list of text values (`[a, b]` or `- a` lines).
    public mutating func strings(_ key: String) throws(ConfigError) -> [String]? {
        read.insert(key)
        guard let node = values[key] else { return nil }
        guard case .sequence(let items) = node else { throw .invalid(key: qualified(key), line: lines[key], message: "expected a list of text values") }
        return try items.map { item throws(ConfigError) in
            guard case .scalar(let scalar) = item, !scalar.string.isEmpty else { throw .invalid(key: qualified(key), line: item.mark?.line, message: "expected a non-empty text value") }
            return scalar.string
        }
    }

    /// A list of mappings (`- key: value` items).
    public mutating func list(_ key: String) throws(ConfigError) -> [ConfigSection]? {
        read.insert(key)
        guard let node = values[key] else { return nil }
        guard case .sequence(let items) = node else { throw .invalid(key: qualified(key), line: lines[key], message: "expected a list of entries (lines starting with -)") }
        return try items.enumerated().map { index, item throws(ConfigError) in try ConfigSection(item, path: "\(qualified(key))[\(index)]") }
    }

    public mutating func section(_ key: String) throws(ConfigError) -> ConfigSection? {
        read.insert(key)
        guard let node = values[key] else { return nil }
        return try ConfigSection(node, path: qualified(key))
    }

    public func finish() throws(ConfigError) {
        let unknown = Set(values.keys).subtracting(read).sorted()
        guard let first = unknown.first else { return }
        throw .invalid(key: qualified(first), line: lines[first], message: "unknown setting (known here: \(read.sorted().joined(separator: ", ")))")
    }
}

extension ConfigSection {
    /// The top-level mapping of a YAML text; nil for an empty file.
    public static func root(yaml text: String) throws(ConfigError) -> ConfigSection? {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch { throw .syntax("\(error)") }
        guard let root else { return nil }
        return try ConfigSection(root, path: "")
    }
}
