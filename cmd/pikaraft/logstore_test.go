package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// raft-log-store comes from pika.conf, the flag wins, wal is the default,
// and anything else is refused before the node starts.
func TestRaftLogStoreSetting(t *testing.T) {
	dir := t.TempDir()
	logStore := func(args ...string) string {
		t.Helper()
		s, err := parseFlags(append([]string{"--data-dir", filepath.Join(dir, "d"), "--node-id", "n1"}, args...))
		require.NoError(t, err)
		nc, err := s.nodeConfig("n1")
		require.NoError(t, err)
		return nc.LogStore
	}
	require.Equal(t, "wal", logStore())
	require.Equal(t, "bolt", logStore("--raft-log-store", "bolt"))
	conf := filepath.Join(dir, "pika.conf")
	require.NoError(t, os.WriteFile(conf, []byte("raft-log-store : bolt\n"), 0o644))
	require.Equal(t, "bolt", logStore("-c", conf))
	require.Equal(t, "wal", logStore("-c", conf, "--raft-log-store", "wal"))

	_, err := parseFlags([]string{"--data-dir", dir, "--raft-log-store", "rocks"})
	require.ErrorContains(t, err, "--raft-log-store")
	require.NoError(t, os.WriteFile(conf, []byte("raft-log-store : rocks\n"), 0o644))
	_, err = parseFlags([]string{"--data-dir", dir, "-c", conf})
	require.Error(t, err)
}
