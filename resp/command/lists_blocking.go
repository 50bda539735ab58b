package command

import (
	"errors"
	"math"
	"time"

	"github.com/pikaraft/pikaraft/engine"
)

// Blocking list commands. The handler is the non-blocking attempt: pop
// from the first non-empty list, or answer nil (a nil array for BLPOP and
// BRPOP, a nil bulk for BRPOPLPUSH and BLMOVE). That is what the FSM
// applies — every attempt is a Raft entry — and what the commands do
// inside MULTI, as in Redis. The waiting happens in the server (resp) and
// the node: see BlockTimeout and node/blocking.go.

func init() {
	w := FlagWrite | FlagBlocking | FlagNoScript
	spec := func(name string, arity int, flags Flags, first, last int, since, summary string, run Handler) *Spec {
		return &Spec{Name: name, Arity: arity, Flags: flags,
			Categories: []string{"write", "list", "slow", "blocking"},
			FirstKey:   first, LastKey: last, Step: 1,
			Group: "list", Summary: summary, Since: since, Run: run}
	}
	Commands.Register(
		spec("blpop", -3, w, 1, -2, "2.0.0",
			"Remove and get the first element in a list, or block until one is available", bpopCmd(engine.ListLeft)),
		spec("brpop", -3, w, 1, -2, "2.0.0",
			"Remove and get the last element in a list, or block until one is available", bpopCmd(engine.ListRight)),
		spec("brpoplpush", 4, w|FlagDenyOOM, 1, 2, "2.2.0",
			"Pop an element from a list, push it to another list and return it; or block until one is available", brpoplpushCmd),
		spec("blmove", 6, w|FlagDenyOOM, 1, 2, "6.2.0",
			"Pop an element from a list, push it to another list and return it; or block until one is available", blmoveCmd),
	)
}

// Timeout errors, worded as Redis 7 (errTimeoutNegative: streams_args.go).
var (
	errTimeoutNotFloat = errors.New("ERR timeout is not a float or out of range")
	errTimeoutRange    = errors.New("ERR timeout is out of range")
)

// maxBlockTimeout keeps a timeout representable (Redis: LLONG_MAX ms).
const maxBlockTimeout = float64(math.MaxInt64 / int64(time.Second))

// parseBlockTimeout parses a timeout in seconds (a float); 0 waits forever.
func parseBlockTimeout(b []byte) (time.Duration, error) {
	f, ok := ParseFloat(b)
	if !ok {
		return 0, errTimeoutNotFloat
	}
	if f < 0 {
		return 0, errTimeoutNegative
	}
	if f > maxBlockTimeout {
		return 0, errTimeoutRange
	}
	return time.Duration(f * float64(time.Second)), nil
}

// BlockTimeout returns how long a blocking list command may wait (0 =
// forever), or the error its reply must be. It checks every argument, so
// an error here means the command would fail without popping.
func BlockTimeout(argv [][]byte) (time.Duration, error) {
	if len(argv) < 3 {
		return 0, errors.New("ERR wrong number of arguments")
	}
	switch lowerASCII(argv[0]) {
	case "blmove":
		if len(argv) != 6 {
			return 0, errors.New("ERR wrong number of arguments for 'blmove' command")
		}
		if _, ok := parseListEnd(argv[3]); !ok {
			return 0, ErrSyntax
		}
		if _, ok := parseListEnd(argv[4]); !ok {
			return 0, ErrSyntax
		}
		return parseBlockTimeout(argv[5])
	case "brpoplpush":
		if len(argv) != 4 {
			return 0, errors.New("ERR wrong number of arguments for 'brpoplpush' command")
		}
		return parseBlockTimeout(argv[3])
	}
	return parseBlockTimeout(argv[len(argv)-1])
}

// BlockedReplyIsEmpty reports whether r is the "nothing to pop" answer of
// a blocking command's attempt.
func BlockedReplyIsEmpty(r Reply) bool { return r.Type == TypeNil || r.Type == TypeNilArray }

func bpopCmd(end engine.ListEnd) Handler {
	return func(c *Ctx, argv [][]byte) Reply {
		if len(argv) < 3 {
			return WrongArity(string(argv[0]))
		}
		if _, err := parseBlockTimeout(argv[len(argv)-1]); err != nil {
			return ErrReply(err)
		}
		for _, key := range argv[1 : len(argv)-1] {
			var vals [][]byte
			var err error
			if end == engine.ListLeft {
				vals, err = c.DB.LPop(c.W, key, 1)
			} else {
				vals, err = c.DB.RPop(c.W, key, 1)
			}
			switch {
			case errors.Is(err, engine.ErrNotFound):
				continue
			case err != nil:
				return ErrReply(err)
			case len(vals) == 0:
				continue
			}
			return Array(Bulk(key), Bulk(vals[0]))
		}
		return NilArray()
	}
}

func brpoplpushCmd(c *Ctx, argv [][]byte) Reply {
	if _, err := BlockTimeout(argv); err != nil {
		return ErrReply(err)
	}
	return moveReply(c.DB.RPopLPush(c.W, argv[1], argv[2]))
}

func blmoveCmd(c *Ctx, argv [][]byte) Reply {
	if _, err := BlockTimeout(argv); err != nil {
		return ErrReply(err)
	}
	from, _ := parseListEnd(argv[3])
	to, _ := parseListEnd(argv[4])
	return moveReply(c.DB.LMove(c.W, argv[1], argv[2], from, to))
}
