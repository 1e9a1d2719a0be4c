import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A parsed XML document as a small tree (names without namespace prefixes),
/// each element with the line it starts on: enough to read bank statements by
/// path and report where a problem is.
public final class XMLTree: Sendable {
    public let name: String
    public let attributes: [String: String]
    public let text: String
    public let children: [XMLTree]
    public let line: Int

    init(name: String, attributes: [String: String], text: String, children: [XMLTree], line: Int) {
        self.name = name
        self.attributes = attributes
        self.text = text
        self.children = children
        self.line = line
    }

    /// The first child at `path` ("NtryDtls/TxDtls/Refs/EndToEndId").
    public func first(_ path: String) -> XMLTree? {
        var node: XMLTree? = self
        for part in path.split(separator: "/") { node = node?.children.first { $0.name == part } }
        return node
    }

    /// Every child named `name`.
    public func all(_ name: String) -> [XMLTree] { children.filter { $0.name == name } }

    /// The trimmed text at `path`, nil when absent or empty.
    public func value(_ path: String) -> String? {
        guard let text = first(path)?.text.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        return text
    }

    /// Parses `data`; throws the parser's complaint with its line.
    public static func parse(_ data: Data) throws(XMLFailure) -> XMLTree {
        let builder = Builder()
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = true
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else {
            let code = (parser.parserError as NSError?).flatMap { XMLParser.ErrorCode(rawValue: $0.code) }
            throw XMLFailure(line: parser.lineNumber, reason: code.map { "\($0)" } ?? "no document element")
        }
        return root
    }

    private final class Builder: NSObject, XMLParserDelegate {
        struct Open {
            var name: String
            var attributes: [String: String]
            var text = ""
            var children: [XMLTree] = []
            var line: Int
        }
        var stack: [Open] = []
        var root: XMLTree?

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            stack.append(Open(name: elementName, attributes: attributes, line: parser.lineNumber))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            if !stack.isEmpty { stack[stack.count - 1].text += string }
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            guard let open = stack.popLast() else { return }
            let element = XMLTree(name: open.name, attributes: open.attributes, text: open.text, children: open.children, line: open.line)
            if stack.isEmpty { root = element } else { stack[stack.count - 1].children.append(element) }
        }
    }
}

/// XML that does not parse, and where.
public struct XMLFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var reason: String
    public var description: String { "line \(line): not well-formed XML (\(reason))" }
}
