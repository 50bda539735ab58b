package binlogsink_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/compat/binlog"
	"github.com/pikaraft/pikaraft/compat/binlogsink"
	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/fsm"
	"github.com/pikaraft/pikaraft/resp/command"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// baseMs is the cluster time of the first test entry (2026-11-22).
const baseMs = int64(1795320000000)

// node is an FSM with a binlog sink, as a pikaraft process has them.
type node struct {
	dir  string
	eng  *engine.Engine
	fsm  *fsm.FSM
	sink *binlogsink.Sink
}

func openNode(t *testing.T, dir string, fileSize uint64) *node {
	t.Helper()
	path := filepath.Join(dir, "db")
	eng, err := fsm.OpenEngine(path, engine.Options{Databases: 2})
	require.NoError(t, err)
	f := fsm.New(eng, fsm.Config{Path: path, Options: engine.Options{Databases: 2}, Logger: quiet})
	sink, err := binlogsink.Open(binlogsink.Config{LogPath: filepath.Join(dir, "log"), Databases: 2, FileSize: fileSize, Logger: quiet})
	require.NoError(t, err)
	f.SetObserver(sink)
	return &node{dir: dir, eng: eng, fsm: f, sink: sink}
}

// close shuts the node down cleanly.
func (n *node) close(t *testing.T) {
	t.Helper()
	require.NoError(t, n.sink.Close())
	require.NoError(t, n.fsm.Close())
}

// crash closes only the engine: its committed writes survive (as RocksDB's
// WAL does a kill -9), the binlog writers' buffers are lost, the journal
// (a shared mapping) keeps what was copied into it.
func (n *node) crash(t *testing.T) {
	t.Helper()
	require.NoError(t, n.fsm.Close())
}

// entry is one Raft log entry of commands.
type entry struct {
	db   int
	cmds []string
}

func cmds(db int, c ...string) entry { return entry{db: db, cmds: c} }

// logs turns entries into Raft logs from index first, term 3, one second
// of cluster time apart.
func logs(first uint64, es ...entry) []*raft.Log {
	var out []*raft.Log
	for i, e := range es {
		idx := first + uint64(i)
		var argvs [][][]byte
		for _, c := range e.cmds {
			var argv [][]byte
			for _, a := range strings.Fields(c) {
				argv = append(argv, []byte(a))
			}
			argvs = append(argvs, argv)
		}
		data := (&fsm.Entry{DB: e.db, Cmds: argvs, LeaderTimeMs: baseMs + int64(idx)*1000, Seed: idx}).Encode()
		out = append(out, &raft.Log{Index: idx, Term: 3, Type: raft.LogCommand, Data: data})
	}
	return out
}

// item is a decoded binlog item in a comparable form.
type item struct {
	Index    uint64
	Term     uint32
	ExecTime uint32
	Cmd      string
}

// readDB returns every item of db's binlog.
func readDB(t *testing.T, dir string, db int) []item {
	t.Helper()
	bdir := binlog.DBDir(filepath.Join(dir, "log"), db)
	files, err := binlog.ListFiles(bdir)
	require.NoError(t, err)
	if len(files) == 0 {
		return nil
	}
	r, err := binlog.OpenReader(bdir, files[0], 0)
	require.NoError(t, err)
	defer r.Close()
	var out []item
	for {
		it, err := r.Next()
		if errors.Is(err, io.EOF) {
			require.False(t, r.Torn(), "binlog of db%d ends in a torn item", db)
			return out
		}
		require.NoError(t, err)
		argv, err := binlog.ParseRESP(it.Content)
		require.NoError(t, err)
		parts := make([]string, len(argv))
		for i, a := range argv {
			parts[i] = string(a)
		}
		out = append(out, item{it.Index, it.Term, it.ExecTime, strings.Join(parts, " ")})
	}
}

// fileBytes returns the binlog files and manifest of db, by name.
func fileBytes(t *testing.T, dir string, db int) map[string][]byte {
	t.Helper()
	bdir := binlog.DBDir(filepath.Join(dir, "log"), db)
	ents, err := os.ReadDir(bdir)
	require.NoError(t, err)
	out := map[string][]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(bdir, e.Name()))
		require.NoError(t, err)
		out[e.Name()] = b
	}
	return out
}

// replies flattens ApplyBatch's results.
func replies(t *testing.T, res []interface{}) []command.Reply {
	t.Helper()
	var out []command.Reply
	for _, r := range res {
		rs, ok := r.([]command.Reply)
		require.True(t, ok, "entry result %v", r)
		out = append(out, rs...)
	}
	return out
}

// crashAt is an observer that forwards to a sink and makes the process
// "die" (panics out of the FSM) right after the engine committed the
// command at position at, before the sink saw it; a Sub equal to the
// entry's command count dies at the end of the batch instead.
type crashAt struct {
	s  *binlogsink.Sink
	at engine.Pos
	n  int // commands in the entry at.Index
}

type crashed struct{}

func (o *crashAt) BeginEntry(e *engine.Engine, term, index uint64, now int64, db int) {
	o.s.BeginEntry(e, term, index, now, db)
}

func (o *crashAt) Command(c *command.Ctx, argv [][]byte, r command.Reply) {
	if c.W.Pos == o.at {
		panic(crashed{})
	}
	o.s.Command(c, argv, r)
}

func (o *crashAt) EndEntry() { o.s.EndEntry() }

func (o *crashAt) EndBatch() {
	if int(o.at.Sub) >= o.n {
		panic(crashed{})
	}
	o.s.EndBatch()
}

func (o *crashAt) Snapshot() (json.RawMessage, error) { return o.s.Snapshot() }

func (o *crashAt) Restored(index uint64, now int64, st json.RawMessage) {
	o.s.Restored(index, now, st)
}

// applyUntilCrash applies logs with o installed and returns once it "died".
func applyUntilCrash(t *testing.T, f *fsm.FSM, o *crashAt, ls []*raft.Log) {
	t.Helper()
	f.SetObserver(o)
	defer func() {
		_, ok := recover().(crashed)
		require.True(t, ok, "the crash point was never reached")
	}()
	f.ApplyBatch(ls)
}

// requireSameFiles compares two binlog directories item by item (for a
// readable failure), then byte for byte.
func requireSameFiles(t *testing.T, want, got string, db int) {
	t.Helper()
	require.Equal(t, readDB(t, want, db), readDB(t, got, db))
	w, g := fileBytes(t, want, db), fileBytes(t, got, db)
	require.Equal(t, len(w), len(g), "files in log_db%d", db)
	for name, b := range w {
		require.True(t, bytes.Equal(b, g[name]), "log_db%d/%s differs", db, name)
	}
}
