package command

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/pikaraft/pikaraft/engine"
)

// ZUNIONSTORE, ZINTERSTORE and ZSCAN.

var (
	errZWeight        = errors.New("ERR weight value is not a float")
	errInvalidCursorZ = errors.New("ERR invalid cursor")
)

func init() {
	w := FlagWrite | FlagDenyOOM
	Commands.Register(
		// Redis 7 declares only the destination in the legacy key triple
		// (the sources are "movablekeys", found through numkeys).
		zsetSpec("zunionstore", -4, w, "slow", 1, 1, "2.0.0",
			"Add multiple sorted sets and store the resulting sorted set in a new key", zstoreCmd(false)),
		zsetSpec("zinterstore", -4, w, "slow", 1, 1, "2.0.0",
			"Intersect multiple sorted sets and store the resulting sorted set in a new key", zstoreCmd(true)),
		zsetSpec("zscan", -3, FlagReadOnly, "slow", 1, 1, "2.8.0",
			"Incrementally iterate sorted sets elements and associated scores", zscanCmd),
	)
}

// zstoreCmd is ZUNIONSTORE/ZINTERSTORE dest numkeys key [key ...]
// [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX].
func zstoreCmd(inter bool) Handler {
	return func(c *Ctx, argv [][]byte) Reply {
		if len(argv) < 4 {
			return WrongArity(string(argv[0]))
		}
		numkeys, ok := ParseInt(argv[2])
		if !ok {
			return ErrReply(ErrNotInteger)
		}
		if numkeys < 1 {
			return Err(fmt.Sprintf("ERR at least 1 input key is needed for '%s' command", lowerASCII(argv[0])))
		}
		if numkeys > int64(len(argv)-3) {
			return ErrReply(ErrSyntax)
		}
		n := int(numkeys)
		keys := argv[3 : 3+n]
		var weights []float64
		agg := engine.AggSum
		for j := 3 + n; j < len(argv); {
			left := len(argv) - j
			switch {
			case left >= n+1 && EqualFold(argv[j], "weights"):
				weights = make([]float64, n)
				for i := range weights {
					f, ok := ParseFloat(argv[j+1+i])
					if !ok {
						return ErrReply(errZWeight)
					}
					weights[i] = f
				}
				j += n + 1
			case left >= 2 && EqualFold(argv[j], "aggregate"):
				switch a := argv[j+1]; {
				case EqualFold(a, "sum"):
					agg = engine.AggSum
				case EqualFold(a, "min"):
					agg = engine.AggMin
				case EqualFold(a, "max"):
					agg = engine.AggMax
				default:
					return ErrReply(ErrSyntax)
				}
				j += 2
			default:
				return ErrReply(ErrSyntax)
			}
		}
		var card int64
		var err error
		if inter {
			card, err = c.DB.ZInterStore(c.W, argv[1], keys, weights, agg)
		} else {
			card, err = c.DB.ZUnionStore(c.W, argv[1], keys, weights, agg)
		}
		if err != nil {
			return ErrReply(err)
		}
		return Int(card)
	}
}

// zscanCmd is ZSCAN key cursor [MATCH pattern] [COUNT count]. The cursor is
// a position in member order (Pika keeps a similar position).
func zscanCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 3 {
		return WrongArity("zscan")
	}
	cursor, err := strconv.ParseUint(string(argv[2]), 10, 64)
	if err != nil {
		return ErrReply(errInvalidCursorZ)
	}
	var pattern []byte
	count := 10
	for j := 3; j < len(argv); j += 2 {
		if j+1 >= len(argv) {
			return ErrReply(ErrSyntax)
		}
		switch {
		case EqualFold(argv[j], "match"):
			pattern = argv[j+1]
		case EqualFold(argv[j], "count"):
			n, ok := ParseInt(argv[j+1])
			if !ok {
				return ErrReply(ErrNotInteger)
			}
			if n < 1 {
				return ErrReply(ErrSyntax)
			}
			count = int(min(n, 1<<20))
		default:
			return ErrReply(ErrSyntax)
		}
	}
	var match func([]byte) bool
	if pattern != nil && !engine.IsMatchAll(pattern) {
		match = func(m []byte) bool { return engine.GlobMatch(pattern, m, false) }
	}
	next, page, err := c.DB.ZScan(argv[1], cursor, match, count, c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	return Array(BulkString(strconv.FormatUint(next, 10)), scoreMembersReply(page, true))
}
