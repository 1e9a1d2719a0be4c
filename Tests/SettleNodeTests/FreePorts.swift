#if canImport(Glibc)
    import Glibc
#endif
#if canImport(CNIOLinux)
    // The C socket types' members are attributed to whichever C module read <netinet/in.h> first, which in
    // a build of this whole module can be NIO's Linux shim rather than Glibc (MemberImportVisibility).
    import CNIOLinux
#endif

/// Loopback TCP ports for test processes to listen on: below the kernel's
/// ephemeral range (32768 and up on Linux), so no outgoing connection of any
/// test can hold one, chosen at random and checked free by binding. Process
/// tests run side by side, and a fixed or unchecked pick collides.
enum FreePorts {
    static func take(_ count: Int) -> [Int] {
        var taken: [Int] = []
        var sockets: [Int32] = []
        defer { for fd in sockets { close(fd) } }
        while taken.count < count {
            let port = Int.random(in: 20_000..<32_000)
            guard !taken.contains(port) else { continue }
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let bound = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if bound == 0 {
                sockets.append(fd)
                taken.append(port)
            } else {
                close(fd)
            }
        }
        return taken
    }
}
