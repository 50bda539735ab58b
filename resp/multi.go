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
			Name: "watch", Arity: -2, Flags: command.FlagConnState | command.FlagNoScript | command.FlagLoading | command.FlagStale | command.FlagFast,
			Categories: []string{"transaction"}, Group: "transactions", Since: "2.2.0",
			FirstKey: 1, LastKey: -1, Step: 1,
			Summary: "Monitors changes to keys to determine the execution of a transaction.",
			Run:     cmdWatch,
		},
		&command.Spec{
			Name: "unwatch", Arity: 1, Flags: command.FlagConnState | command.FlagNoScript | command.FlagLoading | command.FlagStale | command.FlagFast,
			Categories: []string{"transaction"}, Group: "transactions", Since: "2.2.0",
			Summary: "Forgets about watched keys of a transaction.",
			Run:     cmdUnwatch,
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
	conn.watches = nil
	return command.OK()
}

func cmdUnwatch(c *command.Ctx, _ [][]byte) command.Reply {
	c.Conn.(*Conn).watches = nil
	return command.OK()
}

// cmdWatch records, for every key, its modification version and expiry
// deadline as this node has them after a read at the connection's
// consistency (linearizable unless READONLY: a stale version can only make
// EXEC abort, never miss a change). EXEC sends them with the block; the
// FSM aborts the block if any changed (command.WatchesHold). A key already
// watched keeps its first version, as in Redis.
func cmdWatch(c *command.Ctx, argv [][]byte) command.Reply {
	conn := c.Conn.(*Conn)
	if conn.multi != nil {
		return command.Err("ERR WATCH inside MULTI is not allowed")
	}
	conn.mu.Lock()
	stale := conn.readonly
	conn.mu.Unlock()
	now, err := conn.srv.cluster.ReadTime(conn.ctx, stale)
	if err != nil {
		return command.ErrReply(err)
	}
	eng, release := conn.srv.cluster.AcquireEngine()
	defer release()
	db := conn.DB()
	for _, key := range argv[1:] {
		if conn.watching(db, key) {
			continue
		}
		w, err := command.WatchKey(eng, db, key, now)
		if err != nil {
			return command.ErrReply(err)
		}
		conn.watches = append(conn.watches, w)
	}
	return command.OK()
}

// watching reports whether key of db is already watched.
func (c *Conn) watching(db int, key []byte) bool {
	for _, w := range c.watches {
		if w.DB == db && string(w.Key) == string(key) {
			return true
		}
	}
	return false
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
	watches := conn.watches
	conn.watches = nil // EXEC unwatches everything, whatever the outcome
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
	if len(watches) > 0 {
		// Even an empty block goes through the log: the check happens there.
		r, err := conn.srv.cluster.Exec(conn.ctx, conn.DB(), data, watches)
		if err != nil {
			return command.ErrReply(err)
		}
		if r.Type == command.TypeNilArray {
			return r
		}
		if r.Type != command.TypeArray || len(r.Elems) != len(data) {
			return command.Err("ERR internal error: wrong number of replies for EXEC")
		}
		for j, i := range at {
			replies[i] = r.Elems[j]
		}
	} else if len(data) > 0 {
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
