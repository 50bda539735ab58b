package main

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFlagsOverrideConfigAndPathsFollowDataDir(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "pika.conf")
	require.NoError(t, os.WriteFile(conf, []byte("port : 9500\ndatabases : 3\ndump-path : /srv/dump/\nraft-port : 12000\n"), 0o644))
	s, err := parseFlags([]string{"-c", conf, "--port", "9300", "--data-dir", filepath.Join(dir, "d"), "--node-id", "n7"})
	require.NoError(t, err)
	require.Equal(t, 9300, s.port)
	require.Equal(t, filepath.Join(dir, "d", "db"), s.dbPath)
	require.Equal(t, filepath.Join(dir, "d", "raft"), s.raftDir)
	require.Equal(t, "/srv/dump/", s.conf.String("dump-path"))
	require.Equal(t, filepath.Join(dir, "d", "log")+"/", s.conf.String("log-path"))
	id, err := s.nodeID()
	require.NoError(t, err)
	require.Equal(t, "n7", id)
	nc, err := s.nodeConfig(id)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:12000", nc.RaftBind)
	require.Equal(t, 3, nc.Engine.Databases)
	require.True(t, nc.Bootstrap)
}

func TestGeneratedNodeIDIsKept(t *testing.T) {
	dir := t.TempDir()
	s, err := parseFlags([]string{"--data-dir", dir})
	require.NoError(t, err)
	require.Equal(t, 9221, s.port)
	id, err := s.nodeID()
	require.NoError(t, err)
	require.Regexp(t, `^node-[0-9a-f]{12}$`, id)
	s2, err := parseFlags([]string{"--data-dir", dir})
	require.NoError(t, err)
	id2, err := s2.nodeID()
	require.NoError(t, err)
	require.Equal(t, id, id2)
	nc, err := s2.nodeConfig(id2)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:12221", nc.RaftBind)
}

func TestBadInput(t *testing.T) {
	_, err := parseFlags([]string{"--help"})
	require.True(t, errors.Is(err, flag.ErrHelp))
	conf := filepath.Join(t.TempDir(), "pika.conf")
	require.NoError(t, os.WriteFile(conf, []byte("# ok\nport 9500\n"), 0o644))
	_, err = parseFlags([]string{"-c", conf})
	require.ErrorContains(t, err, "line 2")
	_, err = parseFlags([]string{"--port", "70000"})
	require.ErrorContains(t, err, "--port")
	_, err = newLogger("loud")
	require.Error(t, err)
}
