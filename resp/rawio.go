package resp

import (
	"io"
	"net"
	"syscall"
	"unsafe"
)

// Why raw system calls for client sockets: net.Conn's Read and Write enter
// the kernel through syscall.Syscall, which tells the Go scheduler that the
// goroutine may block (entersyscall/exitsyscall). On loopback a write(2)
// of a reply runs the peer's TCP receive path and wakes the client, and the
// kernel often switches to the woken client before the write returns; the
// runtime's monitor then sees the P "in a system call" for more than 20 µs,
// hands it to another thread (a futex wake-up and a context switch) and the
// writer, back from the kernel, has to find a P again (another one). That
// churn cost more CPU per non-pipelined GET than the command itself.
//
// The socket is non-blocking (Go's netpoller set it up), so read(2) and
// write(2) on it never wait: they return data, EAGAIN or an error within
// microseconds. rawIO issues them with syscall.RawSyscall inside
// syscall.RawConn's Read/Write, which keep net.Conn's semantics: the same
// read/write locks, deadlines (SetReadDeadline/SetWriteDeadline), and
// parking in the netpoller on EAGAIN, exactly as net.Conn's own Read and
// Write loop (internal/poll.FD.Read: prepareRead, read, on EAGAIN waitRead).

// rawIO reads and writes a client socket with raw system calls; rc is nil
// when the connection is not a socket (tests with net.Pipe), and nc's
// methods are used instead.
type rawIO struct {
	nc net.Conn
	rc syscall.RawConn

	// State of the read and of the write in progress (a publisher's write
	// may run while the connection's goroutine reads), kept here so that
	// the functions passed to rc are made once, not per call.
	rbuf, wbuf []byte
	rn, wn     int
	rerr, werr error
	readF      func(fd uintptr) bool
	writeF     func(fd uintptr) bool
}

func newRawIO(nc net.Conn) *rawIO {
	r := &rawIO{nc: nc}
	if _, ok := nc.(*net.TCPConn); !ok {
		if _, ok := nc.(*net.UnixConn); !ok {
			return r
		}
	}
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return r
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return r
	}
	r.rc = rc
	r.readF = r.readOnce
	r.writeF = r.writeSome
	return r
}

// Read reads into p like net.Conn.Read: at least one byte, io.EOF at the
// end of the stream, or an error.
func (r *rawIO) Read(p []byte) (int, error) {
	if r.rc == nil || len(p) == 0 {
		return r.nc.Read(p)
	}
	r.rbuf, r.rn, r.rerr = p, 0, nil
	err := r.rc.Read(r.readF)
	n, ferr := r.rn, r.rerr
	r.rbuf, r.rerr = nil, nil
	if err != nil {
		return 0, err
	}
	return n, ferr
}

// readOnce is one read(2); false asks RawConn to wait until the socket is
// readable and call it again.
func (r *rawIO) readOnce(fd uintptr) bool {
	for {
		n, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&r.rbuf[0])), uintptr(len(r.rbuf)))
		switch {
		case e == syscall.EINTR:
			continue
		case e == syscall.EAGAIN:
			return false
		case e != 0:
			r.rerr = &net.OpError{Op: "read", Net: r.nc.LocalAddr().Network(), Source: r.nc.LocalAddr(), Addr: r.nc.RemoteAddr(), Err: e}
		case n == 0:
			r.rerr = io.EOF
		default:
			r.rn = int(n)
		}
		return true
	}
}

// Write writes all of p like net.Conn.Write.
func (r *rawIO) Write(p []byte) (int, error) {
	if r.rc == nil || len(p) == 0 {
		return r.nc.Write(p)
	}
	r.wbuf, r.wn, r.werr = p, 0, nil
	err := r.rc.Write(r.writeF)
	n, ferr := r.wn, r.werr
	r.wbuf, r.werr = nil, nil
	if err != nil {
		return n, err
	}
	return n, ferr
}

// writeSome writes what the socket takes; false (EAGAIN with bytes left)
// asks RawConn to wait until it is writable and call it again.
func (r *rawIO) writeSome(fd uintptr) bool {
	for r.wn < len(r.wbuf) {
		rest := r.wbuf[r.wn:]
		n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&rest[0])), uintptr(len(rest)))
		switch {
		case e == syscall.EINTR:
			continue
		case e == syscall.EAGAIN:
			return false
		case e != 0:
			r.werr = &net.OpError{Op: "write", Net: r.nc.LocalAddr().Network(), Source: r.nc.LocalAddr(), Addr: r.nc.RemoteAddr(), Err: e}
			return true
		}
		r.wn += int(n)
	}
	return true
}
