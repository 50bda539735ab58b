package node

import (
	"bytes"
	"testing"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"
)

// missStore counts reads that reach the underlying store.
type missStore struct {
	*raft.InmemStore
	misses int
}

func (m *missStore) GetLog(idx uint64, log *raft.Log) error {
	m.misses++
	return m.InmemStore.GetLog(idx, log)
}

func entries(from, to uint64, size int) []*raft.Log {
	var out []*raft.Log
	for i := from; i <= to; i++ {
		out = append(out, &raft.Log{Index: i, Term: 1, Data: bytes.Repeat([]byte{byte(i)}, size)})
	}
	return out
}

func TestLogCacheBoundedByBytesAndEntries(t *testing.T) {
	store := &missStore{InmemStore: raft.NewInmemStore()}
	c, err := newLogCache(store, 8, 1000)
	require.NoError(t, err)
	require.NoError(t, c.StoreLogs(entries(1, 20, 100))) // 10 fit by bytes, 8 by entries
	require.LessOrEqual(t, c.bytes, int64(1000))

	var l raft.Log
	for i := uint64(13); i <= 20; i++ { // the newest 8 come from the cache
		require.NoError(t, c.GetLog(i, &l))
		require.Equal(t, i, l.Index)
	}
	require.Zero(t, store.misses)
	require.NoError(t, c.GetLog(12, &l)) // older ones from the store
	require.Equal(t, uint64(12), l.Index)
	require.Equal(t, 1, store.misses)

	require.NoError(t, c.StoreLogs(entries(21, 23, 400))) // 1200 bytes: only the newest two fit
	require.LessOrEqual(t, c.bytes, int64(1000))
	store.misses = 0
	require.NoError(t, c.GetLog(23, &l))
	require.NoError(t, c.GetLog(22, &l))
	require.Zero(t, store.misses)
	require.NoError(t, c.GetLog(21, &l))
	require.Equal(t, 1, store.misses)

	require.NoError(t, c.StoreLog(entries(24, 24, 5000)[0])) // larger than the cache: not kept
	require.Zero(t, c.bytes)
	require.NoError(t, c.GetLog(24, &l))
	require.Equal(t, 2, store.misses)
	require.Equal(t, 5000, len(l.Data))
}

func TestLogCacheForgetsDeletedEntries(t *testing.T) {
	store := &missStore{InmemStore: raft.NewInmemStore()}
	c, err := newLogCache(store, 16, 1<<20)
	require.NoError(t, err)
	require.NoError(t, c.StoreLogs(entries(1, 10, 10)))
	require.NoError(t, c.DeleteRange(6, 10)) // a follower truncating a conflicting suffix
	var l raft.Log
	require.Error(t, c.GetLog(8, &l))
	replaced := entries(6, 7, 10)
	replaced[0].Term, replaced[1].Term = 2, 2
	require.NoError(t, c.StoreLogs(replaced))
	require.NoError(t, c.GetLog(7, &l))
	require.Equal(t, uint64(2), l.Term)
	last, err := c.LastIndex()
	require.NoError(t, err)
	require.Equal(t, uint64(7), last)
}
