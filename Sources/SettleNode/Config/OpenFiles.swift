#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process's open-file limit (`RLIMIT_NOFILE`).
public enum OpenFileLimit {
    /// Raises the soft limit to the hard one (at most `cap`), as any process
    /// may; returns the limit in force afterwards and the hard limit. Many
    /// systems start services with a soft limit of 1 024 and a far higher
    /// hard one.
    public static func raise(cap: Int = 1 << 20) -> (soft: Int, hard: Int) {
        var limits = rlimit()
        guard getrlimit(resource, &limits) == 0 else { return (1_024, 1_024) }
        let hard = limits.rlim_max == infinity ? cap : Int(clamping: limits.rlim_max)
        let wanted = rlim_t(min(hard, cap))
        if limits.rlim_cur != infinity, limits.rlim_cur < wanted {
            var raised = limits
            raised.rlim_cur = wanted
            if setrlimit(resource, &raised) == 0 { limits = raised }
        }
        let soft = limits.rlim_cur == infinity ? cap : Int(clamping: limits.rlim_cur)
        return (soft, hard)
    }

    /// `RLIM_INFINITY` (all ones; the C macro does not import as a Swift value).
    private static let infinity = rlim_t.max

    #if canImport(Glibc)
        private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
        private static let resource = RLIMIT_NOFILE
    #endif
}

/// How a node shares its open-file limit, so that no flood of connections can
/// take the descriptors its store, consensus WAL and signer record need: with
/// none left, opening the signer record failed and consensus stopped, and the
/// runtime itself crashed when it could not open a file.
///
/// A fixed reserve is kept for everything but connections (the store's SQLite
/// connections — a writer and up to five readers, each with its database and
/// WAL files —, the consensus WAL and signer record, standard streams, event
/// loops, the runtime); the validator network gets its peers' connections and
/// its pending ones; the RPC gets what is left, up to its configured maximum.
/// Pure: `settled` measures the limit and applies the plan (docs/operators.md).
public struct OpenFileBudget: Sendable, Equatable {
    public static let reserve = 128
    /// The smallest RPC connection limit a plan gives.
    public static let minimumRPCConnections = 16

    public var limit: Int
    /// Connections to other validators at most: one each, a second while a
    /// reconnection replaces the first, and a dial in flight.
    public var peerConnections: Int
    /// Unauthenticated validator-network connections held at once.
    public var peerPending: Int
    /// RPC connections open at once.
    public var rpcConnections: Int

    public init(limit: Int, config: NodeConfig, validators: Int) {
        self.limit = limit
        let available = max(0, limit - Self.reserve)
        peerConnections = validators > 1 ? 3 * (validators - 1) : 0
        peerPending = validators > 1 ? max(1, min(config.p2p.maxPendingConnections, available / 8)) : 0
        rpcConnections = max(Self.minimumRPCConnections, min(config.rpc.maxConnections, available - peerConnections - peerPending))
    }

    /// Whether the limit leaves room for the configured RPC connections.
    public func fits(_ config: NodeConfig) -> Bool { rpcConnections >= config.rpc.maxConnections }
}
