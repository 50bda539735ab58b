package node

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// The Raft port carries more than Raft: the first byte a dialer sends
// selects the protocol. hashicorp/raft's NetworkTransport starts every
// connection with its RPC type (0-4), so bytes from 0xF0 up are free for
// pikaraft's own node-to-node protocols.
const (
	// MuxPeerInfo asks a node for its PeerInfo (see peerinfo.go).
	MuxPeerInfo byte = 0xF0
	// MuxAdmin relays a membership or leadership request to the leader
	// (see adminrpc.go).
	MuxAdmin byte = 0xF1
	// muxReserved is the first byte no pikaraft protocol uses yet; bytes
	// from MuxPeerInfo up to it are pikaraft's, the rest are Raft's.
	muxReserved byte = 0xF8
)

// muxPeekTimeout bounds how long an accepted connection may stay silent
// before its first byte.
const muxPeekTimeout = 10 * time.Second

// MuxHandler serves one pikaraft protocol on a connection whose selector
// byte has been read. It owns the connection and must close it.
type MuxHandler func(c net.Conn)

// muxLayer is the raft.StreamLayer of a node: a TCP listener whose
// connections are routed by their first byte (Raft, or a registered
// pikaraft protocol), and a dialer that honours the per-link dial map.
type muxLayer struct {
	ln      net.Listener
	adv     net.Addr
	dialMap map[string]string
	log     *slog.Logger

	mu       sync.Mutex
	handlers map[byte]MuxHandler

	raftCh chan net.Conn
	done   chan struct{}
	once   sync.Once
}

var _ raft.StreamLayer = (*muxLayer)(nil)

// newMuxLayer listens on bind; adv is the address this node advertises to
// its peers. dialMap maps a peer's Raft address to the address to dial
// instead (tests put a fault-injecting proxy there).
func newMuxLayer(bind string, adv net.Addr, dialMap map[string]string, log *slog.Logger) (*muxLayer, error) {
	ln, err := net.Listen("tcp", bind)
	if err != nil {
		return nil, fmt.Errorf("node: raft transport on %s: %w", bind, err)
	}
	m := &muxLayer{ln: ln, adv: adv, dialMap: dialMap, log: log,
		handlers: map[byte]MuxHandler{}, raftCh: make(chan net.Conn), done: make(chan struct{})}
	go m.acceptLoop()
	return m, nil
}

// Handle registers the handler of a pikaraft protocol selector byte.
func (m *muxLayer) Handle(selector byte, h MuxHandler) error {
	if selector < MuxPeerInfo || selector >= muxReserved {
		return fmt.Errorf("node: mux selector %#x is not in pikaraft's range", selector)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.handlers[selector] = h
	return nil
}

func (m *muxLayer) acceptLoop() {
	for {
		c, err := m.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			m.Close()
			return
		}
		go m.route(c)
	}
}

// route reads the first byte and hands the connection to its protocol.
func (m *muxLayer) route(c net.Conn) {
	br := bufio.NewReader(c)
	_ = c.SetReadDeadline(time.Now().Add(muxPeekTimeout))
	first, err := br.Peek(1)
	_ = c.SetReadDeadline(time.Time{})
	if err != nil {
		c.Close()
		return
	}
	if first[0] >= MuxPeerInfo && first[0] < muxReserved {
		_, _ = br.ReadByte()
		m.mu.Lock()
		h := m.handlers[first[0]]
		m.mu.Unlock()
		if h == nil {
			m.log.Debug("raft port: unknown protocol selector", "selector", first[0], "from", c.RemoteAddr())
			c.Close()
			return
		}
		h(&bufferedConn{Conn: c, r: br})
		return
	}
	select {
	case m.raftCh <- &bufferedConn{Conn: c, r: br}:
	case <-m.done:
		c.Close()
	}
}

// Accept returns the next Raft connection.
func (m *muxLayer) Accept() (net.Conn, error) {
	select {
	case c := <-m.raftCh:
		return c, nil
	case <-m.done:
		return nil, errors.New("node: raft transport closed")
	}
}

// Close stops listening.
func (m *muxLayer) Close() error {
	var err error
	m.once.Do(func() {
		close(m.done)
		err = m.ln.Close()
	})
	return err
}

// Addr is the advertised address (what peers put in the configuration).
func (m *muxLayer) Addr() net.Addr { return m.adv }

// Dial connects to a peer's Raft port, through its dial-map entry if any.
func (m *muxLayer) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	return m.dial(string(address), timeout)
}

// DialProtocol connects to a peer's Raft port and selects a pikaraft
// protocol on it.
func (m *muxLayer) DialProtocol(address string, selector byte, timeout time.Duration) (net.Conn, error) {
	c, err := m.dial(address, timeout)
	if err != nil {
		return nil, err
	}
	_ = c.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := c.Write([]byte{selector}); err != nil {
		c.Close()
		return nil, fmt.Errorf("node: select protocol on %s: %w", address, err)
	}
	_ = c.SetWriteDeadline(time.Time{})
	return c, nil
}

func (m *muxLayer) dial(address string, timeout time.Duration) (net.Conn, error) {
	target := address
	if via, ok := m.dialMap[address]; ok {
		target = via
	}
	d := net.Dialer{Timeout: timeout}
	return d.Dial("tcp", target)
}

// bufferedConn is a connection whose first bytes were read into r.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (b *bufferedConn) Read(p []byte) (int, error) { return b.r.Read(p) }
