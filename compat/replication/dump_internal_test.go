package replication

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type mapSettings map[string]string

func (m mapSettings) String(k string) string { return m[k] }
func (m mapSettings) Int(k string, def int64) int64 {
	v, err := strconv.ParseInt(m[k], 10, 64)
	if err != nil {
		return def
	}
	return v
}

// TestDumpExpire: dumps older than dump-expire days go, the current one
// and anything while a replica is in full sync stay, 0 keeps everything.
func TestDumpExpire(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"pk20261101", "pk20261119", "pk20261120", "pk20261122", "other20200101", "pkjunk"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, n, "db0"), 0o755))
	}
	set := mapSettings{"dump-expire": "0"}
	busy := false
	cfg := &Config{DumpPath: dir, DumpPrefix: "pk", Settings: set, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return time.Date(2026, 11, 22, 15, 0, 0, 0, time.Local) }}
	d := newDumps(cfg, func() bool { return busy })
	d.cur = &dump{name: "pk20261101"}
	require.Empty(t, d.expire(), "dump-expire 0 keeps every dump")
	set["dump-expire"] = "2"
	busy = true
	require.Empty(t, d.expire(), "never during a full sync")
	busy = false
	require.Equal(t, []string{"pk20261119", "pk20261120"}, d.expire())
	left, err := filepath.Glob(filepath.Join(dir, "*"))
	require.NoError(t, err)
	var names []string
	for _, l := range left {
		names = append(names, filepath.Base(l))
	}
	require.ElementsMatch(t, []string{"pk20261101", "pk20261122", "other20200101", "pkjunk"}, names)
}
