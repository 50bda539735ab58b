package resp

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/stretchr/testify/require"
)

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	server = <-accepted
	require.NotNil(t, server)
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

// allocCluster is a testCluster whose ReadTime and AcquireEngine allocate
// nothing (as node.Node's do on a single node), so that a test counts
// only the server's own allocations.
type allocCluster struct {
	testCluster
	release func()
}

func (a *allocCluster) ReadTime(context.Context, bool) (int64, error) {
	return time.Now().UnixMilli(), nil
}

func (a *allocCluster) AcquireEngine() (*engine.Engine, func()) { return a.eng, a.release }

// getAllocs returns the allocations of one non-pipelined request on a
// client connection: read buffer to reply written to the socket.
func getAllocs(t *testing.T, args ...string) (float64, string) {
	ac := &allocCluster{testCluster: testCluster{eng: sharedEngine}, release: func() {}}
	srv, err := NewServer(ServerConfig{}, ac, newMemConfig())
	require.NoError(t, err)
	defer srv.Close()
	s, cl := tcpPair(t)
	c := newConn(srv, s, 1)
	req := []byte(encodeCommand(args...))
	allocs := testing.AllocsPerRun(500, func() {
		c.rd.Feed(req)
		require.True(t, c.process())
	})
	// The reply reached the client (the last of 501: AllocsPerRun warms up once).
	buf := make([]byte, 64)
	require.NoError(t, cl.SetReadDeadline(time.Now().Add(5*time.Second)))
	n, err := cl.Read(buf)
	require.NoError(t, err)
	return allocs, string(buf[:n])
}

// A GET costs the server no allocation of its own: not the handler
// context, the engine guard, argv, the reply buffer, the command stats or
// the socket calls. What remains is grocksdb's (its error out-parameter
// and pinnable-slice handle per lookup, and the value length out-parameter
// on a hit) and the copy of a found value.
func TestGetDispatchAllocations(t *testing.T) {
	d, err := sharedEngine.DB(0)
	require.NoError(t, err)
	_, err = d.Set(engine.Writer{NowMs: time.Now().UnixMilli()}, []byte("allocs:key"), []byte("value"), engine.SetOptions{})
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = d.Del(engine.Writer{NowMs: time.Now().UnixMilli()}, []byte("allocs:key"))
	})

	miss, reply := getAllocs(t, "GET", "allocs:missing")
	require.Equal(t, "$-1\r\n", reply[:5])
	require.LessOrEqual(t, miss, 2.0, "GET of a missing key: only grocksdb's two allocations")

	hit, reply := getAllocs(t, "GET", "allocs:key")
	require.Equal(t, "$5\r\nvalue\r\n", reply[:11])
	require.LessOrEqual(t, hit, 4.0, "GET of a present key: grocksdb's three and the value copy")
}
