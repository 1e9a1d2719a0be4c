/// Why bytes were not a canonical encoding of the expected value. Every case
/// names the field and the byte offset at which decoding stopped.
public enum DecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated(field: String, offset: Int, needed: Int, available: Int)
    case trailingBytes(offset: Int, count: Int)
    case unknownVersion(type: String, offset: Int, found: UInt8, supported: UInt8)
    case unknownTag(field: String, offset: Int, tag: UInt64)
    case tooLong(field: String, offset: Int, length: Int, max: Int)
    case invalidValue(field: String, offset: Int, reason: String)

    public var description: String {
        switch self {
        case .truncated(let field, let offset, let needed, let available):
            "input ends inside \(field) at byte \(offset): needs \(needed) more bytes, \(available) left"
        case .trailingBytes(let offset, let count):
            "\(count) unexpected bytes after the value, starting at byte \(offset)"
        case .unknownVersion(let type, let offset, let found, let supported):
            "\(type) version \(found) at byte \(offset) is not supported (this build reads version \(supported))"
        case .unknownTag(let field, let offset, let tag):
            "\(field) at byte \(offset) has unknown tag \(tag)"
        case .tooLong(let field, let offset, let length, let max):
            "\(field) at byte \(offset) has length \(length), more than the maximum \(max)"
        case .invalidValue(let field, let offset, let reason):
            "\(field) at byte \(offset) is invalid: \(reason)"
        }
    }
}
