/// A value with a canonical binary encoding.
public protocol CanonicalEncodable {
    func encode(to writer: inout CanonicalWriter)
}

/// A value that can be read back from its canonical encoding, and only from it.
public protocol CanonicalDecodable {
    init(from reader: inout CanonicalReader) throws(DecodingError)
}

public typealias CanonicalCodable = CanonicalEncodable & CanonicalDecodable

extension CanonicalEncodable {
    /// The canonical bytes of this value.
    public var canonicalBytes: [UInt8] {
        var writer = CanonicalWriter()
        encode(to: &writer)
        return writer.bytes
    }
}

extension CanonicalDecodable {
    /// Decodes a value that must span exactly `bytes`: trailing bytes are an error.
    public static func decode(_ bytes: [UInt8]) throws(DecodingError) -> Self {
        var reader = CanonicalReader(bytes)
        let value = try Self(from: &reader)
        try reader.finish()
        return value
    }
}
