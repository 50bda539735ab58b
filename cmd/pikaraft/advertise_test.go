package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRaftAdvertiseFlag: --raft-advertise overrides pika.conf's key and
// decides the addresses other nodes and clients are given when the node
// listens on every interface.
func TestRaftAdvertiseFlag(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "pika.conf")
	require.NoError(t, os.WriteFile(conf, []byte("raft-advertise : 10.0.0.9:12221\n"), 0o644))
	s, err := parseFlags([]string{"-c", conf, "--data-dir", dir, "--bind", "0.0.0.0",
		"--raft-advertise", "10.1.2.3:12221", "--node-id", "n1", "--bootstrap-expect", "3"})
	require.NoError(t, err)
	nc, err := s.nodeConfig("n1")
	require.NoError(t, err)
	require.Equal(t, "0.0.0.0:12221", nc.RaftBind)
	require.Equal(t, "10.1.2.3:12221", nc.RaftAdvertise)
	require.Equal(t, "10.1.2.3:9221", nc.ClientAddr)
	require.Equal(t, "10.1.2.3:13221", nc.Membership.GossipAdvertise)
	require.Equal(t, "0.0.0.0:13221", nc.Membership.GossipBind)
	require.False(t, nc.Bootstrap, "bootstrap-expect 3 waits for the others")

	_, err = parseFlags([]string{"--data-dir", dir, "--raft-advertise", "10.1.2.3:99999"})
	require.Error(t, err)
}
