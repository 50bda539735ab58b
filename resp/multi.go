package resp

import (
	"github.com/pikaraft/pikaraft/resp/command"
)

// multiState is an open MULTI block.
type multiState struct {
	specs []*command.Spec
	argvs [][][]byte
	dirty bool // a command was rejected while queueing: EXEC aborts
}

func (m *multiState) add(spec *command.Spec, argv [][]byte) {
	m.specs = append(m.specs, spec)
	m.argvs = append(m.argvs, argv)
}

func init() {
	command.Commands.Register(
		&command.Spec{
			Name: "multi", Arity: 1, Flags: command.FlagConnState | command.FlagNoScript | command.FlagLoading | command.FlagStale | command.FlagFast,
			Categories: []string{"transaction"}, Group: "transactions", Since: "1.2.0",
			Summary: "Starts a transaction.",
			Run:     cmdMulti,
		},
		&command.Spec{
			Name: "exec", Arity: 1, Flags: command.FlagConnState | command.FlagNoScript | command.FlagLoading | command.FlagStale,
			Categories: []string{"transaction"}, Group: "transactions", Since: "1.2.0",
			Summary: "Executes all commands in a transaction.",
			Run:     cmdExec,
		},
		&command.Spec{
			Name: "discard", Arity: 1, Flags: command.FlagConnState | command.FlagNoScript | command.FlagLoading | command.FlagStale | command.FlagFast,
			Categories: []string{"transaction"}, Group: "transactions", Since: "2.0.0",
			Summary: "Discards a transaction.",
			Run:     cmdDiscard,
		},
		&command.Spec{
			Name: "watch", Arity: -2, Flags: command.FlagConnState | command.FlagNoScript | command.FlagLoading | command.FlagStale | command.FlagFast | command.FlagNoMulti,
			Categories: []string{"transaction"}, Group: "transactions", Since: "2.2.0",
			FirstKey: 1, LastKey: -1, Step: 1,
			Summary: "Monitors changes to keys to determine the execution of a transaction.",
			Run:     cmdWatch,
		},
		&command.Spec{
			Name: "unwatch", Arity: 1, Flags: command.FlagConnState | command.FlagNoScript | command.FlagLoading | command.FlagStale | command.FlagFast,
			Categories: []string{"transaction"}, Group: "transactions", Since: "2.2.0",
			Summary: "Forgets about watched keys of a transaction.",
			Run:     func(*command.Ctx, [][]byte) command.Reply { return command.OK() },
		},
	)
}

func cmdMulti(c *command.Ctx, _ [][]byte) command.Reply {
	conn := c.Conn.(*Conn)
	if conn.multi != nil {
		return command.Err("ERR MULTI calls can not be nested")
	}
	conn.setMulti(&multiState{})
	return command.OK()
}

func cmdDiscard(c *command.Ctx, _ [][]byte) command.Reply {
	conn := c.Conn.(*Conn)
	if conn.multi == nil {
		return command.Err("ERR DISCARD without MULTI")
	}
	conn.setMulti(nil)
	return command.OK()
}

// cmdWatch refuses WATCH: optimistic locking needs replicated per-key
// versions, which come with a later issue. Pretending to watch would let
// EXEC succeed when it must fail.
func cmdWatch(*command.Ctx, [][]byte) command.Reply {
	return command.Err("ERR WATCH is not supported yet")
}

// cmdExec runs the queued commands: every data command (read or write) of
// the block goes to the cluster as ONE Cluster.Write, so the block is one
// log entry applied atomically; connection and server commands queued in
// the block run here, and their replies take their places in the array.
func cmdExec(c *command.Ctx, _ [][]byte) command.Reply {
	conn := c.Conn.(*Conn)
	m := conn.multi
	if m == nil {
		return command.Err("ERR EXEC without MULTI")
	}
	conn.setMulti(nil)
	if m.dirty {
		return command.Err("EXECABORT Transaction discarded because of previous errors.")
	}
	replies := make([]command.Reply, len(m.argvs))
	var data [][][]byte
	var at []int
	for i, spec := range m.specs {
		if spec.Flags&command.FlagConnState == 0 {
			data = append(data, m.argvs[i])
			at = append(at, i)
		}
	}
	if len(data) > 0 {
		rs, err := conn.srv.cluster.Write(conn.ctx, conn.DB(), data)
		if err != nil {
			return command.ErrReply(err)
		}
		if len(rs) != len(data) {
			return command.Err("ERR internal error: wrong number of replies for EXEC")
		}
		for j, i := range at {
			replies[i] = rs[j]
		}
	}
	for i, spec := range m.specs {
		if spec.Flags&command.FlagConnState != 0 {
			replies[i] = conn.runLocal(spec, m.argvs[i])
		}
	}
	return command.Array(replies...)
}
