package node

import (
	"encoding/gob"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestRPCIsNotServedBeforeRaftStarts: the mux accepts peer connections
// while Open is still creating Raft; a forwarded write arriving then must
// wait (here: give up), not run against a nil Raft. (Found by jepsen-lite:
// a restarted former leader crashed with a nil pointer dereference in
// IsLeader when a peer forwarded a write to it during start-up.)
func TestRPCIsNotServedBeforeRaftStarts(t *testing.T) {
	n := &Node{cfg: Config{WriteTimeout: 300 * time.Millisecond}, started: make(chan struct{})}
	client, server := net.Pipe()
	defer client.Close()
	done := make(chan struct{})
	go func() { n.serveRPC(server); close(done) }()
	go func() { _ = gob.NewEncoder(client).Encode(&rpcRequest{Op: opForward, ClientID: 1, Seq: 1}) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("serveRPC neither served nor gave up")
	}
	// Nothing was answered: the connection was closed unanswered.
	_ = client.SetReadDeadline(time.Now().Add(time.Second))
	var resp rpcResponse
	require.Error(t, gob.NewDecoder(client).Decode(&resp))
}
