package info

import (
	"testing"

	"github.com/stretchr/testify/require"
)

type classicList []ClassicReplica

func (c classicList) ClassicReplicas() []ClassicReplica { return c }

// TestInfoClassicReplicas: classic replicas attached through Pika's
// protocol are listed as slaves in Pika's line format, after the Raft
// followers on a leader, and on a follower too.
func TestInfoClassicReplicas(t *testing.T) {
	f := newFixture(t)
	f.info.SetClassic(classicList{{IP: "10.0.0.9", Port: 9221, ConnFD: 7, Lags: []ClassicLag{{0, 0}, {1, 120}}}})
	kv := fields(f.render(t, "replication"))
	require.Equal(t, "2", kv["connected_slaves"])
	require.Equal(t, "ip=127.0.0.1,port=9510,conn_fd=0,lag=(db0:7)(db1:7)", kv["slave0"])
	require.Equal(t, "ip=10.0.0.9,port=9221,conn_fd=7,lag=(db0:0)(db1:120)", kv["slave1"])

	f.raft.st = RaftStatus{State: "follower", Term: 4, LeaderID: "n2", LeaderHost: "127.0.0.1", LeaderPort: 9510}
	kv = fields(f.render(t, "replication"))
	require.Equal(t, "slave", kv["role"])
	require.Equal(t, "1", kv["connected_slaves"])
	require.Equal(t, "ip=10.0.0.9,port=9221,conn_fd=7,lag=(db0:0)(db1:120)", kv["slave0"])

	f.info.SetClassic(nil)
	require.NotContains(t, f.render(t, "replication"), "connected_slaves")
}
