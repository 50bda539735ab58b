package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// raft-tcp-congestion is cubic by default, comes from pika.conf (empty: the
// system's), and a value that is not an algorithm name stops the start.
func TestRaftTCPCongestionSetting(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "pika.conf")
	congestion := func(file string) (string, error) {
		t.Helper()
		args := []string{"--data-dir", filepath.Join(dir, "d"), "--node-id", "n1"}
		if file != "" {
			require.NoError(t, os.WriteFile(conf, []byte(file), 0o644))
			args = append(args, "-c", conf)
		}
		s, err := parseFlags(args)
		require.NoError(t, err)
		nc, err := s.nodeConfig("n1")
		return nc.RaftTCPCongestion, err
	}
	got, err := congestion("")
	require.NoError(t, err)
	require.Equal(t, "cubic", got)
	got, err = congestion("raft-tcp-congestion : reno\n")
	require.NoError(t, err)
	require.Equal(t, "reno", got)
	got, err = congestion("raft-tcp-congestion :\n")
	require.NoError(t, err)
	require.Equal(t, "", got)
	_, err = congestion("raft-tcp-congestion : cubic;rm\n")
	require.ErrorContains(t, err, "raft-tcp-congestion")
}
