package fsm

import (
	"bytes"
	"io"
	"path/filepath"
	"testing"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/resp/command"
)

const t0 = 1_700_000_000_000

// applyFwd applies cmds forwarded by client with sequence seq as the entry
// at index, and returns the replies.
func applyFwd(t *testing.T, f *FSM, index, client, seq uint64, now int64, cmds ...[][]byte) []command.Reply {
	t.Helper()
	e := Entry{LeaderTimeMs: now, Cmds: cmds, ClientID: client, Seq: seq, HasClient: true}
	out := f.ApplyBatch([]*raft.Log{cmdLog(index, e)})
	r, ok := out[0].([]command.Reply)
	require.True(t, ok, "apply response %T", out[0])
	return r
}

func get(t *testing.T, f *FSM, key string) string {
	t.Helper()
	eng, release := f.AcquireEngine()
	defer release()
	db, err := eng.DB(0)
	require.NoError(t, err)
	r := command.Commands.Exec(&command.Ctx{Engine: eng, DB: db, NowMs: f.LeaderTimeMs()}, argv("get", key))
	return string(r.Bulk)
}

func TestDedupAppliesARetryOnce(t *testing.T) {
	dir := t.TempDir()
	f := openFSM(t, dir)
	incr := argv("incr", "ctr")
	push := argv("rpush", "l", "x")

	first := applyFwd(t, f, 1, 7, 1, t0, incr, push)
	require.Equal(t, []command.Reply{{Type: command.TypeInt, Int: 1}, {Type: command.TypeInt, Int: 1}}, first)
	// The retry (same client, same sequence) at a later index: no effect,
	// the original replies.
	require.Equal(t, first, applyFwd(t, f, 2, 7, 1, t0+10, incr, push))
	require.Equal(t, "1", get(t, f, "ctr"))
	// Another client with the same sequence is not a duplicate.
	require.Equal(t, int64(2), applyFwd(t, f, 3, 8, 1, t0+20, incr)[0].Int)
	// The next sequence applies; an older one is refused, not applied.
	require.Equal(t, int64(3), applyFwd(t, f, 4, 7, 2, t0+30, incr)[0].Int)
	stale := applyFwd(t, f, 5, 7, 1, t0+40, incr)
	require.Equal(t, command.TypeError, stale[0].Type)
	require.Contains(t, stale[0].Str, "stale forwarded request")
	require.Equal(t, "3", get(t, f, "ctr"))
	// Writes without a client ID are never deduplicated.
	out := f.ApplyBatch([]*raft.Log{cmdLog(6, Entry{LeaderTimeMs: t0 + 50, Cmds: [][][]byte{incr}}), cmdLog(7, Entry{LeaderTimeMs: t0 + 50, Cmds: [][][]byte{incr}})})
	require.Equal(t, int64(5), out[1].([]command.Reply)[0].Int)

	// The table is replicated state: it survives a snapshot install on
	// another node...
	b := openFSM(t, t.TempDir())
	require.NoError(t, b.Restore(io.NopCloser(bytes.NewReader(snapshotBytes(t, f)))))
	require.Equal(t, []command.Reply{{Type: command.TypeInt, Int: 3}}, applyFwd(t, b, 8, 7, 2, t0+60, incr))
	require.Equal(t, []command.Reply{{Type: command.TypeInt, Int: 2}}, applyFwd(t, b, 9, 8, 1, t0+60, incr))
	require.Equal(t, "5", get(t, b, "ctr"))
	require.Equal(t, int64(6), applyFwd(t, b, 10, 7, 3, t0+70, incr)[0].Int)

	// ...and a restart of the same node (the engine persists it, and a
	// replayed entry is skipped by position).
	require.NoError(t, f.Close())
	eng, err := OpenEngine(filepath.Join(dir, "db"), engine.Options{})
	require.NoError(t, err)
	f2 := New(eng, Config{Path: filepath.Join(dir, "db"), Logger: quiet})
	t.Cleanup(func() { _ = f2.Close() })
	require.Equal(t, []command.Reply{{Type: command.TypeInt, Int: 3}}, applyFwd(t, f2, 4, 7, 2, t0+30, incr))
	require.Equal(t, []command.Reply{{Type: command.TypeInt, Int: 3}}, applyFwd(t, f2, 8, 7, 2, t0+60, incr))
	require.Equal(t, "5", get(t, f2, "ctr"))
}

func TestDedupRecordsExpire(t *testing.T) {
	f := openFSM(t, t.TempDir())
	incr := argv("incr", "ctr")
	require.Equal(t, int64(1), applyFwd(t, f, 1, 7, 1, t0, incr)[0].Int)
	// A record older than the retention is ignored by every node alike...
	late := int64(t0 + DedupRetentionMs + 1)
	require.Equal(t, int64(2), applyFwd(t, f, 2, 7, 1, late, incr)[0].Int)
	_, err := f.Engine().GetMeta(dedupKey(7))
	require.NoError(t, err)
	// ...and swept when the index crosses a sweep boundary.
	require.Equal(t, int64(3), applyFwd(t, f, 3, 9, 1, late, incr)[0].Int)
	sweep := uint64(dedupGCEvery)
	out := f.ApplyBatch([]*raft.Log{cmdLog(sweep, Entry{LeaderTimeMs: late + DedupRetentionMs + 1, Cmds: [][][]byte{argv("get", "ctr")}})})
	require.Equal(t, "3", string(out[0].([]command.Reply)[0].Bulk))
	for _, client := range []uint64{7, 9} {
		_, err := f.Engine().GetMeta(dedupKey(client))
		require.ErrorIs(t, err, engine.ErrNotFound, "client %d", client)
	}
}

func TestReplyCodecRoundTrip(t *testing.T) {
	replies := []command.Reply{
		command.OK(),
		command.Err("ERR syntax error"),
		{Type: command.TypeNil},
		{Type: command.TypeBulk, Bulk: []byte{}},
		{Type: command.TypeBulk, Bulk: []byte("v\x00\xff")},
		{Type: command.TypeInt, Int: -42},
		{Type: command.TypeDouble, Float: 3.25},
		{Type: command.TypeArray, Elems: []command.Reply{
			{Type: command.TypeBulk, Bulk: []byte("a")},
			{Type: command.TypeArray, Elems: []command.Reply{{Type: command.TypeNil}}},
		}},
	}
	got, err := DecodeReplies(EncodeReplies(replies))
	require.NoError(t, err)
	require.Equal(t, replies, got)
	require.Nil(t, got[2].Bulk)
	require.NotNil(t, got[3].Bulk)

	enc := EncodeReplies(replies)
	for i := 0; i < len(enc); i++ {
		_, err := DecodeReplies(enc[:i])
		require.Error(t, err, "truncated at %d", i)
	}
}

func FuzzDecodeReplies(f *testing.F) {
	f.Add(EncodeReplies([]command.Reply{command.OK(), {Type: command.TypeArray, Elems: []command.Reply{command.OK()}}}))
	f.Add([]byte{1, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeReplies(data)
		if err == nil {
			require.Equal(t, r, mustDecode(t, EncodeReplies(r)))
		}
	})
}

func mustDecode(t *testing.T, b []byte) []command.Reply {
	r, err := DecodeReplies(b)
	require.NoError(t, err)
	return r
}
