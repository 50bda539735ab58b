package command

import (
	"errors"
	"math"
	"strconv"

	"github.com/pikaraft/pikaraft/engine"
)

// Sorted-set commands (Redis 7 forms, Pika 3.5.5 storage). Scores are
// formatted as Pika (and Redis 7.0) print them: see FormatScore.

func init() {
	w, r := FlagWrite, FlagReadOnly
	Commands.Register(
		zsetSpec("zadd", -4, w|FlagDenyOOM|FlagFast, "fast", 1, 1, "1.2.0",
			"Add one or more members to a sorted set, or update its score if it already exists", zaddCmd),
		zsetSpec("zincrby", 4, w|FlagDenyOOM|FlagFast, "fast", 1, 1, "1.2.0",
			"Increment the score of a member in a sorted set", zincrbyCmd),
		zsetSpec("zcard", 2, r|FlagFast, "fast", 1, 1, "1.2.0",
			"Get the number of members in a sorted set", zcardCmd),
		zsetSpec("zscore", 3, r|FlagFast, "fast", 1, 1, "1.2.0",
			"Get the score associated with the given member in a sorted set", zscoreCmd),
		zsetSpec("zmscore", -3, r|FlagFast, "fast", 1, 1, "6.2.0",
			"Get the score associated with the given members in a sorted set", zmscoreCmd),
		zsetSpec("zrem", -3, w|FlagFast, "fast", 1, 1, "1.2.0",
			"Remove one or more members from a sorted set", zremCmd),
		zsetSpec("zrank", 3, r|FlagFast, "fast", 1, 1, "2.0.0",
			"Determine the index of a member in a sorted set", zrankCmd(false)),
		zsetSpec("zrevrank", 3, r|FlagFast, "fast", 1, 1, "2.0.0",
			"Determine the index of a member in a sorted set, with scores ordered from high to low", zrankCmd(true)),
		zsetSpec("zpopmin", -2, w|FlagFast, "fast", 1, 1, "5.0.0",
			"Remove and return members with the lowest scores in a sorted set", zpopCmd(false)),
		zsetSpec("zpopmax", -2, w|FlagFast, "fast", 1, 1, "5.0.0",
			"Remove and return members with the highest scores in a sorted set", zpopCmd(true)),
	)
}

// zsetSpec builds the spec of a sorted-set command; speed is "fast" or "slow".
func zsetSpec(name string, arity int, flags Flags, speed string, first, last int, since, summary string, run Handler) *Spec {
	return zgSpec("sortedset", name, arity, flags, speed, first, last, since, summary, run)
}

// zgSpec builds the spec of a data command of ACL category and group cat.
func zgSpec(cat, name string, arity int, flags Flags, speed string, first, last int, since, summary string, run Handler) *Spec {
	rw := "read"
	if flags&FlagWrite != 0 {
		rw = "write"
	}
	return &Spec{
		Name: name, Arity: arity, Flags: flags,
		Categories: []string{rw, cat, speed},
		FirstKey:   first, LastKey: last, Step: 1,
		Group: cat, Summary: summary, Since: since,
		Run: run,
	}
}

// FormatScore formats a score as Pika 3.5.5 (pstd::d2string) and Redis 7.0
// do: "inf"/"-inf", integers below 2^52 in plain digits, anything else with
// 17 significant digits ("%.17g": 0.1 → "0.10000000000000001").
func FormatScore(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case f == 0:
		if math.Signbit(f) {
			return "-0"
		}
		return "0"
	case f > -4503599627370495 && f < 4503599627370496 && f == math.Trunc(f):
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', 17, 64)
}

// scoreReply is a score as a bulk string.
func scoreReply(f float64) Reply { return BulkString(FormatScore(f)) }

// scoreMembersReply is a flat array member, [score,] member, [score,] ...
func scoreMembersReply(sms []engine.ScoreMember, withScores bool) Reply {
	n := len(sms)
	if withScores {
		n *= 2
	}
	out := make([]Reply, 0, n)
	for _, sm := range sms {
		out = append(out, Bulk(sm.Member))
		if withScores {
			out = append(out, scoreReply(sm.Score))
		}
	}
	return Array(out...)
}

// zaddCmd is ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...].
func zaddCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 4 {
		return WrongArity("zadd")
	}
	var o engine.ZAddOptions
	i := 2
flags:
	for ; i < len(argv); i++ {
		switch a := argv[i]; {
		case EqualFold(a, "nx"):
			o.NX = true
		case EqualFold(a, "xx"):
			o.XX = true
		case EqualFold(a, "gt"):
			o.GT = true
		case EqualFold(a, "lt"):
			o.LT = true
		case EqualFold(a, "ch"):
			o.CH = true
		case EqualFold(a, "incr"):
			o.Incr = true
		default:
			break flags
		}
	}
	rest := argv[i:]
	if len(rest) == 0 || len(rest)%2 != 0 {
		return ErrReply(ErrSyntax)
	}
	members := make([]engine.ScoreMember, len(rest)/2)
	for j := range members {
		members[j].Member = rest[2*j+1]
	}
	// Option conflicts are reported before bad scores, as Redis does.
	if err := o.Validate(len(members)); err != nil {
		return ErrReply(err)
	}
	for j := range members {
		s, ok := ParseFloat(rest[2*j])
		if !ok {
			return ErrReply(ErrNotFloat)
		}
		members[j].Score = s
	}
	res, err := c.DB.ZAdd(c.W, argv[1], o, members)
	switch {
	case err != nil:
		return ErrReply(err)
	case o.Incr && res.Aborted:
		return Nil()
	case o.Incr:
		return scoreReply(res.Score)
	}
	return Int(res.Count)
}

func zincrbyCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 4 {
		return WrongArity("zincrby")
	}
	incr, ok := ParseFloat(argv[2])
	if !ok {
		return ErrReply(ErrNotFloat)
	}
	s, err := c.DB.ZIncrBy(c.W, argv[1], incr, argv[3])
	if err != nil {
		return ErrReply(err)
	}
	return scoreReply(s)
}

func zcardCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 2 {
		return WrongArity("zcard")
	}
	n, err := c.DB.ZCard(argv[1], c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	return Int(n)
}

func zscoreCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 3 {
		return WrongArity("zscore")
	}
	s, err := c.DB.ZScore(argv[1], argv[2], c.NowMs)
	if errors.Is(err, engine.ErrNotFound) {
		return Nil()
	}
	if err != nil {
		return ErrReply(err)
	}
	return scoreReply(s)
}

func zmscoreCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 3 {
		return WrongArity("zmscore")
	}
	scores, err := c.DB.ZMScore(argv[1], argv[2:], c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	out := make([]Reply, len(scores))
	for i, s := range scores {
		if s == nil {
			out[i] = Nil()
		} else {
			out[i] = scoreReply(*s)
		}
	}
	return Array(out...)
}

func zremCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 3 {
		return WrongArity("zrem")
	}
	n, err := c.DB.ZRem(c.W, argv[1], argv[2:])
	if err != nil {
		return ErrReply(err)
	}
	return Int(n)
}

func zrankCmd(rev bool) Handler {
	return func(c *Ctx, argv [][]byte) Reply {
		if len(argv) != 3 {
			return WrongArity(string(argv[0]))
		}
		rank, err := c.DB.ZRank(argv[1], argv[2], rev, c.NowMs)
		if errors.Is(err, engine.ErrNotFound) {
			return Nil()
		}
		if err != nil {
			return ErrReply(err)
		}
		return Int(rank)
	}
}

// zpopCmd is ZPOPMIN/ZPOPMAX key [count]: a flat member, score array.
func zpopCmd(max bool) Handler {
	return func(c *Ctx, argv [][]byte) Reply {
		if len(argv) < 2 || len(argv) > 3 {
			if len(argv) > 3 {
				return ErrReply(ErrSyntax)
			}
			return WrongArity(string(argv[0]))
		}
		count := int64(1)
		if len(argv) == 3 {
			// Redis 7 gives the same text for a non-number and a negative count.
			n, ok := ParseInt(argv[2])
			if !ok || n < 0 {
				return ErrReply(ErrNotPositive)
			}
			count = n
		}
		popped, err := c.DB.ZPop(c.W, argv[1], count, max)
		if err != nil {
			return ErrReply(err)
		}
		return scoreMembersReply(popped, true)
	}
}
