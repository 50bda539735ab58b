package command

import (
	"errors"

	"github.com/pikaraft/pikaraft/engine"
)

// Stream commands of Pika 3.5.5 in their Redis 7 forms: XADD XDEL XLEN
// XRANGE XREVRANGE XTRIM XREAD XINFO. Consumer groups do not exist in Pika
// 3.5.5. XREAD BLOCK is answered at once when there is data; the server
// waits for it otherwise (streams_block.go).

func init() {
	w := FlagWrite
	Commands.Register(
		streamSpec("xadd", -5, w|FlagDenyOOM|FlagFast, "fast", 1, 1, "5.0.0",
			"Appends a new message to a stream. Creates the key if it doesn't exist.", xaddCmd),
		streamSpec("xdel", -3, w|FlagFast, "fast", 1, 1, "5.0.0",
			"Returns the number of messages after removing them from a stream.", xdelCmd),
		streamSpec("xlen", 2, FlagReadOnly|FlagFast, "fast", 1, 1, "5.0.0",
			"Return the number of messages in a stream.", xlenCmd),
		streamSpec("xrange", -4, FlagReadOnly, "slow", 1, 1, "5.0.0",
			"Returns the messages from a stream within a range of IDs.", xrangeCmd(false)),
		streamSpec("xrevrange", -4, FlagReadOnly, "slow", 1, 1, "5.0.0",
			"Returns the messages from a stream within a range of IDs in reverse order.", xrangeCmd(true)),
		streamSpec("xtrim", -4, w, "slow", 1, 1, "5.0.0",
			"Deletes messages from the beginning of a stream.", xtrimCmd),
		// Redis 7 COMMAND shows XREAD as "readonly blocking movablekeys"
		// with key triple 0 0 0: the keys follow the STREAMS keyword.
		streamSpec("xread", -4, FlagReadOnly|FlagBlocking|FlagMovableKeys, "slow", 0, 0, "5.0.0",
			"Returns messages from multiple streams with IDs greater than the ones requested.", xreadCmd),
		// XINFO is a container in Redis 7 (COMMAND shows 0 0 0); the key of
		// every subcommand but HELP is argv[2], declared here so that key
		// extraction finds it.
		streamSpec("xinfo", -2, FlagReadOnly, "slow", 2, 2, "5.0.0",
			"A container for stream introspection commands.", xinfoCmd),
	)
}

// streamSpec builds the spec of a stream command; speed is "fast" or "slow".
func streamSpec(name string, arity int, flags Flags, speed string, first, last int, since, summary string, run Handler) *Spec {
	rw := "read"
	if flags&FlagWrite != 0 {
		rw = "write"
	}
	cats := []string{rw, "stream", speed}
	if flags&FlagBlocking != 0 {
		cats = append(cats, "blocking")
	}
	step := 1
	if first == 0 {
		step = 0
	}
	return &Spec{
		Name: name, Arity: arity, Flags: flags, Categories: cats,
		FirstKey: first, LastKey: last, Step: step,
		Group: "stream", Summary: summary, Since: since,
		Run: run,
	}
}

// entryReply is one entry: [id, [field, value, ...]].
func entryReply(e engine.StreamEntry) Reply {
	return Array(BulkString(e.ID.String()), BulkArray(e.Fields))
}

func entriesReply(es []engine.StreamEntry) Reply {
	out := make([]Reply, len(es))
	for i, e := range es {
		out[i] = entryReply(e)
	}
	return Array(out...)
}

// xaddCmd is XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT
// count]] *|id field value [field value ...].
func xaddCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 5 {
		return WrongArity("xadd")
	}
	a, idPos, err := parseAddTrimArgs(argv, true)
	if err != nil {
		return ErrReply(err)
	}
	if idPos+1 > len(argv) {
		return WrongArity("xadd")
	}
	fields := argv[idPos+1:]
	if len(fields) < 2 || len(fields)%2 != 0 {
		return WrongArity("xadd")
	}
	id, err := c.DB.XAdd(c.W, argv[1], a, fields)
	if errors.Is(err, engine.ErrNotFound) {
		return Nil()
	}
	if err != nil {
		return ErrReply(err)
	}
	return BulkString(id.String())
}

// xdelCmd is XDEL key id [id ...]; every ID is checked before any is deleted.
func xdelCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 3 {
		return WrongArity("xdel")
	}
	ids := make([]engine.StreamID, 0, len(argv)-2)
	for _, arg := range argv[2:] {
		id, err := parseStrictID(arg)
		if err != nil {
			return ErrReply(err)
		}
		ids = append(ids, id)
	}
	n, err := c.DB.XDel(c.W, argv[1], ids)
	if err != nil {
		return ErrReply(err)
	}
	return Int(n)
}

func xlenCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 2 {
		return WrongArity("xlen")
	}
	n, err := c.DB.XLen(argv[1])
	if err != nil {
		return ErrReply(err)
	}
	return Int(n)
}

// xrangeCmd is XRANGE key start end [COUNT n] and XREVRANGE key end start
// [COUNT n]. COUNT 0 (or negative) on an existing stream is a nil array,
// as in Redis.
func xrangeCmd(rev bool) Handler {
	return func(c *Ctx, argv [][]byte) Reply {
		if len(argv) < 4 {
			return WrongArity(lowerASCII(argv[0]))
		}
		startArg, endArg := argv[2], argv[3]
		if rev {
			startArg, endArg = endArg, startArg
		}
		start, end, err := parseRangeBounds(startArg, endArg)
		if err != nil {
			return ErrReply(err)
		}
		count := int64(-1)
		for j := 4; j < len(argv); j++ {
			if !EqualFold(argv[j], "count") || j+1 >= len(argv) {
				return ErrReply(ErrSyntax)
			}
			n, ok := ParseInt(argv[j+1])
			if !ok {
				return ErrReply(ErrNotInteger)
			}
			count = max(n, 0)
			j++
		}
		if count == 0 {
			n, err := c.DB.XLen(argv[1])
			if err != nil {
				return ErrReply(err)
			}
			if n == 0 {
				return Array()
			}
			return NilArray()
		}
		es, err := c.DB.XRange(argv[1], start, end, count, rev)
		if errors.Is(err, engine.ErrNotFound) {
			return Array()
		}
		if err != nil {
			return ErrReply(err)
		}
		return entriesReply(es)
	}
}

// xtrimCmd is XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count].
func xtrimCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 4 {
		return WrongArity("xtrim")
	}
	a, _, err := parseAddTrimArgs(argv, false)
	if err != nil {
		return ErrReply(err)
	}
	n, err := c.DB.XTrim(c.W, argv[1], a.Trim)
	if err != nil {
		return ErrReply(err)
	}
	return Int(n)
}
