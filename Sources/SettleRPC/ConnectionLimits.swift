import Synchronization

/// What the RPC server allows a connection: how many may be open, how long
/// one may sit idle, how long a request may take to arrive, and how many
/// request-body bytes may be buffered at once across all connections.
///
/// Why: every open connection holds a file descriptor and some memory. Left
/// unbounded, 4 500 idle connections exhausted the descriptor table and the
/// node crashed; 200 half-sent 3 MiB batch bodies took 700 MB. docs/rpc.md
/// ("Limits") states each value.
public struct ConnectionLimits: Sendable, Equatable {
    /// Connections open at once; one more is answered 503
    /// `too_many_connections` and closed.
    public var maxConnections: Int
    /// Connections open at once from one client address; one more is
    /// answered 429 `too_many_connections_from_address` and closed before
    /// anything is read, so one client cannot take every slot.
    public var maxConnectionsPerAddress: Int
    /// A connection with no request in progress is closed after this long
    /// (keep-alive clients reconnect; a client that opens and says nothing
    /// holds nothing for long).
    public var idleTimeout: Duration
    /// A request's head and body must arrive within this long of its first
    /// byte, or it is answered 408 `request_timeout` and the connection closed.
    public var requestTimeout: Duration
    /// Request-body bytes read at once across every connection, for bodies
    /// above the 16 KiB a single transaction takes (batches): such a body is
    /// read only once its size is reserved (`BodyBudget`). It waits up to
    /// `bodyBudgetWait` for its share — its connection reading nothing
    /// meanwhile — then is refused 503 `busy`.
    public var bodyBudgetBytes: Int
    public var bodyBudgetWait: Duration

    public init(
        maxConnections: Int = 1_024, maxConnectionsPerAddress: Int = 512, idleTimeout: Duration = .seconds(15), requestTimeout: Duration = .seconds(30),
        bodyBudgetBytes: Int = 64 << 20, bodyBudgetWait: Duration = .seconds(2)
    ) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
        self.idleTimeout = idleTimeout
        self.requestTimeout = requestTimeout
        self.bodyBudgetBytes = bodyBudgetBytes
        self.bodyBudgetWait = bodyBudgetWait
    }
}

/// Counts the RPC's open connections against `ConnectionLimits.maxConnections`
/// and, by client address, `maxConnectionsPerAddress` (shared by every
/// connection's guard, on any event loop).
final class ConnectionCount: Sendable {
    enum Taken: Equatable {
        case admitted
        case serverFull
        case addressFull
    }

    let limit: Int
    let perAddress: Int
    private let open = Atomic<Int>(0)
    /// Open connections by address; an address leaves when its last closes.
    private let byAddress = Mutex<[String: Int]>([:])

    init(limit: Int, perAddress: Int = .max) {
        self.limit = limit
        self.perAddress = perAddress
    }

    /// Takes a slot, of the server and of `address` (nil: a connection with
    /// no peer address, counted by the server only); nothing is taken when refused.
    func take(address: String? = nil) -> Taken {
        if let address {
            let admitted = byAddress.withLock { counts in
                let now = counts[address, default: 0]
                guard now < perAddress else { return false }
                counts[address] = now + 1
                return true
            }
            guard admitted else { return .addressFull }
        }
        let now = open.wrappingAdd(1, ordering: .relaxed).newValue
        guard now <= limit else {
            open.wrappingSubtract(1, ordering: .relaxed)
            if let address { releaseAddress(address) }
            return .serverFull
        }
        return .admitted
    }

    func release(address: String? = nil) {
        open.wrappingSubtract(1, ordering: .relaxed)
        if let address { releaseAddress(address) }
    }

    private func releaseAddress(_ address: String) {
        byAddress.withLock { counts in
            let left = counts[address, default: 1] - 1
            counts[address] = left > 0 ? left : nil
        }
    }

    var current: Int { open.load(ordering: .relaxed) }
}
