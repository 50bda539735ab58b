package fsm

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/raft"
	"github.com/linxGnu/grocksdb"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/engine"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// seedRaw writes n raw records into db0's strings instance at path, with
// the applied position {index, 0}, as a previous run would have left them.
// It bypasses the engine so the FSM tests do not depend on command code.
func seedRaw(t *testing.T, path string, n int, index uint64) {
	t.Helper()
	opts := grocksdb.NewDefaultOptions()
	defer opts.Destroy()
	opts.SetCreateIfMissing(true)
	opts.SetCreateIfMissingColumnFamilies(true)
	dir := filepath.Join(path, "db0", "strings")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	db, cfs, err := grocksdb.OpenDbColumnFamilies(opts, dir,
		[]string{"default", engine.AppliedCF}, []*grocksdb.Options{opts, opts})
	require.NoError(t, err)
	wo := grocksdb.NewDefaultWriteOptions()
	defer wo.Destroy()
	for i := 0; i < n; i++ {
		// Pika string value: payload then a 4-byte little-endian expiry (0).
		require.NoError(t, db.PutCF(wo, cfs[0], []byte(fmt.Sprintf("key%05d", i)),
			append([]byte(fmt.Sprintf("value-%d", i)), 0, 0, 0, 0)))
	}
	pos := make([]byte, 12)
	binary.LittleEndian.PutUint64(pos, index)
	require.NoError(t, db.PutCF(wo, cfs[1], []byte("applied"), pos))
	for _, h := range cfs {
		h.Destroy()
	}
	db.Close()
}

// openFSM opens an engine at dir/db and an FSM on it; both close at test end.
func openFSM(t testing.TB, dir string) *FSM { return openFSMWith(t, dir, engine.Options{}) }

// openFSMWith is openFSM with engine options.
func openFSMWith(t testing.TB, dir string, opts engine.Options) *FSM {
	t.Helper()
	path := filepath.Join(dir, "db")
	eng, err := OpenEngine(path, opts)
	require.NoError(t, err)
	f := New(eng, Config{Path: path, Options: opts, Logger: quiet})
	t.Cleanup(func() { _ = f.Engine().Close() })
	return f
}

// dump returns every record of the engine in a printable form.
func dump(t *testing.T, e *engine.Engine) []string {
	t.Helper()
	var out []string
	require.NoError(t, e.Dump(func(db int, k engine.Kind, cf int, key, value []byte) error {
		out = append(out, fmt.Sprintf("db%d/%s/%d %q=%q", db, k, cf, key, value))
		return nil
	}))
	return out
}

// memSink is a raft.SnapshotSink into memory.
type memSink struct {
	bytes.Buffer
	closed, cancelled bool
}

func (s *memSink) ID() string    { return "mem" }
func (s *memSink) Close() error  { s.closed = true; return nil }
func (s *memSink) Cancel() error { s.cancelled = true; return nil }

// snapshotBytes takes a snapshot of f and returns the archive.
func snapshotBytes(t *testing.T, f *FSM) []byte {
	t.Helper()
	snap, err := f.Snapshot()
	require.NoError(t, err)
	defer snap.Release()
	sink := &memSink{}
	require.NoError(t, snap.Persist(sink))
	require.True(t, sink.closed)
	return sink.Bytes()
}

var _ raft.SnapshotSink = (*memSink)(nil)
