package resp

// Serving clients from an event loop (ServerConfig.EventLoop).
//
// With a goroutine per connection, every request costs a goroutine wake-up
// through Go's netpoller and a read that returns EAGAIN before the
// goroutine parks; on a VM where each context switch and syscall traps to
// the hypervisor that is ~6 µs per request (bench/netfloor). The event loop
// serves fresh connections from one OS thread with raw epoll_wait, read and
// write, and runs on it only what cannot wait: batches of fast reads
// (FlagReadOnly and FlagFast, no MULTI, no subscription, no MONITOR
// attached) while the cluster says reads need no wait (a sole voter that
// has applied what it committed, or stale reads). Anything else — a write,
// a slow read, a connection command, a reply the socket does not take at
// once — hands the connection over for good to the goroutine model: its
// socket is duplicated into a net.Conn (net.FileConn), the loop closes its
// own descriptor, and the connection's goroutine runs what was parsed and
// then serves it as any other.
//
// The loop owns its descriptors: closing one (CLIENT KILL, idle timeout,
// shutdown) from another goroutine only shuts the socket down, and the
// loop closes it when it reads the end, so a descriptor number is never
// reused while a handler might still use it. The loop keeps its P while it
// waits in epoll_wait (a raw syscall: a blocking one through the scheduler
// lets sysmon take the P, and getting one back costs more than the
// request), so the server raises GOMAXPROCS by one per loop.

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/pikaraft/pikaraft/resp/command"
)

// ReadsReady is implemented by clusters that can tell, without waiting,
// whether a read at the given consistency would be served at once.
type ReadsReady interface {
	ReadsReady(stale bool) bool
}

// errLoopOwned is what reading a connection the loop still serves returns.
var errLoopOwned = errors.New("resp: connection is served by the event loop")

// loopSocket is a client socket the event loop serves until it hands the
// connection over; from then on it forwards to the handed-over net.Conn.
type loopSocket struct {
	mu      sync.Mutex
	fd      int      // the loop's descriptor; -1 once handed over or closed
	nc      net.Conn // the connection after the handover
	pending []byte   // replies the socket did not take while the loop served it
	laddr   net.Addr
	raddr   net.Addr
}

func (l *loopSocket) handedOver() net.Conn {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.nc
}

// Read reads the handed-over connection; the loop reads its sockets itself.
func (l *loopSocket) Read(p []byte) (int, error) {
	if nc := l.handedOver(); nc != nil {
		return nc.Read(p)
	}
	return 0, errLoopOwned
}

// Write writes to the handed-over connection, or, on the loop's thread,
// to the socket: what it does not take at once is kept in pending (the
// loop then hands the connection over, which writes it first).
func (l *loopSocket) Write(p []byte) (int, error) {
	if nc := l.handedOver(); nc != nil {
		return nc.Write(p)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fd < 0 {
		return 0, net.ErrClosed
	}
	if len(l.pending) > 0 {
		l.pending = append(l.pending, p...)
		return len(p), nil
	}
	done := 0
	for done < len(p) {
		n, _, errno := syscall.RawSyscall(syscall.SYS_WRITE, uintptr(l.fd),
			uintptr(unsafe.Pointer(&p[done])), uintptr(len(p)-done))
		switch errno {
		case 0:
			done += int(n)
		case syscall.EINTR:
		case syscall.EAGAIN:
			l.pending = append(l.pending, p[done:]...)
			return len(p), nil
		default:
			return done, fmt.Errorf("write: %w", errno)
		}
	}
	return done, nil
}

// Close closes the handed-over connection, or shuts the loop's socket
// down: the loop reads the end and closes the descriptor itself.
func (l *loopSocket) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.nc != nil {
		return l.nc.Close()
	}
	if l.fd >= 0 {
		return syscall.Shutdown(l.fd, syscall.SHUT_RDWR)
	}
	return nil
}

func (l *loopSocket) LocalAddr() net.Addr  { return l.laddr }
func (l *loopSocket) RemoteAddr() net.Addr { return l.raddr }

func (l *loopSocket) SetDeadline(t time.Time) error {
	if nc := l.handedOver(); nc != nil {
		return nc.SetDeadline(t)
	}
	return nil
}

func (l *loopSocket) SetReadDeadline(t time.Time) error {
	if nc := l.handedOver(); nc != nil {
		return nc.SetReadDeadline(t)
	}
	return nil
}

func (l *loopSocket) SetWriteDeadline(t time.Time) error {
	if nc := l.handedOver(); nc != nil {
		return nc.SetWriteDeadline(t)
	}
	return nil
}

// eventLoop serves the connections of one listener.
type eventLoop struct {
	srv    *Server
	epfd   int
	lfd    int      // the listening socket, -1 once stopped accepting
	lf     *os.File // owns lfd
	wakefd int      // eventfd that Close writes to stop the loop
	stop   atomic.Bool
	conns  map[int]*Conn // by descriptor; only the loop touches it
	events []syscall.EpollEvent
}

// serveEventLoop serves ln's connections from an event loop until Close.
func (s *Server) serveEventLoop(ln *net.TCPListener) error {
	lf, err := ln.File()
	if err != nil {
		s.cfg.Logger.Warn("event loop: cannot take the listener; serving every client on goroutines", "err", err)
		return s.serveGoroutines(ln)
	}
	// From here the duplicate is the only descriptor of the listening
	// socket, so the runtime's poller hears nothing of it.
	ln.Close()
	l := &eventLoop{srv: s, lf: lf, lfd: int(lf.Fd()), conns: map[int]*Conn{},
		events: make([]syscall.EpollEvent, 256)}
	defer l.lf.Close()
	if err := syscall.SetNonblock(l.lfd, true); err != nil {
		return fmt.Errorf("resp: event loop: %w", err)
	}
	if l.epfd, err = syscall.EpollCreate1(syscall.EPOLL_CLOEXEC); err != nil {
		return fmt.Errorf("resp: event loop: epoll_create: %w", err)
	}
	defer syscall.Close(l.epfd)
	wfd, _, errno := syscall.RawSyscall(syscall.SYS_EVENTFD2, 0, syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if errno != 0 {
		return fmt.Errorf("resp: event loop: eventfd: %w", errno)
	}
	l.wakefd = int(wfd)
	defer syscall.Close(l.wakefd)
	for _, fd := range []int{l.lfd, l.wakefd} {
		if err := syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_ADD, fd,
			&syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fd)}); err != nil {
			return fmt.Errorf("resp: event loop: epoll_ctl: %w", err)
		}
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.loops = append(s.loops, l)
	s.mu.Unlock()

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + 1)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) - 1)
	return l.run()
}

// wake makes the loop look at its stop flag.
func (l *eventLoop) wake() {
	one := uint64(1)
	syscall.RawSyscall(syscall.SYS_WRITE, uintptr(l.wakefd), uintptr(unsafe.Pointer(&one)), 8)
}

func (l *eventLoop) run() error {
	for {
		if l.stop.Load() {
			l.stopAccepting()
			if len(l.conns) == 0 {
				return nil
			}
		}
		n, _, errno := syscall.RawSyscall6(syscall.SYS_EPOLL_WAIT, uintptr(l.epfd),
			uintptr(unsafe.Pointer(&l.events[0])), uintptr(len(l.events)), ^uintptr(0), 0, 0)
		if errno == syscall.EINTR {
			// Most likely the runtime asking this goroutine to stop for
			// the garbage collector: raw syscalls are no place to stop at.
			runtime.Gosched()
			continue
		}
		if errno != 0 {
			return fmt.Errorf("resp: event loop: epoll_wait: %w", errno)
		}
		for _, ev := range l.events[:int(n)] {
			switch fd := int(ev.Fd); {
			case fd == l.wakefd:
				var b [8]byte
				syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), 8)
			case fd == l.lfd:
				l.acceptAll()
			default:
				if c := l.conns[fd]; c != nil {
					l.serve(c)
				}
			}
		}
	}
}

func (l *eventLoop) stopAccepting() {
	if l.lfd < 0 {
		return
	}
	syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_DEL, l.lfd, nil)
	l.lf.Close()
	l.lfd = -1
}

// acceptAll takes every pending connection, as Server.accept does.
func (l *eventLoop) acceptAll() {
	s := l.srv
	for {
		fd, sa, err := syscall.Accept4(l.lfd, syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
		if err != nil {
			return // EAGAIN, or an error the next accept reports again
		}
		s.stats.connectionsReceived.Add(1)
		syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
		sock := &loopSocket{fd: fd, laddr: sockAddr(syscall.Getsockname(fd)), raddr: sockAddr(sa, nil)}
		s.mu.Lock()
		switch {
		case s.closed:
			s.mu.Unlock()
			syscall.Close(fd)
			continue
		case len(s.conns) >= s.rt.getMaxClients():
			s.mu.Unlock()
			s.stats.rejectedConnections.Add(1)
			msg := []byte("-ERR max number of clients reached\r\n")
			syscall.Write(fd, msg)
			syscall.Close(fd)
			continue
		}
		c := newConn(s, sock, s.nextID.Add(1))
		c.fd = fd
		s.conns[c.id] = c
		s.wg.Add(1)
		s.mu.Unlock()
		if err := syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_ADD, fd,
			&syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(fd)}); err != nil {
			l.drop(c)
			continue
		}
		l.conns[fd] = c
	}
}

func sockAddr(sa syscall.Sockaddr, err error) net.Addr {
	switch a := sa.(type) {
	case *syscall.SockaddrInet4:
		if err == nil {
			return &net.TCPAddr{IP: net.IP(a.Addr[:]).To16(), Port: a.Port}
		}
	case *syscall.SockaddrInet6:
		if err == nil {
			return &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
		}
	}
	return &net.TCPAddr{}
}

// serve reads what c's socket holds and runs it, or hands c over.
func (l *eventLoop) serve(c *Conn) {
	sock := c.nc.(*loopSocket)
	buf := c.rd.spare(readChunk)
	n, _, errno := syscall.RawSyscall(syscall.SYS_READ, uintptr(sock.fd),
		uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
	switch {
	case errno == syscall.EAGAIN || errno == syscall.EINTR:
		return
	case errno != 0 || n == 0:
		l.drop(c)
		return
	}
	c.rd.commit(int(n))
	c.srv.stats.netInputBytes.Add(int64(n))
	c.rd.lim.maxBulk = c.srv.rt.getMaxBulk()
	batch, perr := c.parse()
	if len(batch) == 0 && perr == nil {
		return // the rest of a command is still on its way
	}
	if perr != nil || !c.inlineable(batch) {
		l.handOver(c, batch, perr)
		return
	}
	if !c.runParsed(batch, nil) {
		l.drop(c)
		return
	}
	sock.mu.Lock()
	stuck := len(sock.pending) > 0
	sock.mu.Unlock()
	if stuck {
		l.handOver(c, nil, nil)
	}
}

// inlineable reports whether the loop may run batch: fast reads only, on
// a plain connection, while reads need no wait.
func (c *Conn) inlineable(batch [][][]byte) bool {
	if c.multi != nil || c.killed.Load() || c.srv.ps.subscribed(c) || c.srv.monitor.n.Load() > 0 {
		return false
	}
	for _, argv := range batch {
		spec, ok := command.Commands.Lookup(argv[0])
		if !ok {
			return false // the error reply is the goroutine's to give
		}
		const unwanted = command.FlagWrite | command.FlagBlocking | command.FlagConnState |
			command.FlagAdmin | command.FlagPubSub
		if spec.Flags&(command.FlagReadOnly|command.FlagFast) != command.FlagReadOnly|command.FlagFast ||
			spec.Flags&unwanted != 0 {
			return false
		}
	}
	rr, ok := c.srv.cluster.(ReadsReady)
	return ok && rr.ReadsReady(c.ownReadonly())
}

// runParsed runs a parsed batch and sends the replies, as process does
// after parsing; false when the connection must close.
func (c *Conn) runParsed(batch [][][]byte, perr error) bool {
	if len(batch) == 0 {
		c.mu.Lock()
		c.lastUsed = time.Now()
		c.mu.Unlock()
	}
	c.dispatch(batch)
	clear(batch)
	c.batch = batch[:0]
	if perr != nil {
		var pe *protocolError
		if errors.As(perr, &pe) {
			c.reply(command.Err(pe.Error()))
		}
		c.srv.cfg.Logger.Debug("closing client after a protocol error", "client", c.addr, "err", perr)
		c.flush()
		return false
	}
	return c.flush() == nil && !c.closeAfterReply
}

// drop closes a connection the loop serves, as the end of Server.accept's
// goroutine does.
func (l *eventLoop) drop(c *Conn) {
	sock := c.nc.(*loopSocket)
	syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_DEL, sock.fd, nil)
	delete(l.conns, sock.fd)
	sock.mu.Lock()
	syscall.Close(sock.fd)
	sock.fd = -1
	sock.mu.Unlock()
	c.kill()
	l.srv.forget(c)
}

// handOver gives c to a goroutine of its own for good: a duplicate of its
// socket becomes a net.Conn, the loop closes its descriptor, and the
// goroutine sends the replies the socket did not take, runs batch, and
// then serves c as Server.accept's goroutines do.
func (l *eventLoop) handOver(c *Conn, batch [][][]byte, perr error) {
	sock := c.nc.(*loopSocket)
	fd := sock.fd
	syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_DEL, fd, nil)
	delete(l.conns, fd)
	f := os.NewFile(uintptr(fd), "client")
	nc, err := net.FileConn(f) // a duplicate, in the runtime's poller
	sock.mu.Lock()
	f.Close() // closes fd
	sock.fd = -1
	pending := sock.pending
	sock.pending = nil
	if err == nil {
		sock.nc = nc
	}
	sock.mu.Unlock()
	if err != nil {
		c.srv.cfg.Logger.Warn("event loop: cannot hand a client over; closing it", "client", c.addr, "err", err)
		c.kill()
		l.srv.forget(c)
		return
	}
	if c.killed.Load() {
		nc.Close() // killed while the loop served it: the shutdown went to the old descriptor's socket too
	}
	go func() {
		defer l.srv.forget(c)
		if len(pending) > 0 {
			if _, err := nc.Write(pending); err != nil {
				c.kill()
				return
			}
		}
		if batch != nil || perr != nil {
			if !c.runParsed(batch, perr) {
				c.kill()
				return
			}
		}
		c.serve()
	}()
}
