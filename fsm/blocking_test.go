package fsm

import (
	"testing"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/resp/command"
)

// A blocking pop's attempts share one forwarding identity: an empty
// attempt is not remembered (the same identity tries again), one that
// popped is (its retry returns the element, never pops a second one).
func TestBlockingAttemptsShareAnIdentity(t *testing.T) {
	f := openFSM(t, t.TempDir())
	pop := argv("blpop", "q", "0")
	require.Equal(t, []command.Reply{command.NilArray()}, applyFwd(t, f, 1, 5, 1, t0, pop))
	f.ApplyBatch([]*raft.Log{cmdLog(2, Entry{LeaderTimeMs: t0, Cmds: [][][]byte{argv("rpush", "q", "a", "b")}})})
	got := applyFwd(t, f, 3, 5, 1, t0, pop)
	require.Equal(t, []command.Reply{command.Array(command.BulkString("q"), command.BulkString("a"))}, got)
	require.Equal(t, got, applyFwd(t, f, 4, 5, 1, t0, pop), "a retry after the pop returns the same element")

	eng, release := f.AcquireEngine()
	db, err := eng.DB(0)
	require.NoError(t, err)
	n, err := db.LLen([]byte("q"), t0)
	release()
	require.NoError(t, err)
	require.Equal(t, int64(1), n, "b is still there")

	// Applied blocking attempts wake the node's waiters like any write.
	var seen []string
	f.SetOnApply(func(db int, cmds [][][]byte) {
		for _, c := range cmds {
			seen = append(seen, string(c[0]))
		}
	})
	f.ApplyBatch([]*raft.Log{cmdLog(5, Entry{LeaderTimeMs: t0, Cmds: [][][]byte{argv("lpush", "q", "c"), argv("get", "x")}})})
	require.Equal(t, []string{"lpush", "get"}, seen)
}
