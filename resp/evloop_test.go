package resp

import (
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// readyCluster is a testCluster that tells the event loop whether reads
// need no wait.
type readyCluster struct {
	*testCluster
	ready atomic.Bool
}

func (rc *readyCluster) ReadsReady(bool) bool { return rc.ready.Load() }

// startLoopServer starts a server whose connections begin on the event loop.
func startLoopServer(t *testing.T, cfg ServerConfig) (*testServer, *readyCluster) {
	t.Helper()
	testStore.Lock()
	clear(testStore.m)
	testStore.Unlock()
	rc := &readyCluster{testCluster: &testCluster{eng: sharedEngine}}
	rc.ready.Store(true)
	cfg.EventLoop = true
	return serveTest(t, cfg, rc, rc.testCluster), rc
}

// onLoop reports, for every open connection in id order, whether the event
// loop still serves it.
func onLoop(s *Server) []bool {
	var out []bool
	for _, c := range s.clients() {
		sock, ok := c.nc.(*loopSocket)
		out = append(out, ok && sock.handedOver() == nil)
	}
	return out
}

func TestEventLoopRunsFastReadsAndHandsOverTheRest(t *testing.T) {
	ts, rc := startLoopServer(t, ServerConfig{})
	writer := ts.dial(t)
	require.Equal(t, "+OK\r\n", writer.do("SET", "k", "v1"))
	reader := ts.dial(t)
	require.Equal(t, "$2\r\nv1\r\n", reader.do("GET", "k"))
	// The writer was handed over at its SET; the reader stays on the loop.
	require.Equal(t, []bool{false, true}, onLoop(ts.srv))

	// Pipelined reads, one command split over two writes.
	reader.send(encodeCommand("GET", "k") + encodeCommand("EXISTS", "k") + "*2\r\n$3\r\nGE")
	time.Sleep(20 * time.Millisecond)
	reader.send("T\r\n$7\r\nmissing\r\n")
	require.Equal(t, "$2\r\nv1\r\n", reader.read())
	require.Equal(t, ":1\r\n", reader.read())
	require.Equal(t, "$-1\r\n", reader.read())
	require.Equal(t, []bool{false, true}, onLoop(ts.srv))

	// A write on the reader hands it over; it goes on answering.
	require.Equal(t, "+OK\r\n", reader.do("SET", "k", "v2"))
	require.Equal(t, "$2\r\nv2\r\n", reader.do("GET", "k"))
	require.Equal(t, []bool{false, false}, onLoop(ts.srv))

	// While reads would wait, a new connection's first read hands it over.
	rc.ready.Store(false)
	third := ts.dial(t)
	require.Equal(t, "$2\r\nv2\r\n", third.do("GET", "k"))
	require.Equal(t, []bool{false, false, false}, onLoop(ts.srv))
}

func TestEventLoopHandsOverAReplyTheSocketDoesNotTake(t *testing.T) {
	ts, _ := startLoopServer(t, ServerConfig{})
	big := strings.Repeat("x", 8<<20)
	require.Equal(t, "+OK\r\n", ts.dial(t).do("SET", "big", big))
	c := ts.dial(t)
	// Two GETs in one write, read only after both replies are queued: the
	// socket cannot take 16 MB at once.
	c.send(encodeCommand("GET", "big") + encodeCommand("GET", "big"))
	time.Sleep(100 * time.Millisecond)
	want := "$" + "8388608" + "\r\n" + big + "\r\n"
	require.Equal(t, want, c.read())
	require.Equal(t, want, c.read())
	require.Equal(t, "$-1\r\n", c.do("GET", "nothing"))
	require.Equal(t, []bool{false, false}, onLoop(ts.srv))
}

func TestEventLoopClientKillAndQuit(t *testing.T) {
	ts, _ := startLoopServer(t, ServerConfig{})
	victim := ts.dial(t)
	require.Equal(t, "$-1\r\n", victim.do("GET", "never-set"))
	require.Equal(t, []bool{true}, onLoop(ts.srv))
	id := ts.srv.clients()[0].ID()

	admin := ts.dial(t)
	require.Equal(t, ":1\r\n", admin.do("CLIENT", "KILL", "ID", itoa(int(id))))
	victim.readEOF()
	require.Eventually(t, func() bool { return len(ts.srv.clients()) == 1 }, 5*time.Second, 10*time.Millisecond)

	// A connection the loop serves, closed by the client.
	gone := ts.dial(t)
	require.Equal(t, "$-1\r\n", gone.do("GET", "never-set"))
	gone.nc.Close()
	require.Eventually(t, func() bool { return len(ts.srv.clients()) == 1 }, 5*time.Second, 10*time.Millisecond)
}

func TestEventLoopCloseEndsLoopConnections(t *testing.T) {
	ts, _ := startLoopServer(t, ServerConfig{})
	c := ts.dial(t)
	require.Equal(t, "$-1\r\n", c.do("GET", "never-set"))
	require.Equal(t, []bool{true}, onLoop(ts.srv))
	require.NoError(t, ts.srv.Close())
	c.readEOF()
	_, err := net.DialTimeout("tcp", ts.addr, time.Second)
	require.Error(t, err, "the listener is closed")
}

func TestEventLoopMaxClients(t *testing.T) {
	ts, _ := startLoopServer(t, ServerConfig{MaxClients: 1})
	first := ts.dial(t)
	require.Equal(t, "$-1\r\n", first.do("GET", "never-set"))
	second := ts.dial(t)
	require.Equal(t, "-ERR max number of clients reached\r\n", second.read())
	second.readEOF()
}
