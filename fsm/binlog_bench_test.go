package fsm

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/compat/binlogsink"
)

// BenchmarkApplySet measures apply throughput of SET entries in batches of
// 64 (what raft hands a busy FSM), without and with the Pika binlog. One
// op is one entry of cmdsPerEntry SETs of a 64-byte value.
//
//	go test ./fsm -run '^$' -bench ApplySet -benchtime 20000x -count 3
func BenchmarkApplySet(b *testing.B) {
	for _, perEntry := range []int{1, 32} {
		for _, on := range []bool{false, true} {
			b.Run(fmt.Sprintf("cmds=%d/binlog=%v", perEntry, on), func(b *testing.B) {
				benchApplySet(b, perEntry, on)
			})
		}
	}
}

func benchApplySet(b *testing.B, perEntry int, binlog bool) {
	dir := b.TempDir()
	f := openFSM(b, dir)
	if binlog {
		sink, err := binlogsink.Open(binlogsink.Config{LogPath: filepath.Join(dir, "log"), Databases: 1, Logger: quiet})
		require.NoError(b, err)
		defer sink.Close()
		f.SetObserver(sink)
	}
	const batch = 64
	value := make([]byte, 64)
	for i := range value {
		value[i] = 'v'
	}
	logs := make([]*raft.Log, 0, batch)
	idx := uint64(0)
	b.SetBytes(int64(perEntry * (len(value) + 16)))
	b.ResetTimer()
	for n := 0; n < b.N; {
		logs = logs[:0]
		for ; len(logs) < batch && n < b.N; n++ {
			idx++
			cmds := make([][][]byte, perEntry)
			for c := range cmds {
				cmds[c] = [][]byte{[]byte("SET"), []byte(fmt.Sprintf("key:%012d", int(idx)*perEntry+c)), value}
			}
			data := (&Entry{Cmds: cmds, LeaderTimeMs: 1795320000000 + int64(idx), Seed: idx}).Encode()
			logs = append(logs, &raft.Log{Index: idx, Term: 1, Type: raft.LogCommand, Data: data})
		}
		f.ApplyBatch(logs)
	}
}
