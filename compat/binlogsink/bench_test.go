package binlogsink_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/compat/binlogsink"
	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/fsm"
	"github.com/pikaraft/pikaraft/resp/command"
)

// BenchmarkObserveSet is the binlog's own cost per applied SET entry (one
// command, 64-byte value): what the FSM pays on top of executing it —
// the canonical form, the journal copy, the append to the writer and, once
// per batch of 64, the write to the file.
//
//	go test ./compat/binlogsink -run '^$' -bench ObserveSet -benchtime 200000x
func BenchmarkObserveSet(b *testing.B) {
	dir := b.TempDir()
	eng, err := fsm.OpenEngine(filepath.Join(dir, "db"), engine.Options{})
	require.NoError(b, err)
	defer eng.Close()
	s, err := binlogsink.Open(binlogsink.Config{LogPath: filepath.Join(dir, "log"), Databases: 1, Logger: quiet})
	require.NoError(b, err)
	defer s.Close()
	db, err := eng.DB(0)
	require.NoError(b, err)
	value := make([]byte, 64)
	keys := make([][]byte, 1024)
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("key:%012d", i))
	}
	ok := command.OK()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		idx := uint64(i + 1)
		now := baseMs + int64(i)
		s.BeginEntry(eng, 1, idx, now, 0)
		c := &command.Ctx{Engine: eng, DB: db, W: engine.Writer{Pos: engine.Pos{Index: idx}, NowMs: now}, NowMs: now}
		s.Command(c, [][]byte{[]byte("SET"), keys[i%len(keys)], value}, ok)
		s.EndEntry()
		if i%64 == 63 {
			s.EndBatch()
		}
	}
	s.EndBatch()
}
