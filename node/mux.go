package node

import (
	"bufio"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// rpcMagic is the first byte of a node-internal RPC connection on the Raft
// port. hashicorp/raft's NetworkTransport starts every connection with an
// RPC type byte (0..4 in v1.7.3), so any other value can share the port.
const rpcMagic byte = 'P'

// muxLayer is the Raft transport's stream layer. It listens on the Raft
// port and hands each accepted connection either to Raft or, when its first
// byte is rpcMagic, to the node-internal RPC server (write forwarding, read
// index, status, leave), or when it is leaderCheckMagic, to the leadership
// check (leadercheck.go). Node RPC therefore needs no port of its own and
// travels the same network path as Raft: a partition that cuts Raft
// between two nodes cuts forwarding between them too.
type muxLayer struct {
	ln     net.Listener
	adv    net.Addr
	log    *slog.Logger
	raftCh chan net.Conn
	// handlers serve the node's own connections by their first byte.
	handlers map[byte]func(net.Conn)
	// dialMap maps a peer's Raft address to the address to dial instead
	// (raft-dial-map, test-only: a fault-injecting proxy per directed link).
	// Set before the transport is used; read-only afterwards.
	dialMap map[string]string
	// congestion is the TCP congestion control algorithm of the
	// connections this node dials ("" = the system's; raft-tcp-congestion).
	// Set before the transport is used; read-only afterwards.
	congestion        string
	congestionRefused sync.Once

	mu       sync.Mutex
	rpcConns map[net.Conn]struct{} // open node RPC connections, closed by Close

	closeOnce sync.Once
	closed    chan struct{}
}

var _ raft.StreamLayer = (*muxLayer)(nil)

// newMuxLayer serves ln; handlers serve the connections whose first byte
// is one of their keys (not a Raft RPC type), every other goes to Raft.
func newMuxLayer(ln net.Listener, adv net.Addr, log *slog.Logger, handlers map[byte]func(net.Conn)) *muxLayer {
	m := &muxLayer{ln: ln, adv: adv, log: log, handlers: handlers, raftCh: make(chan net.Conn),
		rpcConns: map[net.Conn]struct{}{}, closed: make(chan struct{})}
	go m.acceptLoop()
	return m
}

func (m *muxLayer) acceptLoop() {
	for {
		c, err := m.ln.Accept()
		if err != nil {
			select {
			case <-m.closed:
				return
			default:
			}
			m.log.Warn("raft port: accept failed", "error", err)
			time.Sleep(50 * time.Millisecond)
			continue
		}
		go m.route(c)
	}
}

// route reads the first byte of c and passes c on.
func (m *muxLayer) route(c net.Conn) {
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	first, err := br.Peek(1)
	if err != nil {
		_ = c.Close()
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	bc := &bufferedConn{Conn: c, r: br}
	if serve, ok := m.handlers[first[0]]; ok {
		_, _ = br.Discard(1)
		m.mu.Lock()
		select {
		case <-m.closed:
			m.mu.Unlock()
			_ = c.Close()
			return
		default:
		}
		m.rpcConns[c] = struct{}{}
		m.mu.Unlock()
		serve(bc)
		m.mu.Lock()
		delete(m.rpcConns, c)
		m.mu.Unlock()
		return
	}
	select {
	case m.raftCh <- bc:
	case <-m.closed:
		_ = c.Close()
	}
}

// Accept returns the next Raft connection.
func (m *muxLayer) Accept() (net.Conn, error) {
	select {
	case c := <-m.raftCh:
		return c, nil
	case <-m.closed:
		return nil, errors.New("raft port closed")
	}
}

// Close stops listening.
func (m *muxLayer) Close() error {
	var err error
	m.closeOnce.Do(func() {
		m.mu.Lock()
		close(m.closed)
		for c := range m.rpcConns {
			_ = c.Close()
		}
		m.mu.Unlock()
		err = m.ln.Close()
	})
	return err
}

// Addr returns the advertised address.
func (m *muxLayer) Addr() net.Addr { return m.adv }

// Dial opens a Raft connection, through the peer's dial-map entry if any.
func (m *muxLayer) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	target := string(address)
	if via, ok := m.dialMap[target]; ok {
		target = via
	}
	d := net.Dialer{Timeout: timeout, Control: m.controlDial}
	return d.Dial("tcp", target)
}

// dialRPC opens a node RPC connection to the node whose Raft address is addr.
func (m *muxLayer) dialRPC(addr string, timeout time.Duration) (net.Conn, error) {
	return m.dialMagic(addr, timeout, rpcMagic)
}

// dialLeaderCheck opens a leadership-check connection to the node whose
// Raft address is addr.
func (m *muxLayer) dialLeaderCheck(addr string, timeout time.Duration) (net.Conn, error) {
	return m.dialMagic(addr, timeout, leaderCheckMagic)
}

// dialMagic opens a connection to the node whose Raft address is addr and
// sends magic, the byte that routes it to one of the node's handlers.
func (m *muxLayer) dialMagic(addr string, timeout time.Duration, magic byte) (net.Conn, error) {
	c, err := m.Dial(raft.ServerAddress(addr), timeout)
	if err != nil {
		return nil, err
	}
	_ = c.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := c.Write([]byte{magic}); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// bufferedConn is a connection whose first bytes were read into r.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (b *bufferedConn) Read(p []byte) (int, error) { return b.r.Read(p) }
