#if canImport(Glibc)
import Glibc
#endif

/// Opens non-blocking listening sockets with `SO_REUSEADDR` and `SO_REUSEPORT`, so each event loop can own one
/// listener on the same port and the kernel spreads new connections across them.
///
/// Two servers with `SO_REUSEPORT` would silently share a port, so `probe` first binds without it: if anything
/// holds the address that bind fails with `EADDRINUSE`, and with port 0 it picks the ephemeral port.
enum Listener {
    /// Checks the address is free (and picks the port when `port` is 0); returns the port to listen on.
    static func probe(host: String, port: Int) throws -> Int {
        let (fd, actual) = try open(host: host, port: port, backlog: 0, reusePort: false, listening: false)
        Posix.close(fd)
        return actual
    }

    static func open(host: String, port: Int, backlog: Int, reusePort: Bool = true,
                     listening: Bool = true) throws -> (fd: Int32, port: Int) {
        guard (0...65535).contains(port) else { throw HTTPServerError.invalidAddress("\(host):\(port)") }
        let name = host == "localhost" ? "127.0.0.1" : host
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        let family: Int32
        if inet_pton(AF_INET, name, &v4.sin_addr) == 1 {
            family = AF_INET
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = in_port_t(UInt16(port).bigEndian)
        } else if inet_pton(AF_INET6, name, &v6.sin6_addr) == 1 {
            family = AF_INET6
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = in_port_t(UInt16(port).bigEndian)
        } else {
            throw HTTPServerError.invalidAddress(host)
        }
        let fd: Int32
        do {
            fd = try Posix.blockingSyscall("socket") {
                socket(family, Int32(SOCK_STREAM.rawValue) | Posix.O_NONBLOCK_FLAG | Posix.O_CLOEXEC_FLAG, 0)
            }
        } catch {
            throw HTTPServerError.system("\(error)")
        }
        do {
            try Posix.setOption(fd, SOL_SOCKET, SO_REUSEADDR, 1)
            if reusePort { try Posix.setOption(fd, SOL_SOCKET, SO_REUSEPORT, 1) }
            let bound: Int32 = family == AF_INET
                ? withUnsafePointer(to: &v4) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
                : withUnsafePointer(to: &v6) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                    }
                }
            if bound != 0 {
                let err = errno
                if err == EADDRINUSE { throw HTTPServerError.addressInUse(host: host, port: port) }
                throw HTTPServerError.system("\(SystemError(call: "bind", errno: err))")
            }
            if listening, listen(fd, Int32(max(1, min(backlog, 65535)))) != 0 {
                let err = errno
                if err == EADDRINUSE { throw HTTPServerError.addressInUse(host: host, port: port) }
                throw HTTPServerError.system("\(SystemError(call: "listen", errno: err))")
            }
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let named = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            guard named == 0 else {
                throw HTTPServerError.system("\(SystemError(call: "getsockname", errno: errno))")
            }
            let actual: UInt16 = withUnsafePointer(to: &storage) {
                family == AF_INET
                    ? $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
                    : $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
            return (fd, Int(actual))
        } catch {
            Posix.close(fd)
            throw error
        }
    }
}
