/// A state row's key bytes as a dictionary key, hashed in one pass over the
/// bytes rather than element by element as `[UInt8]` is.
struct RowKey: Hashable, Sendable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
