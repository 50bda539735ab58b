package command

import (
	"errors"
	"math"

	"github.com/pikaraft/pikaraft/engine"
)

// Hash commands: Redis 7 forms plus Pika's HSCANX, PKHSCANRANGE and
// PKHRSCANRANGE. HSET takes several field/value pairs as in Redis (Pika
// 3.5.5 only takes one).

func init() {
	w, r := FlagWrite, FlagReadOnly
	Commands.Register(
		hashSpec("hset", -4, w|FlagDenyOOM|FlagFast, "2.0.0",
			"Set the value of one or more fields in a hash", hsetCmd),
		hashSpec("hmset", -4, w|FlagDenyOOM|FlagFast, "2.0.0",
			"Set the values of multiple fields in a hash", hmsetCmd),
		hashSpec("hsetnx", 4, w|FlagDenyOOM|FlagFast, "2.0.0",
			"Set the value of a field in a hash only when the field doesn't exist", hsetnxCmd),
		hashSpec("hdel", -3, w|FlagFast, "2.0.0",
			"Delete one or more fields from a hash", hdelCmd),
		hashSpec("hincrby", 4, w|FlagDenyOOM|FlagFast, "2.0.0",
			"Increment the integer value of a field in a hash by a number", hincrbyCmd),
		hashSpec("hincrbyfloat", 4, w|FlagDenyOOM|FlagFast, "2.6.0",
			"Increment the floating point value of a field in a hash by a number", hincrbyfloatCmd),
		hashSpec("hget", 3, r|FlagFast, "2.0.0",
			"Get the value of a field in a hash", hgetCmd),
		hashSpec("hexists", 3, r|FlagFast, "2.0.0",
			"Determine whether a field exists in a hash", hexistsCmd),
		hashSpec("hstrlen", 3, r|FlagFast, "3.2.0",
			"Get the length of the value of a field in a hash", hstrlenCmd),
		hashSpec("hlen", 2, r|FlagFast, "2.0.0",
			"Get the number of fields in a hash", hlenCmd),
		hashSpec("hmget", -3, r|FlagFast, "2.0.0",
			"Get the values of multiple fields in a hash", hmgetCmd),
		hashSpec("hgetall", 2, r, "2.0.0",
			"Get all the fields and values in a hash", hgetallCmd),
		hashSpec("hkeys", 2, r, "2.0.0",
			"Get all the fields in a hash", hkeysCmd),
		hashSpec("hvals", 2, r, "2.0.0",
			"Get all the values in a hash", hvalsCmd),
		hashSpec("hrandfield", -2, r, "6.2.0",
			"Get one or multiple random fields from a hash", hrandfieldCmd),
		hashSpec("hscan", -3, r, "2.8.0",
			"Incrementally iterate the fields and values of a hash", hscanCmd),
		hashSpec("hscanx", -3, r, "pika",
			"Iterate the fields of a hash starting at a field (Pika)", hscanxCmd),
		hashSpec("pkhscanrange", -4, r, "pika",
			"Iterate the fields of a hash in a field range (Pika)", pkhscanrangeCmd(false)),
		hashSpec("pkhrscanrange", -4, r, "pika",
			"Iterate the fields of a hash in a field range, in reverse (Pika)", pkhscanrangeCmd(true)),
	)
}

// hashSpec builds the spec of a single-key hash command.
func hashSpec(name string, arity int, flags Flags, since, summary string, run Handler) *Spec {
	return collSpec("hash", name, arity, flags, 1, 1, since, summary, run)
}

// collSpec builds the spec of a hash or set command with keys first..last.
func collSpec(group, name string, arity int, flags Flags, first, last int, since, summary string, run Handler) *Spec {
	rw, speed := "read", "slow"
	if flags&FlagWrite != 0 {
		rw = "write"
	}
	if flags&FlagFast != 0 {
		speed = "fast"
	}
	return &Spec{
		Name: name, Arity: arity, Flags: flags,
		Categories: []string{rw, group, speed},
		FirstKey:   first, LastKey: last, Step: 1,
		Group: group, Summary: summary, Since: since,
		Run: run,
	}
}

// fieldValues pairs up argv[from:], which must have an even length.
func fieldValues(args [][]byte) ([]engine.FieldValue, bool) {
	if len(args) == 0 || len(args)%2 != 0 {
		return nil, false
	}
	out := make([]engine.FieldValue, 0, len(args)/2)
	for i := 0; i < len(args); i += 2 {
		out = append(out, engine.FieldValue{Field: args[i], Value: args[i+1]})
	}
	return out, true
}

func hsetCmd(c *Ctx, argv [][]byte) Reply {
	pairs, ok := fieldValues(argv[min(2, len(argv)):])
	if len(argv) < 4 || !ok {
		return WrongArity("hset")
	}
	n, err := c.DB.HSet(c.W, argv[1], pairs)
	if err != nil {
		return ErrReply(err)
	}
	return Int(n)
}

func hmsetCmd(c *Ctx, argv [][]byte) Reply {
	pairs, ok := fieldValues(argv[min(2, len(argv)):])
	if len(argv) < 4 || !ok {
		return WrongArity("hmset")
	}
	if err := c.DB.HMSet(c.W, argv[1], pairs); err != nil {
		return ErrReply(err)
	}
	return OK()
}

func hsetnxCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 4 {
		return WrongArity("hsetnx")
	}
	ok, err := c.DB.HSetNX(c.W, argv[1], argv[2], argv[3])
	if err != nil {
		return ErrReply(err)
	}
	return boolInt(ok)
}

// boolInt is 1 or 0 as an integer reply (Redis replies integers, not
// RESP3 booleans, for HEXISTS, SISMEMBER, SMOVE, ...).
func boolInt(b bool) Reply {
	if b {
		return Int(1)
	}
	return Int(0)
}

func hdelCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 3 {
		return WrongArity("hdel")
	}
	n, err := c.DB.HDel(c.W, argv[1], argv[2:])
	if err != nil {
		return ErrReply(err)
	}
	return Int(n)
}

func hincrbyCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 4 {
		return WrongArity("hincrby")
	}
	by, ok := ParseInt(argv[3])
	if !ok {
		return ErrReply(ErrNotInteger)
	}
	n, err := c.DB.HIncrBy(c.W, argv[1], argv[2], by)
	if err != nil {
		return ErrReply(err)
	}
	return Int(n)
}

func hincrbyfloatCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 4 {
		return WrongArity("hincrbyfloat")
	}
	by, ok := ParseFloat(argv[3])
	if !ok {
		return ErrReply(ErrNotFloat)
	}
	if math.IsInf(by, 0) {
		return ErrReply(engine.ErrIncrNaNOrInf)
	}
	v, err := c.DB.HIncrByFloat(c.W, argv[1], argv[2], argv[3])
	if err != nil {
		return ErrReply(err)
	}
	return Bulk(v)
}

func hgetCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 3 {
		return WrongArity("hget")
	}
	v, err := c.DB.HGet(argv[1], argv[2], c.NowMs)
	if errors.Is(err, engine.ErrNotFound) {
		return Nil()
	}
	if err != nil {
		return ErrReply(err)
	}
	return Bulk(v)
}

func hexistsCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 3 {
		return WrongArity("hexists")
	}
	ok, err := c.DB.HExists(argv[1], argv[2], c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	return boolInt(ok)
}

func hstrlenCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 3 {
		return WrongArity("hstrlen")
	}
	n, err := c.DB.HStrLen(argv[1], argv[2], c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	return Int(n)
}

func hlenCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 2 {
		return WrongArity("hlen")
	}
	n, err := c.DB.HLen(argv[1], c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	return Int(n)
}

func hmgetCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 3 {
		return WrongArity("hmget")
	}
	vals, err := c.DB.HMGet(argv[1], argv[2:], c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	return NullableBulkArray(vals)
}

func hgetallCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 2 {
		return WrongArity("hgetall")
	}
	fvs, err := c.DB.HGetAll(argv[1], c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	return Map(flatFieldValues(fvs)...)
}

// flatFieldValues returns field, value, field, value, ... as bulk replies.
func flatFieldValues(fvs []engine.FieldValue) []Reply {
	out := make([]Reply, 0, 2*len(fvs))
	for _, fv := range fvs {
		out = append(out, Bulk(fv.Field), Bulk(fv.Value))
	}
	return out
}

func hkeysCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 2 {
		return WrongArity("hkeys")
	}
	keys, err := c.DB.HKeys(argv[1], c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	return BulkArray(keys)
}

func hvalsCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 2 {
		return WrongArity("hvals")
	}
	vals, err := c.DB.HVals(argv[1], c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	return BulkArray(vals)
}

// maxRandomCount bounds the negative counts of SRANDMEMBER and HRANDFIELD
// (elements drawn with repeats), which would otherwise let one command
// allocate without limit.
const maxRandomCount = 1 << 24

// parseRandomCount parses the count of SRANDMEMBER/HRANDFIELD.
func parseRandomCount(arg []byte) (int64, Reply, bool) {
	n, ok := ParseInt(arg)
	if !ok {
		return 0, ErrReply(ErrNotInteger), false
	}
	if n < -maxRandomCount {
		return 0, Err("ERR value is out of range"), false
	}
	return n, Reply{}, true
}

// hrandfieldCmd is HRANDFIELD key [count [WITHVALUES]]. Fields are chosen
// from c.Seed. With WITHVALUES the reply is a flat field, value, ... array.
func hrandfieldCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 2 {
		return WrongArity("hrandfield")
	}
	if len(argv) > 4 || len(argv) == 4 && !EqualFold(argv[3], "withvalues") {
		return ErrReply(ErrSyntax)
	}
	if len(argv) == 2 {
		fvs, err := c.DB.HRandField(argv[1], 1, c.Seed, c.NowMs)
		if err != nil {
			return ErrReply(err)
		}
		if len(fvs) == 0 {
			return Nil()
		}
		return Bulk(fvs[0].Field)
	}
	count, errReply, ok := parseRandomCount(argv[2])
	if !ok {
		return errReply
	}
	fvs, err := c.DB.HRandField(argv[1], count, c.Seed, c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	if len(argv) == 4 {
		return Array(flatFieldValues(fvs)...)
	}
	out := make([]Reply, len(fvs))
	for i, fv := range fvs {
		out[i] = Bulk(fv.Field)
	}
	return Array(out...)
}
