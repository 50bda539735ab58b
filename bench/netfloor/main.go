// Command netfloor is a RESP server that does no work: it answers GET with
// a nil bulk string, CONFIG GET with the name and an empty value, and
// every other command with +OK. It measures what a Go server's connection
// handling alone costs on a machine, the floor under any server written
// the same way:
//
//	netfloor -addr 127.0.0.1:9610 -mode goroutine
//	netfloor -addr 127.0.0.1:9611 -mode epoll
//
// Mode goroutine serves each connection on its own goroutine through the
// net package, as pikaraft's resp package does (a read into a buffer, the
// replies of every complete command in it, one write). Mode epoll serves
// every connection from one OS thread that calls epoll_wait, read and write
// itself, as Redis's event loop does; its syscalls bypass the Go scheduler
// (RawSyscall), so the thread keeps its P while it waits. Driven by
// redis-benchmark (bench/netfloor.sh), the two put a number on how much of
// a request's cost is the goroutine-per-connection model.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"unsafe"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9610", "address to listen on")
	mode := flag.String("mode", "goroutine", "goroutine or epoll")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "netfloor:", err)
		os.Exit(1)
	}
	switch *mode {
	case "goroutine":
		err = serveGoroutines(ln)
	case "epoll":
		err = serveEpoll(ln)
	default:
		err = fmt.Errorf("unknown mode %q (want goroutine or epoll)", *mode)
	}
	fmt.Fprintln(os.Stderr, "netfloor:", err)
	os.Exit(1)
}

const bufSize = 16 << 10

// answer appends the replies of every complete command at the start of in
// to out and returns how many bytes of in those commands took; a partial
// command at the end stays for the next read. Inline commands (a line not
// starting with '*') are answered +OK. A malformed multibulk header ends
// the connection (an error).
func answer(in, out []byte) (used int, _ []byte, _ error) {
	for used < len(in) {
		rest := in[used:]
		nl := bytes.IndexByte(rest, '\n')
		if nl < 0 {
			return used, out, nil
		}
		if rest[0] != '*' {
			out = append(out, "+OK\r\n"...)
			used += nl + 1
			continue
		}
		n, err := strconv.Atoi(string(bytes.TrimRight(rest[1:nl], "\r")))
		if err != nil || n < 1 || n > 1<<20 {
			return used, out, errors.New("bad multibulk header")
		}
		pos, args := nl+1, [3][]byte{}
		for i := 0; i < n; i++ {
			if pos >= len(rest) {
				return used, out, nil
			}
			if rest[pos] != '$' {
				return used, out, errors.New("bulk string expected")
			}
			e := bytes.IndexByte(rest[pos:], '\n')
			if e < 0 {
				return used, out, nil
			}
			l, err := strconv.Atoi(string(bytes.TrimRight(rest[pos+1:pos+e], "\r")))
			if err != nil || l < 0 || l > 512<<20 {
				return used, out, errors.New("bad bulk length")
			}
			start := pos + e + 1
			if start+l+2 > len(rest) {
				return used, out, nil
			}
			if i < len(args) {
				args[i] = rest[start : start+l]
			}
			pos = start + l + 2
		}
		switch {
		case bytes.EqualFold(args[0], []byte("GET")):
			out = append(out, "$-1\r\n"...)
		case bytes.EqualFold(args[0], []byte("CONFIG")):
			// CONFIG GET name: the name with an empty value, which is
			// what redis-benchmark asks for at its start.
			out = fmt.Appendf(out, "*2\r\n$%d\r\n%s\r\n$0\r\n\r\n", len(args[2]), args[2])
		default:
			out = append(out, "+OK\r\n"...)
		}
		used += pos
	}
	return used, out, nil
}

// conn is one client's pending input and reply buffer.
type conn struct {
	in  []byte
	out []byte
}

// feed answers the complete commands c.in holds into c.out and keeps the
// rest of c.in for the next read.
func (c *conn) feed() error {
	used, out, err := answer(c.in, c.out[:0])
	c.out = out
	c.in = c.in[:copy(c.in, c.in[used:])]
	if err == nil && len(c.in) == cap(c.in) {
		err = errors.New("command larger than the buffer")
	}
	return err
}

// serveGoroutines serves each connection of ln on a goroutine of its own.
func serveGoroutines(ln net.Listener) error {
	for {
		nc, err := ln.Accept()
		if err != nil {
			return err
		}
		go func() {
			defer nc.Close()
			c := &conn{in: make([]byte, 0, bufSize), out: make([]byte, 0, 4096)}
			for {
				n, err := nc.Read(c.in[len(c.in):cap(c.in)])
				if err != nil {
					return
				}
				c.in = c.in[:len(c.in)+n]
				if err := c.feed(); err != nil {
					return
				}
				if len(c.out) > 0 {
					if _, err := nc.Write(c.out); err != nil {
						return
					}
				}
			}
		}()
	}
}

// serveEpoll serves every connection of ln from this goroutine, locked to
// its OS thread, with raw epoll_wait, read and write. It returns only on an
// error.
func serveEpoll(ln net.Listener) error {
	// The listener's socket, taken out of the Go runtime's poller: the
	// net package's own descriptor is closed, and the duplicate File
	// returns is the only one left, so no event reaches the runtime.
	lf, err := ln.(*net.TCPListener).File()
	if err != nil {
		return err
	}
	ln.Close()
	lfd := int(lf.Fd())
	// lf owns the descriptor: were it collected, its finalizer would
	// close the listening socket.
	defer runtime.KeepAlive(lf)
	if err := syscall.SetNonblock(lfd, true); err != nil {
		return err
	}
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, lfd, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(lfd)}); err != nil {
		return err
	}
	runtime.LockOSThread()
	conns := map[int]*conn{}
	events := make([]syscall.EpollEvent, 256)
	for {
		r, _, errno := syscall.RawSyscall6(syscall.SYS_EPOLL_WAIT, uintptr(epfd),
			uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), ^uintptr(0), 0, 0)
		if errno == syscall.EINTR {
			// A signal: most likely the runtime asking this goroutine to
			// stop for the garbage collector. The raw syscalls are no
			// place to stop at; Gosched is.
			runtime.Gosched()
			continue
		}
		if errno != 0 {
			return errno
		}
		for _, ev := range events[:int(r)] {
			fd := int(ev.Fd)
			if fd == lfd {
				acceptAll(epfd, lfd, conns)
				continue
			}
			c := conns[fd]
			n, _, errno := syscall.RawSyscall(syscall.SYS_READ, uintptr(fd),
				uintptr(unsafe.Pointer(&c.in[len(c.in):cap(c.in)][0])), uintptr(cap(c.in)-len(c.in)))
			if errno == syscall.EAGAIN {
				continue
			}
			if errno != 0 || n == 0 {
				closeConn(epfd, fd, conns)
				continue
			}
			c.in = c.in[:len(c.in)+int(n)]
			if err := c.feed(); err != nil {
				closeConn(epfd, fd, conns)
				continue
			}
			if len(c.out) > 0 {
				// Small replies to a client that waits for them: the
				// socket buffer takes them whole.
				syscall.RawSyscall(syscall.SYS_WRITE, uintptr(fd),
					uintptr(unsafe.Pointer(&c.out[0])), uintptr(len(c.out)))
			}
		}
	}
}

// acceptAll accepts every pending connection on lfd and adds it to epfd.
func acceptAll(epfd, lfd int, conns map[int]*conn) {
	for {
		fd, _, err := syscall.Accept4(lfd, syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC)
		if err != nil {
			return
		}
		syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
		if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, fd, &syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fd)}); err != nil {
			syscall.Close(fd)
			continue
		}
		conns[fd] = &conn{in: make([]byte, 0, bufSize), out: make([]byte, 0, 4096)}
	}
}

// closeConn removes fd from epfd and closes it.
func closeConn(epfd, fd int, conns map[int]*conn) {
	syscall.EpollCtl(epfd, syscall.EPOLL_CTL_DEL, fd, nil)
	syscall.Close(fd)
	delete(conns, fd)
}
