package fsm

import (
	"fmt"
	"testing"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/resp/command"
)

// fsmtest.ctx is a test-only command that replies with what the FSM handed
// it, so the tests see the Ctx every handler gets.
func init() {
	command.Commands.Register(&command.Spec{
		Name: "fsmtest.ctx", Arity: 1, Flags: command.FlagWrite,
		Run: func(c *command.Ctx, argv [][]byte) command.Reply {
			return command.Status(fmt.Sprintf("db=%d pos=%d/%d now=%d wnow=%d seed=%d",
				c.DB.Index(), c.W.Pos.Index, c.W.Pos.Sub, c.NowMs, c.W.NowMs, c.Seed))
		},
	}, &command.Spec{
		Name: "fsmtest.panic", Arity: 1, Flags: command.FlagWrite,
		Run: func(c *command.Ctx, argv [][]byte) command.Reply { panic("boom") },
	})
}

func cmdLog(index uint64, e Entry) *raft.Log {
	return &raft.Log{Index: index, Term: 1, Type: raft.LogCommand, Data: e.Encode()}
}

func argv(s ...string) [][]byte {
	out := make([][]byte, len(s))
	for i, a := range s {
		out[i] = []byte(a)
	}
	return out
}

func TestApplyBatchBuildsContext(t *testing.T) {
	f := openFSM(t, t.TempDir())
	ctx := argv("fsmtest.ctx")
	logs := []*raft.Log{
		cmdLog(5, Entry{DB: 0, LeaderTimeMs: 1000, Seed: 7, Cmds: [][][]byte{ctx, ctx}}),
		{Index: 6, Term: 1, Type: raft.LogConfiguration},
		// A leader with a slower clock: cluster time does not go back.
		cmdLog(7, Entry{LeaderTimeMs: 900, Seed: 1, Cmds: [][][]byte{ctx}}),
		cmdLog(8, Entry{DB: 5, LeaderTimeMs: 2000, Cmds: [][][]byte{ctx}}),
		cmdLog(9, Entry{LeaderTimeMs: 2000, Cmds: [][][]byte{argv("fsmtest.panic"), argv("nosuchcmd", "a"), argv("fsmtest.ctx", "extra")}}),
		{Index: 10, Term: 1, Type: raft.LogCommand, Data: []byte{9, 9}},
	}
	out := f.ApplyBatch(logs)
	require.Len(t, out, len(logs))
	require.Equal(t, []command.Reply{
		command.Status("db=0 pos=5/0 now=1000 wnow=1000 seed=7"),
		command.Status("db=0 pos=5/1 now=1000 wnow=1000 seed=8"),
	}, out[0])
	require.Nil(t, out[1])
	require.Equal(t, []command.Reply{command.Status("db=0 pos=7/0 now=1000 wnow=1000 seed=1")}, out[2])
	require.Equal(t, []command.Reply{command.Err("ERR DB index is out of range")}, out[3])
	require.Equal(t, []command.Reply{
		command.Err("ERR internal error executing command"),
		command.Err("ERR unknown command 'nosuchcmd', with args beginning with: 'a' "),
		command.Err("ERR wrong number of arguments for 'fsmtest.ctx' command"),
	}, out[4])
	require.ErrorIs(t, out[5].(error), ErrBadEntry)
	require.Equal(t, uint64(10), f.AppliedIndex())
	require.Equal(t, int64(2000), f.LeaderTimeMs())
}

func TestAppliedIndexWakesWaiters(t *testing.T) {
	f := openFSM(t, t.TempDir())
	ch := f.Advanced()
	select {
	case <-ch:
		t.Fatal("advanced before anything was applied")
	default:
	}
	require.Nil(t, f.Apply(&raft.Log{Index: 3, Type: raft.LogNoop}))
	<-ch
	require.Equal(t, uint64(3), f.AppliedIndex())
}
