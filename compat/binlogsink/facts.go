package binlogsink

import (
	"bytes"
	"errors"

	"github.com/pikaraft/pikaraft/compat/binlog"
	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/resp/command"
)

// This file turns an executed command into binlog.Applied: the command and
// the facts about its outcome that Pika's binlog form depends on. Facts
// come from the reply (XADD's ID, SPOP's members, the element RPOPLPUSH
// moved, NX/XX/GT/LT outcomes) or from the engine right after the command
// (a new value and its expiry, a stored set). Both are the same on every
// node: the FSM is deterministic and nothing else writes in between.

// errUnknownOutcome marks a command replayed after a crash whose outcome
// cannot be recovered from the state (SPOP's popped members).
var errUnknownOutcome = errors.New("outcome of the command cannot be recovered after the crash")

// logged reports whether a command with this reply is written to the
// binlog: a write command (Pika logs commands with the write flag) that
// did not fail. Answers are cached per spelling of the name (the FSM
// goroutine is the only caller), which saves a table lookup per command.
func (s *Sink) logged(argv [][]byte, reply command.Reply) bool {
	if len(argv) == 0 || reply.Type == command.TypeError {
		return false
	}
	if w, ok := s.writes[string(argv[0])]; ok {
		return w
	}
	spec, ok := command.Commands.Lookup(argv[0])
	w := ok && spec.IsWrite()
	if len(s.writes) < 4096 {
		s.writes[string(argv[0])] = w
	}
	return w
}

// facts builds the Applied record of a command. replayed is true for the
// one command a crash left committed in the engine but absent from the
// binlog: its reply is not meaningful (the engine skipped its writes), so
// every fact is read from the state, which is exactly the state it left.
func facts(c *command.Ctx, argv [][]byte, reply command.Reply, db, databases int, replayed bool) (binlog.Applied, error) {
	a := binlog.Applied{Argv: argv, DB: db, Databases: databases, NowMs: c.NowMs}
	var nb [24]byte
	name := string(lower(argv[0], &nb))
	switch name {
	case "incr", "incrby", "incrbyfloat", "append":
		v, err := c.DB.Get(argv[1], c.NowMs)
		if err != nil {
			return a, err
		}
		a.Value = v
		a.ExpireAt, err = expireAt(c, argv[1])
		return a, err
	case "set":
		return setFacts(c, a, reply, replayed)
	case "expire", "pexpire", "expireat", "pexpireat":
		a.NoOp = !replayed && reply.Type == command.TypeInt && reply.Int == 0
	case "msetnx":
		a.NoOp = !replayed && reply.Type == command.TypeInt && reply.Int == 0
	case "xadd":
		if replayed {
			info, err := c.DB.XInfo(argv[1])
			if err != nil {
				return a, err
			}
			a.StreamID = []byte(info.LastGeneratedID.String())
		} else if reply.Type == command.TypeBulk {
			a.StreamID = reply.Bulk
		} else {
			a.NoOp = true // NOMKSTREAM on a missing key added nothing
		}
	case "spop":
		if replayed {
			return a, errUnknownOutcome
		}
		a.Members = members(reply)
	case "rpoplpush", "lmove":
		if replayed {
			return moveFacts(c, a)
		}
		a.Members = members(reply)
	case "sdiffstore", "sinterstore", "sunionstore":
		m, err := c.DB.SMembers(argv[1], c.NowMs)
		if err != nil && !errors.Is(err, engine.ErrNotFound) {
			return a, err
		}
		a.Members = m
	}
	return a, nil
}

// setFacts: SET in a Redis-only form (KEEPTTL, EXAT, PXAT) is logged by
// its effect: nothing when it set nothing, the kept expiry for KEEPTTL.
func setFacts(c *command.Ctx, a binlog.Applied, reply command.Reply, replayed bool) (binlog.Applied, error) {
	var get, cond, keep bool
	var ob [24]byte
	for _, opt := range a.Argv[3:] {
		switch string(lower(opt, &ob)) {
		case "get":
			get = true
		case "nx", "xx":
			cond = true
		case "keepttl":
			keep = true
		}
	}
	if !replayed && cond {
		if get {
			// The reply is the old value either way: compare the state.
			v, err := c.DB.Get(a.Argv[1], c.NowMs)
			a.NoOp = err != nil || !bytes.Equal(v, a.Argv[2])
		} else {
			a.NoOp = reply.Type == command.TypeNil
		}
	}
	if keep && !a.NoOp {
		var err error
		if a.ExpireAt, err = expireAt(c, a.Argv[1]); err != nil {
			return a, err
		}
	}
	return a, nil
}

// moveFacts finds the element RPOPLPUSH/LMOVE pushed: the head or tail of
// the destination list it left.
func moveFacts(c *command.Ctx, a binlog.Applied) (binlog.Applied, error) {
	pos := int64(0)
	if len(a.Argv) == 5 && bytes.EqualFold(a.Argv[4], []byte("right")) {
		pos = -1
	}
	v, err := c.DB.LIndex(a.Argv[2], pos, c.NowMs)
	if err != nil {
		return a, err
	}
	a.Members = [][]byte{v}
	return a, nil
}

// expireAt returns key's absolute expiry in Unix seconds (0 for none).
func expireAt(c *command.Ctx, key []byte) (int64, error) {
	ttl, err := c.DB.TTL(key, c.NowMs)
	if err != nil || ttl < 0 {
		return 0, err
	}
	return c.NowMs/1000 + ttl, nil
}

// members returns the bulk strings of a reply (one bulk, or an array).
func members(r command.Reply) [][]byte {
	switch r.Type {
	case command.TypeBulk:
		return [][]byte{r.Bulk}
	case command.TypeArray, command.TypeSet:
		out := make([][]byte, 0, len(r.Elems))
		for _, e := range r.Elems {
			if e.Type == command.TypeBulk {
				out = append(out, e.Bulk)
			}
		}
		return out
	}
	return nil
}

// lower lowercases a short name into buf without allocating.
func lower(x []byte, buf *[24]byte) []byte {
	if len(x) > len(buf) {
		return x
	}
	for i, ch := range x {
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		buf[i] = ch
	}
	return buf[:len(x)]
}
