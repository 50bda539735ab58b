package fsm

import (
	"encoding/json"
	"testing"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/resp/command"
)

// orderObserver records the commands the FSM reports, in order.
type orderObserver struct{ cmds []string }

func (o *orderObserver) BeginEntry(*engine.Engine, uint64, uint64, int64, int) {}
func (o *orderObserver) Command(c *command.Ctx, argv [][]byte, r command.Reply) {
	o.cmds = append(o.cmds, string(argv[0])+" "+string(argv[1]))
}
func (o *orderObserver) EndEntry()                               {}
func (o *orderObserver) EndBatch()                               {}
func (o *orderObserver) Snapshot() (json.RawMessage, error)      { return nil, nil }
func (o *orderObserver) Restored(uint64, int64, json.RawMessage) {}

// SETs and MSETs of an entry share engine writes; what the commands between
// and after them see and answer is what one write each would give.
func TestGroupedSetsAnswerAsOneWriteEach(t *testing.T) {
	f := openFSM(t, t.TempDir())
	obs := &orderObserver{}
	f.SetObserver(obs)
	cmds := [][][]byte{
		argv("SET", "a", "1"), argv("set", "b", "2"), argv("GET", "a"),
		argv("INCR", "n"), argv("SET", "a", "3"), argv("APPEND", "a", "x"),
		argv("SET", "c", "5"), argv("SET", "b", "6", "XX"), argv("SET", "d", "7"),
		argv("MSET", "e", "8", "f", "9"), argv("SETEX", "g", "100", "10"),
		argv("SET", "e", "11", "GET"), argv("PSETEX", "h", "100000", "12"),
	}
	out := f.ApplyBatch([]*raft.Log{cmdLog(3, Entry{LeaderTimeMs: 1000, Cmds: cmds})})
	want := []command.Reply{
		command.OK(), command.OK(), command.Bulk([]byte("1")),
		command.Int(1), command.OK(), command.Int(2),
		command.OK(), command.OK(), command.OK(),
		command.OK(), command.OK(),
		command.Bulk([]byte("8")), command.OK(),
	}
	require.Equal(t, want, out[0])
	var order []string
	for _, c := range cmds {
		order = append(order, string(c[0])+" "+string(c[1]))
	}
	require.Equal(t, order, obs.cmds, "the observer hears the commands in order")

	db, err := f.Engine().DB(0)
	require.NoError(t, err)
	state := func() map[string]string {
		m := map[string]string{}
		for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "n"} {
			v, err := db.Get([]byte(k), 1000)
			require.NoError(t, err, k)
			m[k] = string(v)
		}
		return m
	}
	require.Equal(t, map[string]string{"a": "3x", "b": "6", "c": "5", "d": "7", "e": "11", "f": "9", "g": "10", "h": "12", "n": "1"}, state())
	require.Equal(t, engine.Pos{Index: 3, Sub: uint32(len(cmds) - 1)}, f.Engine().Applied())

	// Applied again (a replay after a restart): nothing changes.
	f.ApplyBatch([]*raft.Log{cmdLog(3, Entry{LeaderTimeMs: 1000, Cmds: cmds})})
	require.Equal(t, map[string]string{"a": "3x", "b": "6", "c": "5", "d": "7", "e": "11", "f": "9", "g": "10", "h": "12", "n": "1"}, state())
}

// fsmtest.closeengine closes the engine while the entry's write group holds
// writes (it carries the WriteGroup flag, so it does not commit the group).
func init() {
	command.Commands.Register(&command.Spec{
		Name: "fsmtest.closeengine", Arity: 1, Flags: command.FlagWrite, WriteGroup: true,
		Run: func(c *command.Ctx, argv [][]byte) command.Reply {
			if err := c.Engine.Close(); err != nil {
				return command.ErrReply(err)
			}
			return command.OK()
		},
	})
}

// A grouped write that cannot be committed answers with the error, not OK;
// a write that committed before keeps its OK.
func TestFailedGroupCommitAnswersItsCommandsWithTheError(t *testing.T) {
	f := openFSM(t, t.TempDir())
	cmds := [][][]byte{
		argv("SET", "a", "1"), argv("SET", "b", "2", "XX"), // XX commits a's write first
		argv("SET", "c", "3"), argv("fsmtest.closeengine"), argv("SET", "d", "4"),
	}
	out := f.ApplyBatch([]*raft.Log{cmdLog(4, Entry{LeaderTimeMs: 1000, Cmds: cmds})})[0].([]command.Reply)
	require.Len(t, out, len(cmds))
	require.Equal(t, command.OK(), out[0], "a was committed before the engine closed")
	require.Equal(t, command.Nil(), out[1], "b did not exist")
	require.Equal(t, command.TypeError, out[2].Type, "c waited in the group: %+v", out[2])
	require.Equal(t, command.OK(), out[3])
	require.Equal(t, command.TypeError, out[4].Type, "d: %+v", out[4])
}
