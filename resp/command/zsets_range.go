package command

import (
	"errors"
	"fmt"

	"github.com/pikaraft/pikaraft/engine"
)

// Range commands on sorted sets: the ZRANGE family (one generic parser, as
// Redis's zrangeGenericCommand), counts and range removals.

// Errors of range arguments (Redis wording).
var (
	errZMinMaxFloat = errors.New("ERR min or max is not a float")
	errZMinMaxLex   = errors.New("ERR min or max not valid string range item")
	errZLimitRank   = errors.New("ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
	errZLexScores   = errors.New("ERR syntax error, WITHSCORES not supported in combination with BYLEX")
)

func init() {
	w, r := FlagWrite, FlagReadOnly
	Commands.Register(
		zsetSpec("zrange", -4, r, "slow", 1, 1, "1.2.0",
			"Return a range of members in a sorted set", zrangeCmd(zrAuto, zrDirAuto)),
		zsetSpec("zrevrange", -4, r, "slow", 1, 1, "1.2.0",
			"Return a range of members in a sorted set, by index, with scores ordered from high to low", zrangeCmd(zrRank, zrDirRev)),
		zsetSpec("zrangebyscore", -4, r, "slow", 1, 1, "1.0.5",
			"Return a range of members in a sorted set, by score", zrangeCmd(zrScore, zrDirFwd)),
		zsetSpec("zrevrangebyscore", -4, r, "slow", 1, 1, "2.2.0",
			"Return a range of members in a sorted set, by score, with scores ordered from high to low", zrangeCmd(zrScore, zrDirRev)),
		zsetSpec("zrangebylex", -4, r, "slow", 1, 1, "2.8.9",
			"Return a range of members in a sorted set, by lexicographical range", zrangeCmd(zrLex, zrDirFwd)),
		zsetSpec("zrevrangebylex", -4, r, "slow", 1, 1, "2.8.9",
			"Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings", zrangeCmd(zrLex, zrDirRev)),
		zsetSpec("zrangestore", -5, w|FlagDenyOOM, "slow", 1, 2, "6.2.0",
			"Store a range of members from sorted set into another key", zrangeCmd(zrAuto, zrDirAuto)),
		zsetSpec("zcount", 4, r|FlagFast, "fast", 1, 1, "2.0.0",
			"Count the members in a sorted set with scores within the given values", zcountCmd),
		zsetSpec("zlexcount", 4, r|FlagFast, "fast", 1, 1, "2.8.9",
			"Count the number of members in a sorted set between a given lexicographical range", zlexcountCmd),
		zsetSpec("zremrangebyrank", 4, w, "slow", 1, 1, "2.0.0",
			"Remove all members in a sorted set within the given indexes", zremrangeCmd(zrRank)),
		zsetSpec("zremrangebyscore", 4, w, "slow", 1, 1, "1.2.0",
			"Remove all members in a sorted set within the given scores", zremrangeCmd(zrScore)),
		zsetSpec("zremrangebylex", 4, w, "slow", 1, 1, "2.8.9",
			"Remove all members in a sorted set between the given lexicographical range", zremrangeCmd(zrLex)),
	)
}

type zrType int

const (
	zrAuto zrType = iota
	zrRank
	zrScore
	zrLex
)

type zrDir int

const (
	zrDirAuto zrDir = iota
	zrDirFwd
	zrDirRev
)

// zParseScoreBound parses "1.5", "(1.5", "-inf", "+inf".
func zParseScoreBound(b []byte) (float64, bool, error) {
	ex := len(b) > 0 && b[0] == '('
	if ex {
		b = b[1:]
	}
	f, ok := ParseFloat(b)
	if !ok {
		return 0, false, errZMinMaxFloat
	}
	return f, ex, nil
}

// zParseScoreRange parses ZRANGEBYSCORE's min and max.
func zParseScoreRange(min, max []byte) (engine.ScoreRange, error) {
	var r engine.ScoreRange
	var err error
	if r.Min, r.MinEx, err = zParseScoreBound(min); err != nil {
		return r, err
	}
	if r.Max, r.MaxEx, err = zParseScoreBound(max); err != nil {
		return r, err
	}
	return r, nil
}

// zParseLexBound parses "-", "+", "[member", "(member".
func zParseLexBound(b []byte) (engine.LexBound, error) {
	if len(b) == 0 {
		return engine.LexBound{}, errZMinMaxLex
	}
	switch b[0] {
	case '-':
		if len(b) == 1 {
			return engine.LexBound{Inf: -1}, nil
		}
	case '+':
		if len(b) == 1 {
			return engine.LexBound{Inf: 1}, nil
		}
	case '[':
		return engine.LexBound{Value: b[1:]}, nil
	case '(':
		return engine.LexBound{Value: b[1:], Exclusive: true}, nil
	}
	return engine.LexBound{}, errZMinMaxLex
}

func zParseLexRange(min, max []byte) (engine.LexRange, error) {
	lo, err := zParseLexBound(min)
	if err != nil {
		return engine.LexRange{}, err
	}
	hi, err := zParseLexBound(max)
	if err != nil {
		return engine.LexRange{}, err
	}
	return engine.LexRange{Min: lo, Max: hi}, nil
}

// zrangeArgs is a parsed ZRANGE-family command.
type zrangeArgs struct {
	dst, src   []byte
	typ        zrType
	rev        bool
	withScores bool
	limit      engine.Limit
	limitSet   bool
	start      int64
	stop       int64
	score      engine.ScoreRange
	lex        engine.LexRange
}

// zParseRange parses argv the way Redis's zrangeGenericCommand does.
func zParseRange(argv [][]byte, typ zrType, dir zrDir, store bool) (zrangeArgs, error) {
	a := zrangeArgs{typ: typ, limit: engine.NoLimit}
	first := 1
	if store {
		a.dst, first = argv[1], 2
	}
	a.src = argv[first]
	for j := first + 3; j < len(argv); j++ {
		left := len(argv) - j - 1
		switch arg := argv[j]; {
		case !store && EqualFold(arg, "withscores"):
			a.withScores = true
		case EqualFold(arg, "limit") && left >= 2:
			off, ok1 := ParseInt(argv[j+1])
			cnt, ok2 := ParseInt(argv[j+2])
			if !ok1 || !ok2 {
				return a, ErrNotInteger
			}
			a.limit = engine.Limit{Offset: off, Count: cnt}
			a.limitSet = cnt != -1
			j += 2
		case dir == zrDirAuto && EqualFold(arg, "rev"):
			dir = zrDirRev
		case a.typ == zrAuto && EqualFold(arg, "bylex"):
			a.typ = zrLex
		case a.typ == zrAuto && EqualFold(arg, "byscore"):
			a.typ = zrScore
		default:
			return a, ErrSyntax
		}
	}
	if a.typ == zrAuto {
		a.typ = zrRank
	}
	a.rev = dir == zrDirRev
	if a.limitSet && a.typ == zrRank {
		return a, errZLimitRank
	}
	if a.withScores && a.typ == zrLex {
		return a, errZLexScores
	}
	lo, hi := argv[first+1], argv[first+2]
	if a.rev && a.typ != zrRank {
		lo, hi = hi, lo // given as max, min
	}
	var err error
	switch a.typ {
	case zrRank:
		var ok1, ok2 bool
		a.start, ok1 = ParseInt(lo)
		a.stop, ok2 = ParseInt(hi)
		if !ok1 || !ok2 {
			return a, ErrNotInteger
		}
	case zrScore:
		a.score, err = zParseScoreRange(lo, hi)
	case zrLex:
		a.lex, err = zParseLexRange(lo, hi)
	}
	return a, err
}

// run reads the range from the engine.
func (a zrangeArgs) run(c *Ctx) ([]engine.ScoreMember, error) {
	switch a.typ {
	case zrScore:
		return c.DB.ZRangeByScore(a.src, a.score, a.rev, a.limit, c.NowMs)
	case zrLex:
		return c.DB.ZRangeByLex(a.src, a.lex, a.rev, a.limit, c.NowMs)
	}
	return c.DB.ZRange(a.src, a.start, a.stop, a.rev, c.NowMs)
}

// zrangeCmd serves ZRANGE, ZREVRANGE, ZRANGEBYSCORE, ZREVRANGEBYSCORE,
// ZRANGEBYLEX, ZREVRANGEBYLEX and ZRANGESTORE.
func zrangeCmd(typ zrType, dir zrDir) Handler {
	return func(c *Ctx, argv [][]byte) Reply {
		store := EqualFold(argv[0], "zrangestore")
		need := 4
		if store {
			need = 5
		}
		if len(argv) < need {
			return WrongArity(string(argv[0]))
		}
		a, err := zParseRange(argv, typ, dir, store)
		if err != nil {
			return ErrReply(err)
		}
		sms, err := a.run(c)
		if err != nil {
			return ErrReply(err)
		}
		if store {
			n, err := c.DB.ZStore(c.W, a.dst, sms)
			if err != nil {
				return ErrReply(err)
			}
			return Int(n)
		}
		return scoreMembersReply(sms, a.withScores)
	}
}

func zcountCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 4 {
		return WrongArity("zcount")
	}
	r, err := zParseScoreRange(argv[2], argv[3])
	if err != nil {
		return ErrReply(err)
	}
	n, err := c.DB.ZCount(argv[1], r, c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	return Int(n)
}

func zlexcountCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 4 {
		return WrongArity("zlexcount")
	}
	r, err := zParseLexRange(argv[2], argv[3])
	if err != nil {
		return ErrReply(err)
	}
	n, err := c.DB.ZLexCount(argv[1], r, c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	return Int(n)
}

func zremrangeCmd(typ zrType) Handler {
	return func(c *Ctx, argv [][]byte) Reply {
		if len(argv) != 4 {
			return WrongArity(string(argv[0]))
		}
		var n int64
		var err error
		switch typ {
		case zrRank:
			start, ok1 := ParseInt(argv[2])
			stop, ok2 := ParseInt(argv[3])
			if !ok1 || !ok2 {
				return ErrReply(ErrNotInteger)
			}
			n, err = c.DB.ZRemRangeByRank(c.W, argv[1], start, stop)
		case zrScore:
			var r engine.ScoreRange
			if r, err = zParseScoreRange(argv[2], argv[3]); err == nil {
				n, err = c.DB.ZRemRangeByScore(c.W, argv[1], r)
			}
		case zrLex:
			var r engine.LexRange
			if r, err = zParseLexRange(argv[2], argv[3]); err == nil {
				n, err = c.DB.ZRemRangeByLex(c.W, argv[1], r)
			}
		default:
			err = fmt.Errorf("zremrange: range type %d", typ)
		}
		if err != nil {
			return ErrReply(err)
		}
		return Int(n)
	}
}
