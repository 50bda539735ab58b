package command

import (
	"errors"
	"math"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/engine/hotcache"
)

// List commands (Redis 7 forms; the blocking pops live elsewhere).

func init() {
	w := FlagWrite
	Commands.Register(
		listSpec("lpush", -3, w|FlagDenyOOM|FlagFast, "fast", 1, 1, "1.0.0",
			"Prepend one or multiple elements to a list", pushCmd(engine.ListLeft, false)),
		listSpec("rpush", -3, w|FlagDenyOOM|FlagFast, "fast", 1, 1, "1.0.0",
			"Append one or multiple elements to a list", pushCmd(engine.ListRight, false)),
		listSpec("lpushx", -3, w|FlagDenyOOM|FlagFast, "fast", 1, 1, "2.2.0",
			"Prepend an element to a list, only if the list exists", pushCmd(engine.ListLeft, true)),
		listSpec("rpushx", -3, w|FlagDenyOOM|FlagFast, "fast", 1, 1, "2.2.0",
			"Append an element to a list, only if the list exists", pushCmd(engine.ListRight, true)),
		listSpec("lpop", -2, w|FlagFast, "fast", 1, 1, "1.0.0",
			"Remove and get the first elements in a list", popCmd("lpop", engine.ListLeft)),
		listSpec("rpop", -2, w|FlagFast, "fast", 1, 1, "1.0.0",
			"Remove and get the last elements in a list", popCmd("rpop", engine.ListRight)),
		listSpec("llen", 2, FlagReadOnly|FlagFast, "fast", 1, 1, "1.0.0",
			"Get the length of a list", llenCmd),
		listSpec("lindex", 3, FlagReadOnly, "slow", 1, 1, "1.0.0",
			"Get an element from a list by its index", lindexCmd),
		listSpec("lrange", 4, FlagReadOnly, "slow", 1, 1, "1.0.0",
			"Get a range of elements from a list", lrangeCmd),
		listSpec("lset", 4, w|FlagDenyOOM, "slow", 1, 1, "1.0.0",
			"Set the value of an element in a list by its index", lsetCmd),
		listSpec("linsert", 5, w|FlagDenyOOM, "slow", 1, 1, "2.2.0",
			"Insert an element before or after another element in a list", linsertCmd),
		listSpec("lrem", 4, w, "slow", 1, 1, "1.0.0",
			"Remove elements from a list", lremCmd),
		listSpec("ltrim", 4, w, "slow", 1, 1, "1.0.0",
			"Trim a list to the specified range", ltrimCmd),
		listSpec("rpoplpush", 3, w|FlagDenyOOM, "slow", 1, 2, "1.2.0",
			"Remove the last element in a list, prepend it to another list and return it", rpoplpushCmd),
		listSpec("lmove", 5, w|FlagDenyOOM, "slow", 1, 2, "6.2.0",
			"Pop an element from a list, push it to another list and return it", lmoveCmd),
		listSpec("lpos", -3, FlagReadOnly, "slow", 1, 1, "6.0.6",
			"Return the index of matching elements on a list", lposCmd),
	)
}

// listSpec builds the spec of a list command; speed is "fast" or "slow".
func listSpec(name string, arity int, flags Flags, speed string, first, last int, since, summary string, run Handler) *Spec {
	rw := "read"
	if flags&FlagWrite != 0 {
		rw = "write"
	}
	return &Spec{
		Name: name, Arity: arity, Flags: flags,
		Categories: []string{rw, "list", speed},
		FirstKey:   first, LastKey: last, Step: 1,
		Group: "list", Summary: summary, Since: since,
		Run: run,
	}
}

func pushCmd(end engine.ListEnd, onlyIfExists bool) Handler {
	return func(c *Ctx, argv [][]byte) Reply {
		if len(argv) < 3 {
			return WrongArity(string(argv[0]))
		}
		var n int64
		var err error
		switch {
		case end == engine.ListLeft && !onlyIfExists:
			n, err = c.DB.LPush(c.W, argv[1], argv[2:]...)
		case end == engine.ListLeft:
			n, err = c.DB.LPushX(c.W, argv[1], argv[2:]...)
		case !onlyIfExists:
			n, err = c.DB.RPush(c.W, argv[1], argv[2:]...)
		default:
			n, err = c.DB.RPushX(c.W, argv[1], argv[2:]...)
		}
		if err != nil {
			return ErrReply(err)
		}
		return Int(n)
	}
}

// popCmd is LPOP/RPOP key [count]: a bulk (nil if missing) without count,
// an array (nil array if missing, empty for count 0) with it.
func popCmd(name string, end engine.ListEnd) Handler {
	return func(c *Ctx, argv [][]byte) Reply {
		if len(argv) < 2 || len(argv) > 3 {
			return WrongArity(name)
		}
		count, hasCount := int64(1), len(argv) == 3
		if hasCount {
			var ok bool
			// Redis 7 gives the same text for a non-number and a negative count.
			if count, ok = ParseInt(argv[2]); !ok || count < 0 {
				return ErrReply(ErrNotPositive)
			}
		}
		var vals [][]byte
		var err error
		if end == engine.ListLeft {
			vals, err = c.DB.LPop(c.W, argv[1], uint64(count))
		} else {
			vals, err = c.DB.RPop(c.W, argv[1], uint64(count))
		}
		switch {
		case errors.Is(err, engine.ErrNotFound) && hasCount:
			return NilArray()
		case errors.Is(err, engine.ErrNotFound):
			return Nil()
		case err != nil:
			return ErrReply(err)
		case hasCount:
			return BulkArray(vals)
		case len(vals) == 0:
			return Nil()
		}
		return Bulk(vals[0])
	}
}

func llenCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 2 {
		return WrongArity("llen")
	}
	n, err := c.DB.LLen(argv[1], c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	return Int(n)
}

func lindexCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 3 {
		return WrongArity("lindex")
	}
	pos, ok := ParseInt(argv[2])
	if !ok {
		return ErrReply(ErrNotInteger)
	}
	v, err := c.DB.LIndex(argv[1], pos, c.NowMs)
	if errors.Is(err, engine.ErrNotFound) {
		return Nil()
	}
	if err != nil {
		return ErrReply(err)
	}
	return Bulk(v)
}

// parseRange parses LRANGE/LTRIM's start and stop.
func parseRange(a, b []byte) (int64, int64, bool) {
	start, ok1 := ParseInt(a)
	stop, ok2 := ParseInt(b)
	return start, stop, ok1 && ok2
}

func lrangeCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 4 {
		return WrongArity("lrange")
	}
	start, stop, ok := parseRange(argv[2], argv[3])
	if !ok {
		return ErrReply(ErrNotInteger)
	}
	if c.Cache.Serves(hotcache.KindList) {
		return cachedLRange(c, argv[1], start, stop)
	}
	vals, err := c.DB.LRange(argv[1], start, stop, c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	return BulkArray(vals)
}

func lsetCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 4 {
		return WrongArity("lset")
	}
	pos, ok := ParseInt(argv[2])
	if !ok {
		return ErrReply(ErrNotInteger)
	}
	if err := c.DB.LSet(c.W, argv[1], pos, argv[3]); err != nil {
		return ErrReply(err)
	}
	return OK()
}

func linsertCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 5 {
		return WrongArity("linsert")
	}
	var before bool
	switch {
	case EqualFold(argv[2], "before"):
		before = true
	case EqualFold(argv[2], "after"):
	default:
		return ErrReply(ErrSyntax)
	}
	n, err := c.DB.LInsert(c.W, argv[1], before, argv[3], argv[4])
	if err != nil {
		return ErrReply(err)
	}
	return Int(n)
}

func lremCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 4 {
		return WrongArity("lrem")
	}
	count, ok := ParseInt(argv[2])
	if !ok {
		return ErrReply(ErrNotInteger)
	}
	n, err := c.DB.LRem(c.W, argv[1], count, argv[3])
	if err != nil {
		return ErrReply(err)
	}
	return Int(n)
}

func ltrimCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 4 {
		return WrongArity("ltrim")
	}
	start, stop, ok := parseRange(argv[2], argv[3])
	if !ok {
		return ErrReply(ErrNotInteger)
	}
	if err := c.DB.LTrim(c.W, argv[1], start, stop); err != nil {
		return ErrReply(err)
	}
	return OK()
}

// moveReply turns an LMOVE/RPOPLPUSH result into its reply.
func moveReply(v []byte, err error) Reply {
	if errors.Is(err, engine.ErrNotFound) {
		return Nil()
	}
	if err != nil {
		return ErrReply(err)
	}
	return Bulk(v)
}

func rpoplpushCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 3 {
		return WrongArity("rpoplpush")
	}
	return moveReply(c.DB.RPopLPush(c.W, argv[1], argv[2]))
}

// parseListEnd parses LEFT or RIGHT.
func parseListEnd(b []byte) (engine.ListEnd, bool) {
	switch {
	case EqualFold(b, "left"):
		return engine.ListLeft, true
	case EqualFold(b, "right"):
		return engine.ListRight, true
	}
	return 0, false
}

func lmoveCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 5 {
		return WrongArity("lmove")
	}
	from, ok1 := parseListEnd(argv[3])
	to, ok2 := parseListEnd(argv[4])
	if !ok1 || !ok2 {
		return ErrReply(ErrSyntax)
	}
	return moveReply(c.DB.LMove(c.W, argv[1], argv[2], from, to))
}

// LPOS option errors, worded as Redis 7.
var (
	errLPosRank = errors.New("ERR RANK can't be zero: use 1 to start from the first match, " +
		"2 from the second ... or use negative to start from the end of the list")
	errLPosRankRange = errors.New("ERR value is out of range, value must between " +
		"-9223372036854775807 and 9223372036854775807")
	errLPosCount  = errors.New("ERR COUNT can't be negative")
	errLPosMaxLen = errors.New("ERR MAXLEN can't be negative")
)

// lposCmd is LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len].
func lposCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 3 {
		return WrongArity("lpos")
	}
	q := engine.LPosQuery{Rank: 1, Limit: 1}
	hasCount := false
	for i := 3; i < len(argv); i += 2 {
		if i+1 >= len(argv) {
			return ErrReply(ErrSyntax)
		}
		n, ok := ParseInt(argv[i+1])
		switch {
		case EqualFold(argv[i], "rank"):
			if !ok {
				return ErrReply(ErrNotInteger)
			}
			if n == math.MinInt64 {
				return ErrReply(errLPosRankRange)
			}
			if n == 0 {
				return ErrReply(errLPosRank)
			}
			q.Rank = n
		case EqualFold(argv[i], "count"):
			if !ok || n < 0 { // Redis 7: same text for a non-number
				return ErrReply(errLPosCount)
			}
			q.Limit, hasCount = n, true
		case EqualFold(argv[i], "maxlen"):
			if !ok || n < 0 { // Redis 7: same text for a non-number
				return ErrReply(errLPosMaxLen)
			}
			q.MaxLen = n
		default:
			return ErrReply(ErrSyntax)
		}
	}
	pos, err := c.DB.LPos(argv[1], argv[2], q, c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	if !hasCount {
		if len(pos) == 0 {
			return Nil()
		}
		return Int(pos[0])
	}
	out := make([]Reply, len(pos))
	for i, p := range pos {
		out[i] = Int(p)
	}
	return Array(out...)
}
