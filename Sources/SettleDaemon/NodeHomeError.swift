/// A node home that cannot be started from, said in the operator's terms.
/// Its own type (not the config's or the genesis' errors) so that `settled`
/// reports it as a usage error, as it always has: the home named is wrong.
public enum NodeHomeError: Error, Equatable, CustomStringConvertible {
    /// The genesis file the config names is missing or unreadable (its path).
    case unreadableGenesis(String)

    public var description: String {
        switch self {
        case .unreadableGenesis(let path): "cannot read genesis \(path)"
        }
    }
}
