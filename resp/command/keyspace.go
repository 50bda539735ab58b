package command

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/pikaraft/pikaraft/engine"
)

// The key-space commands: operations on a key name across all types
// (Pika keeps one namespace per type, so DEL/EXISTS/EXPIRE count types),
// the key walks (SCAN, KEYS, Pika's SCANX/PKSCANRANGE), DBSIZE, FLUSH*,
// RANDOMKEY and OBJECT.

func init() {
	w, r := FlagWrite, FlagReadOnly
	ks := func(cats ...string) []string { return append([]string{"keyspace"}, cats...) }
	one := func(s *Spec) *Spec { s.FirstKey, s.LastKey, s.Step = 1, 1, 1; return s }
	all := func(s *Spec) *Spec { s.FirstKey, s.LastKey, s.Step = 1, -1, 1; return s }
	Commands.Register(
		all(&Spec{Name: "del", Arity: -2, Flags: w, Categories: ks("write", "slow"), Group: "generic",
			Summary: "Deletes one or more keys (in every type; counts one per type).", Since: "1.0.0", Run: cmdDel}),
		all(&Spec{Name: "unlink", Arity: -2, Flags: w | FlagFast, Categories: ks("write", "fast"), Group: "generic",
			Summary: "Deletes one or more keys (same as DEL: deletion is O(1) per key).", Since: "4.0.0", Run: cmdDel}),
		all(&Spec{Name: "exists", Arity: -2, Flags: r | FlagFast, Categories: ks("read", "fast"), Group: "generic",
			Summary: "Determines whether one or more keys exist (counts one per type).", Since: "1.0.0", Run: cmdExists}),
		one(&Spec{Name: "expire", Arity: -3, Flags: w | FlagFast, Categories: ks("write", "fast"), Group: "generic",
			Summary: "Sets the expiration time of a key in seconds.", Since: "1.0.0", Run: ksExpireCmd(true, false)}),
		one(&Spec{Name: "pexpire", Arity: -3, Flags: w | FlagFast, Categories: ks("write", "fast"), Group: "generic",
			Summary: "Sets the expiration time of a key in milliseconds (stored in seconds).", Since: "2.6.0", Run: ksExpireCmd(false, false)}),
		one(&Spec{Name: "expireat", Arity: -3, Flags: w | FlagFast, Categories: ks("write", "fast"), Group: "generic",
			Summary: "Sets the expiration time of a key to a Unix timestamp.", Since: "1.2.0", Run: ksExpireCmd(true, true)}),
		one(&Spec{Name: "pexpireat", Arity: -3, Flags: w | FlagFast, Categories: ks("write", "fast"), Group: "generic",
			Summary: "Sets the expiration time of a key to a Unix milliseconds timestamp (stored in seconds).", Since: "2.6.0", Run: ksExpireCmd(false, true)}),
		one(&Spec{Name: "ttl", Arity: 2, Flags: r | FlagFast, Categories: ks("read", "fast"), Group: "generic",
			Summary: "Returns the expiration time in seconds of a key.", Since: "1.0.0", Run: cmdTTL}),
		one(&Spec{Name: "pttl", Arity: 2, Flags: r | FlagFast, Categories: ks("read", "fast"), Group: "generic",
			Summary: "Returns the expiration time in milliseconds of a key.", Since: "2.6.0", Run: cmdPTTL}),
		one(&Spec{Name: "persist", Arity: 2, Flags: w | FlagFast, Categories: ks("write", "fast"), Group: "generic",
			Summary: "Removes the expiration time of a key.", Since: "2.2.0", Run: cmdPersist}),
		one(&Spec{Name: "type", Arity: 2, Flags: r | FlagFast, Categories: ks("read", "fast"), Group: "generic",
			Summary: "Determines the type of value stored at a key.", Since: "1.0.0", Run: cmdType}),
		one(&Spec{Name: "ptype", Arity: 2, Flags: r | FlagFast, Categories: ks("read", "fast"), Group: "generic",
			Summary: "Returns every type a key exists in (Pika).", Since: "3.0.0", Run: cmdPType}),
		&Spec{Name: "scan", Arity: -2, Flags: r, Categories: ks("read", "slow"), Group: "generic",
			Summary: "Iterates over the key names in the database.", Since: "2.8.0", Run: cmdScan},
		&Spec{Name: "scanx", Arity: -3, Flags: r, Categories: ks("read", "slow"), Group: "generic",
			Summary: "Iterates over the keys of one type from a start key (Pika).", Since: "3.0.0", Run: cmdScanX},
		&Spec{Name: "keys", Arity: -2, Flags: r, Categories: ks("read", "slow", "dangerous"), Group: "generic",
			Summary: "Returns all key names that match a pattern.", Since: "1.0.0", Run: cmdKeys},
		&Spec{Name: "randomkey", Arity: 1, Flags: r, Categories: ks("read", "slow"), Group: "generic",
			Summary: "Returns a random key name from the database.", Since: "1.0.0", Run: cmdRandomKey},
		&Spec{Name: "dbsize", Arity: 1, Flags: r | FlagFast, Categories: ks("read", "fast"), Group: "server",
			Summary: "Returns the number of keys in the database (one per type a name lives in).", Since: "1.0.0", Run: cmdDBSize},
		&Spec{Name: "flushdb", Arity: -1, Flags: w, Categories: ks("write", "slow", "dangerous"), Group: "server",
			Summary: "Removes all keys from the current database.", Since: "1.0.0", Run: cmdFlushDB},
		&Spec{Name: "flushall", Arity: -1, Flags: w, Categories: ks("write", "slow", "dangerous"), Group: "server",
			Summary: "Removes all keys from all databases.", Since: "1.0.0", Run: cmdFlushAll},
		&Spec{Name: "pkscanrange", Arity: -4, Flags: r, Categories: ks("read", "slow"), Group: "generic",
			Summary: "Returns the keys of one type between a start and an end key (Pika).", Since: "3.0.0", Run: ksRangeCmd(false)},
		&Spec{Name: "pkrscanrange", Arity: -4, Flags: r, Categories: ks("read", "slow"), Group: "generic",
			Summary: "Returns the keys of one type between a start and an end key, backwards (Pika).", Since: "3.0.0", Run: ksRangeCmd(true)},
		&Spec{Name: "pkpatternmatchdel", Arity: 3, Flags: w | FlagAdmin, Categories: ks("write", "slow", "dangerous", "admin"), Group: "generic",
			Summary: "Deletes every key of one type matching a pattern (Pika).", Since: "3.0.0", Run: cmdPKPatternMatchDel},
		&Spec{Name: "object", Arity: -2, Flags: r, Categories: ks("read", "slow"), FirstKey: 2, LastKey: 2, Step: 1, Group: "generic",
			Summary: "Inspects the internals of a key (encoding, refcount, idle time).", Since: "2.2.3", Run: cmdObject},
	)
}

// ksInt is the integer reply of an engine result.
func ksInt(n int64, err error) Reply {
	if err != nil {
		return ErrReply(err)
	}
	return Int(n)
}

func cmdDel(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 2 {
		return WrongArity(string(argv[0]))
	}
	return ksInt(c.DB.Del(c.W, argv[1:]...))
}

func cmdExists(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 2 {
		return WrongArity(string(argv[0]))
	}
	return ksInt(c.DB.Exists(argv[1:], c.NowMs))
}

// ksExpireCmd builds EXPIRE (seconds, relative), PEXPIRE, EXPIREAT and
// PEXPIREAT. Pika stores whole seconds: milliseconds are truncated, so
// PEXPIRE with less than 1000 ms deletes the key.
func ksExpireCmd(seconds, absolute bool) Handler {
	return func(c *Ctx, argv [][]byte) Reply {
		if len(argv) < 3 {
			return WrongArity(string(argv[0]))
		}
		name := lowerASCII(argv[0])
		cond, rep, ok := ksParseExpireCond(argv[3:])
		if !ok {
			return rep
		}
		when, ok := ParseInt(argv[2])
		if !ok {
			return ErrReply(ErrNotInteger)
		}
		invalid := Err(fmt.Sprintf("ERR invalid expire time in '%s' command", name))
		// Redis' overflow checks on the time in milliseconds.
		whenMs := when
		if seconds {
			if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
				return invalid
			}
			whenMs = when * 1000
		}
		if !absolute && whenMs > math.MaxInt64-c.W.NowMs {
			return invalid
		}
		var n int64
		var err error
		switch {
		case seconds && absolute:
			n, err = c.DB.ExpireAt(c.W, argv[1], when, cond)
		case absolute:
			n, err = c.DB.PExpireAt(c.W, argv[1], when, cond)
		case seconds:
			n, err = c.DB.Expire(c.W, argv[1], when, cond)
		default:
			n, err = c.DB.PExpire(c.W, argv[1], when, cond)
		}
		if errors.Is(err, engine.ErrInvalidExpire) {
			return invalid
		}
		return ksInt(n, err)
	}
}

// ksParseExpireCond parses Redis 7's NX | XX | GT | LT options.
func ksParseExpireCond(args [][]byte) (engine.ExpireCond, Reply, bool) {
	var nx, xx, gt, lt bool
	for _, a := range args {
		switch {
		case EqualFold(a, "nx"):
			nx = true
		case EqualFold(a, "xx"):
			xx = true
		case EqualFold(a, "gt"):
			gt = true
		case EqualFold(a, "lt"):
			lt = true
		default:
			return 0, Err(fmt.Sprintf("ERR Unsupported option %s", a)), false
		}
	}
	switch {
	case nx && (xx || gt || lt):
		return 0, Err("ERR NX and XX, GT or LT options at the same time are not compatible"), false
	case gt && lt:
		return 0, Err("ERR GT and LT options at the same time are not compatible"), false
	}
	var cond engine.ExpireCond
	for _, f := range []struct {
		on bool
		c  engine.ExpireCond
	}{{nx, engine.ExpireNX}, {xx, engine.ExpireXX}, {gt, engine.ExpireGT}, {lt, engine.ExpireLT}} {
		if f.on {
			cond |= f.c
		}
	}
	return cond, Reply{}, true
}

func cmdTTL(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 2 {
		return WrongArity(string(argv[0]))
	}
	return ksInt(c.DB.TTL(argv[1], c.NowMs))
}

func cmdPTTL(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 2 {
		return WrongArity(string(argv[0]))
	}
	return ksInt(c.DB.PTTL(argv[1], c.NowMs))
}

func cmdPersist(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 2 {
		return WrongArity(string(argv[0]))
	}
	return ksInt(c.DB.Persist(c.W, argv[1]))
}

func cmdType(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 2 {
		return WrongArity(string(argv[0]))
	}
	t, err := c.DB.Type(argv[1], c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	return Status(t)
}

func cmdPType(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 2 {
		return WrongArity(string(argv[0]))
	}
	types, err := c.DB.PType(argv[1], c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	out := make([]Reply, len(types))
	for i, t := range types {
		out[i] = BulkString(t)
	}
	return Array(out...)
}

func cmdDBSize(c *Ctx, argv [][]byte) Reply {
	return ksInt(c.DB.DBSize(c.NowMs))
}

func cmdRandomKey(c *Ctx, argv [][]byte) Reply {
	// A read: mixing in the time makes successive calls differ.
	seed := c.Seed ^ uint64(c.NowMs)*0x9e3779b97f4a7c15
	k, err := c.DB.RandomKey(c.NowMs, seed)
	if errors.Is(err, engine.ErrNotFound) {
		return Nil()
	}
	if err != nil {
		return ErrReply(err)
	}
	return Bulk(k)
}

// ksFlushArg accepts FLUSHDB/FLUSHALL's optional argument: Redis' ASYNC or
// SYNC, or (FLUSHDB) one of Pika's type names, which Pika parses and
// ignores: the whole database is flushed either way.
func ksFlushArg(argv [][]byte, allowType bool) (Reply, bool) {
	if len(argv) > 2 {
		return ErrReply(ErrSyntax), false
	}
	if len(argv) == 2 {
		a := argv[1]
		_, isType := engine.KindByTypeName(a)
		if !EqualFold(a, "async") && !EqualFold(a, "sync") && !(allowType && (isType || EqualFold(a, "all"))) {
			return ErrReply(ErrSyntax), false
		}
	}
	return Reply{}, true
}

func cmdFlushDB(c *Ctx, argv [][]byte) Reply {
	if rep, ok := ksFlushArg(argv, true); !ok {
		return rep
	}
	if err := c.DB.FlushDB(c.W); err != nil {
		return ErrReply(err)
	}
	return OK()
}

func cmdFlushAll(c *Ctx, argv [][]byte) Reply {
	if rep, ok := ksFlushArg(argv, false); !ok {
		return rep
	}
	if c.Engine == nil {
		return Err("ERR flushall needs the engine")
	}
	if err := c.Engine.FlushAll(c.W); err != nil {
		return ErrReply(err)
	}
	return OK()
}

// ksParseScanCursor parses a SCAN cursor (an unsigned 64-bit decimal).
func ksParseScanCursor(arg []byte) (uint64, bool) {
	if len(arg) == 0 || arg[0] == '+' || arg[0] == '-' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(arg), 10, 64)
	return n, err == nil
}

// ksScanOpts are the options of SCAN and SCANX.
type ksScanOpts struct {
	match   []byte
	count   int
	kind    engine.Kind
	hasType bool
}

// ksParseScanOpts parses [MATCH p] [COUNT n] and, if allowed, [TYPE t].
func ksParseScanOpts(args [][]byte, allowType bool) (ksScanOpts, Reply, bool) {
	o := ksScanOpts{count: 10}
	for i := 0; i < len(args); i += 2 {
		if i+1 >= len(args) {
			return o, ErrReply(ErrSyntax), false
		}
		v := args[i+1]
		switch {
		case EqualFold(args[i], "match"):
			o.match = v
		case EqualFold(args[i], "count"):
			n, ok := ParseInt(v)
			if !ok {
				return o, ErrReply(ErrNotInteger), false
			}
			if n < 1 {
				return o, ErrReply(ErrSyntax), false
			}
			if n > math.MaxInt32 {
				n = math.MaxInt32
			}
			o.count = int(n)
		case allowType && EqualFold(args[i], "type"):
			k, ok := engine.KindByTypeName(v)
			if !ok {
				return o, Err(fmt.Sprintf("ERR unknown type name '%s'", v)), false
			}
			o.kind, o.hasType = k, true
		default:
			return o, ErrReply(ErrSyntax), false
		}
	}
	return o, Reply{}, true
}

func cmdScan(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 2 {
		return WrongArity(string(argv[0]))
	}
	cursor, ok := ksParseScanCursor(argv[1])
	if !ok {
		return Err("ERR invalid cursor")
	}
	o, rep, ok := ksParseScanOpts(argv[2:], true)
	if !ok {
		return rep
	}
	next, keys, err := c.DB.Scan(cursor, engine.ScanOptions{Match: o.match, Count: o.count, Type: o.kind, HasType: o.hasType}, c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	return Array(BulkString(strconv.FormatUint(next, 10)), BulkArray(keys))
}

// errKsInvalidType is Pika's reply to an unknown type name in SCANX,
// KEYS' type argument, PKSCANRANGE and PKPATTERNMATCHDEL.
var errKsInvalidType = errors.New("ERR invalid DB type")

// ksParseKind parses a type name of Pika's key commands.
func ksParseKind(arg []byte) (engine.Kind, bool) { return engine.KindByTypeName(arg) }

// SCANX type start_key [MATCH pattern] [COUNT count] -> [next_key, [keys]].
func cmdScanX(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 3 {
		return WrongArity(string(argv[0]))
	}
	k, ok := ksParseKind(argv[1])
	if !ok {
		return ErrReply(errKsInvalidType)
	}
	o, rep, ok := ksParseScanOpts(argv[3:], false)
	if !ok {
		return rep
	}
	next, keys, err := c.DB.ScanX(k, argv[2], o.match, o.count, c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	return Array(Bulk(next), BulkArray(keys))
}

// KEYS pattern [type] (the type argument is Pika's).
func cmdKeys(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 2 {
		return WrongArity(string(argv[0]))
	}
	var kinds []engine.Kind
	switch len(argv) {
	case 2:
	case 3:
		k, ok := ksParseKind(argv[2])
		if !ok {
			return ErrReply(ErrSyntax)
		}
		kinds = []engine.Kind{k}
	default:
		return ErrReply(ErrSyntax)
	}
	keys, err := c.DB.Keys(argv[1], c.NowMs, kinds...)
	if err != nil {
		return ErrReply(err)
	}
	return BulkArray(keys)
}

// ksRangeCmd builds PKSCANRANGE / PKRSCANRANGE:
// type key_start key_end [MATCH pattern] [LIMIT limit] -> [next_key, [keys]].
// The type string_with_value returns key, value pairs.
func ksRangeCmd(reverse bool) Handler {
	return func(c *Ctx, argv [][]byte) Reply {
		if len(argv) < 4 {
			return WrongArity(string(argv[0]))
		}
		values := EqualFold(argv[1], "string_with_value")
		k, ok := ksParseKind(argv[1])
		if values {
			k, ok = engine.KindStrings, true
		}
		if !ok {
			return ErrReply(errKsInvalidType)
		}
		var match []byte
		limit := 10
		args := argv[4:]
		for i := 0; i < len(args); i += 2 {
			if i+1 >= len(args) {
				return ErrReply(ErrSyntax)
			}
			switch {
			case EqualFold(args[i], "match"):
				match = args[i+1]
			case EqualFold(args[i], "limit"):
				n, ok := ParseInt(args[i+1])
				if !ok || n <= 0 {
					return ErrReply(ErrNotInteger)
				}
				if n > math.MaxInt32 {
					n = math.MaxInt32
				}
				limit = int(n)
			default:
				return ErrReply(ErrSyntax)
			}
		}
		scan := c.DB.PKScanRange
		if reverse {
			scan = c.DB.PKRScanRange
		}
		res, err := scan(k, argv[2], argv[3], match, limit, values, c.NowMs)
		if err != nil {
			return ErrReply(err)
		}
		items := make([]Reply, 0, len(res.Keys)*2)
		for i, key := range res.Keys {
			items = append(items, Bulk(key))
			if values {
				items = append(items, Bulk(res.Values[i]))
			}
		}
		return Array(Bulk(res.Next), Array(items...))
	}
}

// PKPATTERNMATCHDEL pattern type -> number of keys deleted.
func cmdPKPatternMatchDel(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 3 {
		return WrongArity(string(argv[0]))
	}
	k, ok := ksParseKind(argv[2])
	if !ok {
		return ErrReply(errKsInvalidType)
	}
	return ksInt(c.DB.PKPatternMatchDel(c.W, k, argv[1]))
}
