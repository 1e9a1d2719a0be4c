/// Arithmetic on the shape of RFC 9162 trees, shared by proof generation and
/// verification so that both agree on split points and proof lengths.
@usableFromInline
enum MerkleShape {
    /// The largest power of two strictly below `count`: where MTH splits a tree of
    /// `count` leaves. Requires `count >= 2`.
    @inlinable
    static func splitPoint(_ count: UInt64) -> UInt64 {
        UInt64(1) << (63 - (count - 1).leadingZeroBitCount)
    }

    /// Length of the inclusion path for `leafIndex` in a tree of `treeSize` leaves
    /// (`leafIndex < treeSize`).
    ///
    /// The path has one hash per level below the point where the leaf's path leaves
    /// the right edge of the tree (`inner`), plus one per perfect subtree to its left
    /// on the right edge (`border`).
    @inlinable
    static func inclusionPathLength(leafIndex: UInt64, treeSize: UInt64) -> Int {
        let (inner, border) = decompose(leafIndex: leafIndex, treeSize: treeSize)
        return inner + border
    }

    /// Length of the consistency path between sizes `oldSize` and `newSize`
    /// (`0 < oldSize < newSize`).
    ///
    /// It is the inclusion path of the old tree's last leaf, minus the levels inside
    /// the largest perfect subtree ending there (whose root is sent once), minus that
    /// root too when it is the whole old tree (the verifier already has it).
    @inlinable
    static func consistencyPathLength(oldSize: UInt64, newSize: UInt64) -> Int {
        let (inner, border) = decompose(leafIndex: oldSize - 1, treeSize: newSize)
        let shift = oldSize.trailingZeroBitCount
        let seed = oldSize & (oldSize - 1) == 0 ? 0 : 1
        return inner - shift + border + seed
    }

    @inlinable
    static func decompose(leafIndex: UInt64, treeSize: UInt64) -> (inner: Int, border: Int) {
        let inner = UInt64.bitWidth - (leafIndex ^ (treeSize - 1)).leadingZeroBitCount
        let border = (leafIndex >> UInt64(inner)).nonzeroBitCount
        return (inner, border)
    }
}
