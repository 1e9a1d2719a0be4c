import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import SettleCrypto
import SettleEncoding
import SettleLedger
import SettleNode
import SettleP2P
import SettleValidator
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif
#if canImport(CNIOLinux)
    // The C socket types' members are attributed to whichever C module read <netinet/in.h> first, which in
    // a build of this whole module can be NIO's Linux shim rather than Glibc (MemberImportVisibility).
    import CNIOLinux
#endif

/// What a hostile or careless client can do to a node, done for real over
/// loopback from threads of the test process: blocking POSIX sockets, so the
/// node sees exactly what a remote client would send.
enum Abuse {
    /// A TCP connection to 127.0.0.1:`port`, from `source` (another loopback
    /// address is another client, as far as the node can tell), or nil.
    static func connect(port: Int, from source: String = "127.0.0.1", timeoutSeconds: Int = 2) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(source)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_addr.s_addr = inet_addr("127.0.0.1")
        remote.sin_port = UInt16(port).bigEndian
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &local) { localPointer in
            withUnsafePointer(to: &remote) { remotePointer in
                localPointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } == 0
                    && remotePointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } == 0
            }
        }
        guard connected else {
            close(fd)
            return nil
        }
        return fd
    }

    @discardableResult
    static func send(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return false }
            sent += n
        }
        return true
    }

    static func send(_ fd: Int32, _ text: String) -> Bool { send(fd, Array(text.utf8)) }

    /// Reads what is there, waiting at most the socket's timeout: nil when the
    /// other side closed (or the read failed), empty on a timeout.
    static func receive(_ fd: Int32, max: Int = 1 << 16) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: max)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n > 0 { return Array(buffer.prefix(n)) }
        if n < 0, errno == EAGAIN || errno == EWOULDBLOCK { return [] }
        return nil
    }

    /// Whether the other side has closed `fd` (reads without waiting).
    static func closedByPeer(_ fd: Int32) -> Bool {
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_DONTWAIT | MSG_PEEK))
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    /// Raises this process's own open-file limit, to hold thousands of sockets.
    static func raiseOpenFiles(to wanted: Int) {
        var limits = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limits)
        limits.rlim_cur = rlim_t(min(UInt64(wanted), UInt64(limits.rlim_max)))
        setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limits)
    }

    /// A process's resident memory, in bytes.
    static func residentBytes(of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kib = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return nil }
        return kib * 1_024
    }

    /// Something done to a node until stopped, from threads of its own.
    final class Attack: @unchecked Sendable {
        // @unchecked: the flag is atomic; the threads own their sockets.
        let name: String
        private let running = Atomic(true)
        private let finished = DispatchSemaphore(value: 0)
        /// Signalled (once per thread) when the attack stops, so threads holding
        /// what they opened wake at once rather than polling.
        private let stopping = DispatchSemaphore(value: 0)
        private var threads = 0
        /// Bytes the attack read from the node, for the record.
        let bytesRead = Atomic(0)
        /// Signalled once by each thread when it has set up what it holds.
        private let readySignals = DispatchSemaphore(value: 0)

        init(_ name: String) { self.name = name }

        var isRunning: Bool { running.load(ordering: .relaxed) }

        /// A thread has set up what it holds (connections opened, requests sent).
        func ready() { readySignals.signal() }

        /// Waits until every thread is set up; false past the deadline.
        func waitReady(within deadline: Duration = .seconds(30)) -> Bool {
            let end = DispatchTime.now() + .nanoseconds(Int(deadline.components.seconds) * 1_000_000_000)
            for _ in 0..<threads where readySignals.wait(timeout: end) == .timedOut { return false }
            return true
        }

        /// Runs `body` on a thread until the attack stops.
        func thread(_ body: @escaping @Sendable (Attack) -> Void) {
            threads += 1
            Thread { [self] in
                body(self)
                finished.signal()
            }.start()
        }

        /// Waits until the attack stops, or `seconds` pass; false once stopped.
        @discardableResult
        func hold(for seconds: Double = .infinity) -> Bool {
            guard isRunning else { return false }
            let deadline: DispatchTime = seconds.isFinite ? .now() + seconds : .distantFuture
            if stopping.wait(timeout: deadline) == .success {
                stopping.signal()  // for the next thread holding
                return false
            }
            return isRunning
        }

        func stop() {
            running.store(false, ordering: .relaxed)
            stopping.signal()
            for _ in 0..<threads { finished.wait() }
        }
    }

    /// `count` clients replaying the event stream from height 1: reading as
    /// fast as they can and starting over when the replay is done, or
    /// asking and never reading.
    static func replayingReaders(port: Int, count: Int, reading: Bool) -> Attack {
        let attack = Attack(reading ? "\(count) replaying readers" : "\(count) replaying non-readers")
        for _ in 0..<count {
            attack.thread { attack in
                var held: Int32?
                var announced = false
                while attack.isRunning {
                    guard held == nil, let fd = connect(port: port) else {
                        // Holding a stream that is not read, or the node refused one: until stopped, or to try again.
                        attack.hold(for: held == nil ? 0.1 : .infinity)
                        continue
                    }
                    var timeout = timeval(tv_sec: 0, tv_usec: 300_000)
                    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                    _ = send(fd, "GET /v1/events?from=1 HTTP/1.1\r\nHost: node\r\n\r\n")
                    if !announced {
                        announced = true
                        attack.ready()
                    }
                    guard reading else {
                        held = fd
                        continue
                    }
                    // Read until the replay is done (nothing for 300 ms), then start over.
                    while attack.isRunning, let bytes = receive(fd, max: 1 << 18), !bytes.isEmpty { attack.bytesRead.wrappingAdd(bytes.count, ordering: .relaxed) }
                    close(fd)
                }
                if let held { close(held) }
            }
        }
        return attack
    }

    /// `count` clients each starting a batch that declares 3 MiB, sending
    /// part of it, and stalling.
    static func unfinishedBodies(port: Int, count: Int) -> Attack {
        let attack = Attack("\(count) unfinished 3 MiB bodies")
        let head = "POST /v1/transactions/batch HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\nContent-Length: \(3 << 20)\r\n\r\n"
        // All but the last kilobyte: as much as the sockets take before the node stops reading.
        let part = Array("{\"transactions\": [\"".utf8) + [UInt8](repeating: UInt8(ascii: "A"), count: (3 << 20) - 1_024)
        attack.thread { attack in
            var sockets: [Int32] = []
            for _ in 0..<count {
                guard let fd = connect(port: port) else { continue }
                var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                _ = send(fd, head)
                _ = send(fd, part)
                sockets.append(fd)
            }
            attack.ready()
            attack.hold()
            for fd in sockets { close(fd) }
        }
        return attack
    }

    /// `count` connections opened to `port` from `source` and left silent,
    /// each opened again when the node closes it (as a patient attacker would).
    static func idleConnections(port: Int, count: Int, from source: String) -> Attack {
        let attack = Attack("\(count) idle connections to port \(port)")
        attack.thread { attack in
            var sockets: [Int32] = (0..<count).compactMap { _ in attack.isRunning ? connect(port: port, from: source) : nil }
            attack.ready()
            while attack.hold(for: 0.2) {
                for (index, fd) in sockets.enumerated() where closedByPeer(fd) {
                    close(fd)
                    sockets[index] = connect(port: port, from: source) ?? -1
                }
                sockets.removeAll { $0 < 0 }
                while sockets.count < count, attack.isRunning, let fd = connect(port: port, from: source) { sockets.append(fd) }
            }
            for fd in sockets { close(fd) }
        }
        return attack
    }

    /// A member's key, misused: connects to a validator over mutual TLS as
    /// that member, says hello, sends frames that do not decode, and does it
    /// again as soon as the connection ends.
    static func malformedMember(port: Int, key: SigningKey, genesis: Genesis) -> Attack {
        let attack = Attack("a member sending malformed frames")
        attack.thread { attack in
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            defer { try? group.syncShutdownGracefully() }
            guard let tls = try? PeerTLS(key: key, members: Set(genesis.validators.map(\.publicKey))),
                let context = try? NIOSSLContext(configuration: tls.configuration(server: false))
            else { return }
            let hello = PeerMessage.hello(.init(chainId: genesis.chainId, genesisHash: genesis.hash, node: key.publicKey, height: 0))
            attack.ready()
            while attack.isRunning {
                let channel = try? ClientBootstrap(group: group)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: nil, customVerificationCallback: tls.verifier { _ in }))
                        }
                    }
                    .connect(host: "127.0.0.1", port: port).wait()
                guard let channel else {
                    attack.hold(for: 0.02)
                    continue
                }
                var frames = ByteBuffer()
                let helloBytes = hello.canonicalBytes
                frames.writeInteger(UInt32(helloBytes.count))
                frames.writeBytes(helloBytes)
                for _ in 0..<3 {
                    frames.writeInteger(UInt32(4))
                    frames.writeBytes([1, 99, 0xde, 0xad])
                }
                try? channel.writeAndFlush(frames).wait()
                // Until the node closes it (at once, or at its handshake deadline).
                _ = try? channel.closeFuture.wait()
            }
        }
        return attack
    }
}

/// Payments offered to a node at a steady rate over one kept-alive HTTP
/// connection, opened before any attack (as a business's backend holds its
/// own): batches in commit mode, each sent when due (or at once when the
/// previous answer came late). What it measures is what the node commits of
/// what it was offered, in a window.
final class SteadyPayments {
    let port: Int
    let genesis: Genesis
    let payer: SigningKey
    let payee: PublicKey
    private var fd: Int32 = -1
    private var nonce = UInt64.random(in: 0...(UInt64.max >> 8))

    init(port: Int, genesis: Genesis, payer: SigningKey, payee: PublicKey) {
        self.port = port
        self.genesis = genesis
        self.payer = payer
        self.payee = payee
    }

    deinit { if fd >= 0 { close(fd) } }

    struct Window {
        var offered = 0
        var committed = 0
        var seconds = 0.0
        var committedPerSecond: Double { seconds > 0 ? Double(committed) / seconds : 0 }
    }

    /// Offers `rate` payments a second for `seconds`, in batches of `batch`;
    /// returns what committed (the connection is opened on first use and
    /// kept; a broken one is reopened, and its batch counts as not committed).
    func run(rate: Int, seconds: Double, batch: Int = 10) -> Window {
        let count = Int(Double(rate) * seconds)
        let transactions = (0..<count).map { _ in payment() }
        var window = Window()
        let interval = Double(batch) / Double(rate)
        let started = ContinuousClock.now
        for (index, start) in stride(from: 0, to: count, by: batch).enumerated() {
            let due = started + .milliseconds(Int64(Double(index) * interval * 1_000))
            if ContinuousClock.now < due { Thread.sleep(forTimeInterval: Self.seconds(due - ContinuousClock.now)) }
            let items = Array(transactions[start..<min(count, start + batch)])
            window.offered += items.count
            window.committed += submit(items)
        }
        window.seconds = Self.seconds(ContinuousClock.now - started)
        return window
    }

    private func payment() -> SignedTransaction {
        nonce += 1
        return TransactionBody(
            chainId: genesis.chainId, signer: payer.publicKey, nonce: nonce, expiresAt: NodeEngine.wallClock() + 600_000,
            externalReference: "steady-\(nonce)", payload: .transfer(payee: payee, asset: AssetCode("USD")!, amount: Amount(minorUnits: 1)!, method: .internal)
        ).signed(with: payer)
    }

    /// Posts one batch in commit mode; the number of its transactions committed.
    private func submit(_ items: [SignedTransaction]) -> Int {
        let body = "{\"mode\":\"commit\",\"timeoutMs\":10000,\"transactions\":[" + items.map { "\"\(Data($0.canonicalBytes).base64EncodedString())\"" }.joined(separator: ",") + "]}"
        let request = "POST /v1/transactions/batch HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body
        for _ in 0..<2 {
            if fd < 0 { fd = Abuse.connect(port: port, timeoutSeconds: 15) ?? -1 }
            guard fd >= 0 else { continue }
            if Abuse.send(fd, request), let answer = readResponse() {
                let results = (try? JSONSerialization.jsonObject(with: answer) as? [String: Any])?["results"] as? [[String: Any]] ?? []
                return results.count { ($0["transaction"] as? [String: Any])?["status"] as? String == "committed" }
            }
            close(fd)
            fd = -1
        }
        return 0
    }

    /// One HTTP response's body (by its Content-Length), or nil.
    private func readResponse() -> Data? {
        var buffer: [UInt8] = []
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        while true {
            if let end = buffer.indices.dropLast(3).first(where: { buffer[$0..<$0 + 4].elementsEqual(separator) }) {
                let head = String(decoding: buffer[..<end], as: UTF8.self).lowercased()
                guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
                    let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
                else { return nil }
                while buffer.count < end + 4 + length {
                    guard let more = Abuse.receive(fd), !more.isEmpty else { return nil }
                    buffer += more
                }
                return Data(buffer[(end + 4)..<(end + 4 + length)])
            }
            guard let more = Abuse.receive(fd), !more.isEmpty else { return nil }
            buffer += more
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// The highest resident memory of a process while sampled.
final class ResidentPeak: @unchecked Sendable {
    // @unchecked: `peak` is atomic; the thread ends when stopped.
    private let peak = Atomic(0)
    private let stopping = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)

    /// Samples every 100 ms (the sampling period) until stopped.
    init(pid: Int32) {
        peak.store(Abuse.residentBytes(of: pid) ?? 0, ordering: .relaxed)
        Thread { [self] in
            repeat {
                if let now = Abuse.residentBytes(of: pid), now > peak.load(ordering: .relaxed) { peak.store(now, ordering: .relaxed) }
            } while stopping.wait(timeout: .now() + .milliseconds(100)) == .timedOut
            done.signal()
        }.start()
    }

    /// Stops sampling; the peak in bytes.
    func stop() -> Int {
        stopping.signal()
        done.wait()
        return peak.load(ordering: .relaxed)
    }
}
