#if canImport(Glibc)
import Glibc
#endif

/// The keep-alive loop of one connection, in one place: read → parse → respond → write → repeat.
/// One request is in flight per connection: while the responder has it, nothing more is read or parsed, which is
/// the backpressure that keeps a slow or hostile client from making the server buffer without bound.
extension EventLoop {
    func handleEvent(_ connection: Connection, flags: UInt32) {
        if flags & Posix.EPOLLERR != 0 {
            closeConnection(connection)
            return
        }
        if flags & (Posix.EPOLLIN | Posix.EPOLLRDHUP | Posix.EPOLLHUP) != 0 {
            connection.mayRead = true
        }
        if flags & (Posix.EPOLLRDHUP | Posix.EPOLLHUP) != 0 {
            connection.hangupSeen = true
        }
        if flags & Posix.EPOLLOUT != 0 && connection.wantsWritable {
            flush(connection)
            if connection.isClosed { return }
        }
        drive(connection)
    }

    /// Runs the connection until it must wait: for bytes, for the responder, or for the peer to read.
    func drive(_ c: Connection) {
        if c.lingering {
            discardInput(c)
            return
        }
        var outputBound = false
        while !c.isClosed {
            if c.awaiting || c.closeAfterFlush { break }
            if c.pendingOutput > configuration.maxOutputBufferBytes {
                outputBound = true
                break
            }

            let request: HTTPRequest?
            do {
                request = try c.parser.next()
            } catch {
                queueError(c, error)
                break
            }
            if let request {
                dispatch(c, request)
                continue
            }
            if c.parser.takeContinue() {
                // RFC 9110 §10.1.1: the client waits for this before sending the body.
                c.out.append(static: HTTPResponse.continueResponse)
            }
            if c.peerClosed {
                if c.parser.isIdle {
                    if c.pendingOutput == 0 { closeConnection(c); return }
                    c.closeAfterFlush = true
                } else {
                    queueError(c, .badRequest("connection closed before the request was complete"))
                }
                break
            }
            if !c.mayRead { break }
            let result: IOResult<Int>
            do {
                result = try Posix.read(c.fd, readBuffer)
            } catch {
                closeConnection(c)  // ECONNRESET and friends: nobody to answer
                return
            }
            switch result {
            case .wouldBlock:
                c.mayRead = false
            case .processed(0):
                c.peerClosed = true
                c.mayRead = false
            case .processed(let n):
                // A short read drained the socket; edge-triggered epoll reports any later arrival.
                // (Not after a FIN was reported: data and FIN in one edge need the read that returns 0.)
                if n < readBuffer.count && !c.hangupSeen { c.mayRead = false }
                c.parser.append(UnsafeRawBufferPointer(rebasing: readBuffer[0..<n]))
            }
        }
        if c.isClosed { return }
        if batchingFlushes && !outputBound && c.pendingOutput > 0 {
            queueFlush(c)
            return
        }
        send(c, outputBound: outputBound)
    }

    /// Sends `c`'s output, then sets its phase for what it waits for next. `outputBound`: `drive` stopped parsing
    /// because the output was over its bound.
    private func send(_ c: Connection, outputBound: Bool) {
        flush(c)
        if c.isClosed || c.lingering { return }
        if outputBound && c.pendingOutput == 0 {
            // Pipelined requests are still buffered and the output went out at once: no event will come for
            // them, so run this connection again after the other ready connections had their turn.
            deferDrive(c)
        }
        updatePhase(c)
    }

    /// Sends `c`'s output with the others answered in this loop iteration (`flushQueued`). Answering every ready
    /// connection first and then sending all the answers back to back halved the 99th-percentile latency under
    /// load (`.ci/bench-http.sh`): a send wakes the client, which on a busy machine may take the core from the loop
    /// in the middle of its batch, leaving the rest of the batch's answers waiting behind it.
    private func queueFlush(_ c: Connection) {
        if !c.isFlushQueued {
            c.isFlushQueued = true
            flushQueue.append(c)
        }
        if flushQueue.count >= maxQueuedFlushes { flushQueued() }
    }

    /// Sends the queued output (see `queueFlush`), as `drive` would have (only output under its bound is queued).
    func flushQueued() {
        guard !flushQueue.isEmpty else { return }
        // By index: `for c in flushQueue` would copy the array, and each `flush` can close connections.
        var i = 0
        while i < flushQueue.count {
            let c = flushQueue[i]
            i += 1
            c.isFlushQueued = false
            if !c.isClosed { send(c, outputBound: false) }
        }
        flushQueue.removeAll(keepingCapacity: true)
    }

    private func updatePhase(_ c: Connection) {
        let next: Connection.Phase
        let parsing = c.parser.readingState()
        if c.awaiting {
            next = .response
        } else if c.pendingOutput > 0 {
            next = .write
        } else if parsing.idle {
            next = c.phase == .idleFirst ? .idleFirst : .idle
        } else if parsing.readingHead {
            next = .head
        } else {
            next = .body
        }
        if next != c.phase {
            c.setPhase(next, now: loopNanos, timeouts: timeouts)
        }
    }

    private func dispatch(_ c: Connection, _ request: HTTPRequest) {
        c.awaiting = true
        c.sequence &+= 1
        c.requestIsHead = request.method == "HEAD"
        c.requestKeepsAlive = c.parser.lastRequestKeepsAlive
        c.requestIsHTTP10 = request.minorVersion == 0
        c.setPhase(.response, now: loopNanos, timeouts: timeouts)
        c.inRespond = true
        responder.respond(to: request, reply: HTTPReply(loop: self, fd: c.fd, registration: c.registration,
                                                        sequence: c.sequence))
        c.inRespond = false
        if let response = c.syncResponse.take() {
            writeResponse(c, response)
        }
    }

    /// A reply from the responder, on the loop thread. Dropped if the connection is gone or the request timed out.
    func handleReply(_ response: consuming HTTPResponse, fd: Int32, registration: UInt32, sequence: UInt32) {
        guard fd >= 0, Int(fd) < connections.count, let c = connections[Int(fd)],
              c.registration == registration, c.awaiting, c.sequence == sequence else { return }
        c.awaiting = false
        if c.inRespond {
            c.syncResponse = response
            return
        }
        writeResponse(c, response)
        drive(c)
    }

    private func writeResponse(_ c: Connection, _ response: HTTPResponse) {
        c.awaiting = false
        let close = !c.requestKeepsAlive || c.closeAfterResponse || isShuttingDown
        response.serialize(into: &c.out, date: date, headRequest: c.requestIsHead, close: close,
                           keepAlive10: c.requestIsHTTP10 && !close)
        if close { c.closeAfterFlush = true }
    }

    /// Queues the JSON error response for a refused request; the connection closes after sending it.
    func queueError(_ c: Connection, _ error: HTTPParseError) {
        configuration.refusalObserver?(error)
        HTTPResponse.error(error).serialize(into: &c.out, date: date, headRequest: false, close: true,
                                            keepAlive10: false)
        c.closeAfterFlush = true
    }

    /// Sends pending output. Adds EPOLLOUT interest only while the peer's window is full.
    func flush(_ c: Connection) {
        while c.outOffset < c.out.count {
            let result: IOResult<Int>
            do {
                result = try c.out.withBytes(from: c.outOffset) { bytes in try Posix.send(c.fd, bytes) }
            } catch {
                closeConnection(c)  // EPIPE, ECONNRESET: the peer is gone
                return
            }
            switch result {
            case .processed(let n):
                c.outOffset += n
                if c.phase == .write {
                    c.deadline = loopNanos &+ timeouts[.write]
                }
            case .wouldBlock:
                setWritableInterest(c, true)
                if c.phase != .write && !c.awaiting {
                    c.setPhase(.write, now: loopNanos, timeouts: timeouts)
                }
                return
            }
        }
        c.out.removeAll(keepingCapacityUpTo: 64 * 1024)
        c.outOffset = 0
        if c.wantsWritable { setWritableInterest(c, false) }
        if c.closeAfterFlush && !c.awaiting && !c.isClosed {
            startLinger(c)
        } else if isShuttingDown && c.isIdle && !c.isClosed {
            // Answered (keep-alive) before shutdown began, sent after: idle now, so it closes as the idle ones did.
            closeConnection(c)
        }
    }

    /// Half-closes and reads what the peer still sends, so a close with unread input does not reset the
    /// connection and destroy the response before the peer reads it.
    private func startLinger(_ c: Connection) {
        if c.peerClosed {
            closeConnection(c)
            return
        }
        Posix.shutdownWrite(c.fd)
        c.lingering = true
        lingeringCount += 1
        c.setPhase(.linger, now: loopNanos, timeouts: timeouts)
        c.mayRead = true
        discardInput(c)
    }

    private func discardInput(_ c: Connection) {
        while !c.isClosed {
            let result: IOResult<Int>
            do {
                result = try Posix.read(c.fd, readBuffer)
            } catch {
                closeConnection(c)
                return
            }
            switch result {
            case .wouldBlock:
                return
            case .processed(0):
                closeConnection(c)
                return
            case .processed(let n):
                c.lingerBytes += n
                if c.lingerBytes > 1024 * 1024 { closeConnection(c) }
            }
        }
    }

    /// A connection's deadline passed.
    func timeout(_ c: Connection, now: UInt64) {
        switch c.phase {
        case .idleFirst, .idle, .write, .linger:
            closeConnection(c)
        case .head, .body:
            // RFC 9110 §15.5.9: 408, then close.
            queueError(c, .requestTimeout)
            c.deadline = .max
            flush(c)
        case .response:
            // The responder never replied: answer for it, and drop its reply if it comes later.
            c.awaiting = false
            c.sequence &+= 1
            queueError(c, HTTPParseError(status: 500, message: "the request was not answered in time"))
            c.deadline = .max
            flush(c)
        }
        if !c.isClosed && c.deadline == .max {
            // Sending stalled: give the write a bounded time too.
            c.setPhase(c.lingering ? .linger : .write, now: now, timeouts: timeouts)
        }
    }
}
