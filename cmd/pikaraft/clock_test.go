package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestClockOffsetFromConfig(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "pika.conf")
	require.NoError(t, os.WriteFile(conf, []byte("clock-offset-ms : -90000\n"), 0o644))
	s, err := parseFlags([]string{"-c", conf, "--data-dir", dir})
	require.NoError(t, err)
	clock := skewedClock(s.conf.Int("clock-offset-ms", 0))
	require.NotNil(t, clock)
	require.InDelta(t, time.Now().UnixMilli()-90000, clock(), 1000)

	s, err = parseFlags([]string{"--data-dir", dir})
	require.NoError(t, err)
	require.Nil(t, skewedClock(s.conf.Int("clock-offset-ms", 0)), "no offset: the node's default clock")
}
