package command

import (
	"errors"
	"fmt"
	"math"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/engine/hotcache"
)

// The string commands (Redis 7 forms plus Pika's DELVX, PKSETEXAT and SET
// ... VX). Expiry is stored as Pika does, in whole seconds.

func init() {
	w := FlagWrite | FlagDenyOOM
	wf := w | FlagFast
	r := FlagReadOnly
	rf := r | FlagFast
	str := func(rw, speed string) []string { return []string{rw, "string", speed} }
	Commands.Register(
		&Spec{Name: "get", Arity: 2, Flags: rf, Categories: str("read", "fast"), FirstKey: 1, LastKey: 1,
			Group: "string", Summary: "Returns the string value of a key.", Since: "1.0.0", Run: cmdGet},
		&Spec{Name: "set", Arity: -3, Flags: w, Categories: str("write", "slow"), FirstKey: 1, LastKey: 1,
			Group: "string", Summary: "Sets the string value of a key, ignoring its type. The key is created if it doesn't exist.", Since: "1.0.0", Run: cmdSet, WriteGroup: true},
		&Spec{Name: "setnx", Arity: 3, Flags: wf, Categories: str("write", "fast"), FirstKey: 1, LastKey: 1,
			Group: "string", Summary: "Set the string value of a key only when the key doesn't exist.", Since: "1.0.0", Run: cmdSetNX},
		&Spec{Name: "setex", Arity: 4, Flags: w, Categories: str("write", "slow"), FirstKey: 1, LastKey: 1,
			Group: "string", Summary: "Sets the string value and expiration time of a key. Creates the key if it doesn't exist.", Since: "2.0.0", Run: cmdSetEx, WriteGroup: true},
		&Spec{Name: "psetex", Arity: 4, Flags: w, Categories: str("write", "slow"), FirstKey: 1, LastKey: 1,
			Group: "string", Summary: "Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn't exist.", Since: "2.6.0", Run: cmdPSetEx, WriteGroup: true},
		&Spec{Name: "pksetexat", Arity: 4, Flags: w, Categories: str("write", "slow"), FirstKey: 1, LastKey: 1,
			Group: "string", Summary: "Sets the string value of a key with an absolute expiry in Unix seconds (Pika).", Since: "3.0.0", Run: cmdPKSetExAt},
		&Spec{Name: "getset", Arity: 3, Flags: wf, Categories: str("write", "fast"), FirstKey: 1, LastKey: 1,
			Group: "string", Summary: "Returns the previous string value of a key after setting it to a new value.", Since: "1.0.0", Run: cmdGetSet},
		&Spec{Name: "getdel", Arity: 2, Flags: FlagWrite | FlagFast, Categories: str("write", "fast"), FirstKey: 1, LastKey: 1,
			Group: "string", Summary: "Returns the string value of a key after deleting the key.", Since: "6.2.0", Run: cmdGetDel},
		&Spec{Name: "getex", Arity: -2, Flags: FlagWrite | FlagFast, Categories: str("write", "fast"), FirstKey: 1, LastKey: 1,
			Group: "string", Summary: "Returns the string value of a key after setting its expiration time.", Since: "6.2.0", Run: cmdGetEx},
		&Spec{Name: "mset", Arity: -3, Flags: w, Categories: str("write", "slow"), FirstKey: 1, LastKey: -1, Step: 2,
			Group: "string", Summary: "Atomically creates or modifies the string values of one or more keys.", Since: "1.0.1", Run: cmdMSet, WriteGroup: true},
		&Spec{Name: "msetnx", Arity: -3, Flags: w, Categories: str("write", "slow"), FirstKey: 1, LastKey: -1, Step: 2,
			Group: "string", Summary: "Atomically modifies the string values of one or more keys only when all keys don't exist.", Since: "1.0.1", Run: cmdMSetNX},
		&Spec{Name: "mget", Arity: -2, Flags: rf, Categories: str("read", "fast"), FirstKey: 1, LastKey: -1,
			Group: "string", Summary: "Atomically returns the string values of one or more keys.", Since: "1.0.0", Run: cmdMGet},
		&Spec{Name: "append", Arity: 3, Flags: wf, Categories: str("write", "fast"), FirstKey: 1, LastKey: 1,
			Group: "string", Summary: "Appends a string to the value of a key. Creates the key if it doesn't exist.", Since: "2.0.0", Run: cmdAppend},
		&Spec{Name: "incr", Arity: 2, Flags: wf, Categories: str("write", "fast"), FirstKey: 1, LastKey: 1,
			Group: "string", Summary: "Increments the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", Since: "1.0.0", Run: cmdIncr},
		&Spec{Name: "decr", Arity: 2, Flags: wf, Categories: str("write", "fast"), FirstKey: 1, LastKey: 1,
			Group: "string", Summary: "Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn't exist.", Since: "1.0.0", Run: cmdDecr},
		&Spec{Name: "incrby", Arity: 3, Flags: wf, Categories: str("write", "fast"), FirstKey: 1, LastKey: 1,
			Group: "string", Summary: "Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn't exist.", Since: "1.0.0", Run: cmdIncrBy},
		&Spec{Name: "decrby", Arity: 3, Flags: wf, Categories: str("write", "fast"), FirstKey: 1, LastKey: 1,
			Group: "string", Summary: "Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn't exist.", Since: "1.0.0", Run: cmdDecrBy},
		&Spec{Name: "incrbyfloat", Arity: 3, Flags: wf, Categories: str("write", "fast"), FirstKey: 1, LastKey: 1,
			Group: "string", Summary: "Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn't exist.", Since: "2.6.0", Run: cmdIncrByFloat},
		&Spec{Name: "setrange", Arity: 4, Flags: w, Categories: str("write", "slow"), FirstKey: 1, LastKey: 1,
			Group: "string", Summary: "Overwrites a part of a string value with another by an offset. Creates the key if it doesn't exist.", Since: "2.2.0", Run: cmdSetRange},
		&Spec{Name: "getrange", Arity: 4, Flags: r, Categories: str("read", "slow"), FirstKey: 1, LastKey: 1,
			Group: "string", Summary: "Returns a substring of the string stored at a key.", Since: "2.4.0", Run: cmdGetRange},
		&Spec{Name: "strlen", Arity: 2, Flags: rf, Categories: str("read", "fast"), FirstKey: 1, LastKey: 1,
			Group: "string", Summary: "Returns the length of a string value.", Since: "2.2.0", Run: cmdStrlen},
		&Spec{Name: "delvx", Arity: 3, Flags: FlagWrite, Categories: str("write", "slow"), FirstKey: 1, LastKey: 1,
			Group: "string", Summary: "Deletes a key if its string value equals the given value (Pika).", Since: "3.0.0", Run: cmdDelVX},
	)
}

// strValueReply is the bulk reply of a read value, nil for a missing key.
func strValueReply(v []byte, err error) Reply {
	if errors.Is(err, engine.ErrNotFound) {
		return Nil()
	}
	if err != nil {
		return ErrReply(err)
	}
	return Bulk(v)
}

// strIntReply is the integer reply of an engine result.
func strIntReply(n int64, err error) Reply {
	if err != nil {
		return ErrReply(err)
	}
	return Int(n)
}

// strBoolInt is 1 for true, 0 for false (Redis replies integers, not booleans, here).
func strBoolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// strInvalidExpire is Redis 7's error for a bad TTL of command cmd.
func strInvalidExpire(cmd string) error {
	return fmt.Errorf("ERR invalid expire time in '%s' command", cmd)
}

// strExpireAt converts an expiry argument (unit "ex", "px", "exat" or
// "pxat") to the absolute Unix second Pika stores. Relative times count
// from the command's cluster time; milliseconds are truncated to seconds.
func strExpireAt(unit string, arg []byte, nowMs int64, cmd string) (int64, error) {
	n, ok := ParseInt(arg)
	if !ok {
		return 0, ErrNotInteger
	}
	if n <= 0 {
		return 0, strInvalidExpire(cmd)
	}
	var at int64
	switch unit {
	case "ex":
		if n > math.MaxInt32 {
			return 0, strInvalidExpire(cmd)
		}
		at = nowMs/1000 + n
	case "px":
		at = nowMs/1000 + n/1000
	case "exat":
		at = n
	case "pxat":
		at = max(n/1000, 1) // still in the past, never 0 (= no TTL)
	}
	if at > math.MaxInt32 {
		return 0, strInvalidExpire(cmd)
	}
	return at, nil
}

func cmdGet(c *Ctx, argv [][]byte) Reply {
	if c.Cache.Serves(hotcache.KindString) {
		return cachedGet(c, argv[1])
	}
	return strValueReply(c.DB.Get(argv[1], c.NowMs))
}

// setArgs is the parsed option list of SET.
type setArgs struct {
	opt     engine.SetOptions
	expUnit string // "", "ex", "px", "exat", "pxat"
	expArg  []byte
}

// parseSetArgs parses SET's options as Redis 7 does (any order, conflicts
// are syntax errors), plus Pika's `VX <value>`.
func parseSetArgs(args [][]byte) (setArgs, error) {
	var s setArgs
	for i := 0; i < len(args); i++ {
		a := args[i]
		hasNext := i+1 < len(args)
		switch {
		case EqualFold(a, "nx") && s.opt.Cond != engine.SetIfExists && s.opt.Cond != engine.SetIfEqual:
			s.opt.Cond = engine.SetIfAbsent
		case EqualFold(a, "xx") && s.opt.Cond != engine.SetIfAbsent && s.opt.Cond != engine.SetIfEqual:
			s.opt.Cond = engine.SetIfExists
		case EqualFold(a, "vx") && hasNext && !s.opt.Get &&
			(s.opt.Cond == engine.SetAlways || s.opt.Cond == engine.SetIfEqual):
			s.opt.Cond, s.opt.Match = engine.SetIfEqual, args[i+1]
			i++
		case EqualFold(a, "get") && s.opt.Cond != engine.SetIfEqual:
			s.opt.Get = true
		case EqualFold(a, "keepttl") && s.expUnit == "":
			s.opt.KeepTTL = true
		default:
			unit := ""
			for _, u := range []string{"ex", "px", "exat", "pxat"} {
				if EqualFold(a, u) {
					unit = u
				}
			}
			if unit == "" || !hasNext || s.opt.KeepTTL || s.expUnit != "" && s.expUnit != unit {
				return s, ErrSyntax
			}
			s.expUnit, s.expArg = unit, args[i+1]
			i++
		}
	}
	return s, nil
}

func cmdSet(c *Ctx, argv [][]byte) Reply {
	s, err := parseSetArgs(argv[3:])
	if err != nil {
		return ErrReply(err)
	}
	if s.expUnit != "" {
		if s.opt.ExpireAt, err = strExpireAt(s.expUnit, s.expArg, c.NowMs, "set"); err != nil {
			return ErrReply(err)
		}
	}
	res, err := c.DB.Set(c.W, argv[1], argv[2], s.opt)
	switch {
	case err != nil:
		return ErrReply(err)
	case s.opt.Cond == engine.SetIfEqual && res.Written:
		return Int(1)
	case s.opt.Cond == engine.SetIfEqual && res.Found:
		return Int(-1)
	case s.opt.Cond == engine.SetIfEqual:
		return Int(0)
	case s.opt.Get && res.Found:
		return Bulk(res.Old)
	case s.opt.Get:
		return Nil()
	case res.Written:
		return OK()
	}
	return Nil()
}

func cmdSetNX(c *Ctx, argv [][]byte) Reply {
	res, err := c.DB.Set(c.W, argv[1], argv[2], engine.SetOptions{Cond: engine.SetIfAbsent})
	if err != nil {
		return ErrReply(err)
	}
	return Int(strBoolInt(res.Written))
}

// setWithTTL is SETEX and PSETEX: key ttl value.
func setWithTTL(c *Ctx, argv [][]byte, unit, cmd string) Reply {
	at, err := strExpireAt(unit, argv[2], c.NowMs, cmd)
	if err != nil {
		return ErrReply(err)
	}
	if _, err := c.DB.Set(c.W, argv[1], argv[3], engine.SetOptions{ExpireAt: at}); err != nil {
		return ErrReply(err)
	}
	return OK()
}

func cmdSetEx(c *Ctx, argv [][]byte) Reply  { return setWithTTL(c, argv, "ex", "setex") }
func cmdPSetEx(c *Ctx, argv [][]byte) Reply { return setWithTTL(c, argv, "px", "psetex") }

// cmdPKSetExAt is Pika's PKSETEXAT key timestamp value: the absolute
// expiry is stored verbatim (a past one makes the key expire at once;
// 0 means none — Pika logs INCR/APPEND on a key without TTL that way).
func cmdPKSetExAt(c *Ctx, argv [][]byte) Reply {
	if string(argv[2]) == "0" {
		if _, err := c.DB.Set(c.W, argv[1], argv[3], engine.SetOptions{}); err != nil {
			return ErrReply(err)
		}
		return OK()
	}
	return setWithTTL(c, argv, "exat", "pksetexat")
}

func cmdGetSet(c *Ctx, argv [][]byte) Reply {
	res, err := c.DB.Set(c.W, argv[1], argv[2], engine.SetOptions{Get: true})
	if err != nil {
		return ErrReply(err)
	}
	if !res.Found {
		return Nil()
	}
	return Bulk(res.Old)
}

func cmdGetDel(c *Ctx, argv [][]byte) Reply {
	return strValueReply(c.DB.GetDel(c.W, argv[1]))
}

// cmdGetEx is GETEX key [EX s | PX ms | EXAT ts | PXAT ms-ts | PERSIST].
func cmdGetEx(c *Ctx, argv [][]byte) Reply {
	var opt engine.GetExOptions
	unit := ""
	var arg []byte
	for i := 2; i < len(argv); i++ {
		a := argv[i]
		switch {
		case EqualFold(a, "persist") && unit == "":
			opt.Persist = true
		case (EqualFold(a, "ex") || EqualFold(a, "px") || EqualFold(a, "exat") || EqualFold(a, "pxat")) &&
			i+1 < len(argv) && !opt.Persist && (unit == "" || EqualFold(a, unit)):
			unit, arg = lowerASCII(a), argv[i+1]
			i++
		default:
			return ErrReply(ErrSyntax)
		}
	}
	if unit != "" {
		var err error
		if opt.ExpireAt, err = strExpireAt(unit, arg, c.NowMs, "getex"); err != nil {
			return ErrReply(err)
		}
	}
	return strValueReply(c.DB.GetEx(c.W, argv[1], opt))
}

func cmdMSet(c *Ctx, argv [][]byte) Reply {
	if len(argv)%2 != 1 {
		return WrongArity("mset")
	}
	if err := c.DB.MSet(c.W, argv[1:]); err != nil {
		return ErrReply(err)
	}
	return OK()
}

func cmdMSetNX(c *Ctx, argv [][]byte) Reply {
	if len(argv)%2 != 1 {
		return WrongArity("msetnx")
	}
	ok, err := c.DB.MSetNX(c.W, argv[1:])
	if err != nil {
		return ErrReply(err)
	}
	return Int(strBoolInt(ok))
}

func cmdMGet(c *Ctx, argv [][]byte) Reply {
	vals, err := c.DB.MGet(argv[1:], c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	return NullableBulkArray(vals)
}

func cmdAppend(c *Ctx, argv [][]byte) Reply {
	return strIntReply(c.DB.Append(c.W, argv[1], argv[2]))
}

func cmdIncr(c *Ctx, argv [][]byte) Reply { return strIntReply(c.DB.IncrBy(c.W, argv[1], 1)) }
func cmdDecr(c *Ctx, argv [][]byte) Reply { return strIntReply(c.DB.IncrBy(c.W, argv[1], -1)) }

func cmdIncrBy(c *Ctx, argv [][]byte) Reply {
	by, ok := ParseInt(argv[2])
	if !ok {
		return ErrReply(ErrNotInteger)
	}
	return strIntReply(c.DB.IncrBy(c.W, argv[1], by))
}

func cmdDecrBy(c *Ctx, argv [][]byte) Reply {
	by, ok := ParseInt(argv[2])
	if !ok {
		return ErrReply(ErrNotInteger)
	}
	if by == math.MinInt64 {
		return Err("ERR decrement would overflow")
	}
	return strIntReply(c.DB.IncrBy(c.W, argv[1], -by))
}

func cmdIncrByFloat(c *Ctx, argv [][]byte) Reply {
	v, err := c.DB.IncrByFloat(c.W, argv[1], argv[2])
	if err != nil {
		return ErrReply(err)
	}
	return Bulk(v)
}

func cmdSetRange(c *Ctx, argv [][]byte) Reply {
	off, ok := ParseInt(argv[2])
	if !ok {
		return ErrReply(ErrNotInteger)
	}
	return strIntReply(c.DB.SetRange(c.W, argv[1], off, argv[3]))
}

func cmdGetRange(c *Ctx, argv [][]byte) Reply {
	start, ok1 := ParseInt(argv[2])
	end, ok2 := ParseInt(argv[3])
	if !ok1 || !ok2 {
		return ErrReply(ErrNotInteger)
	}
	v, err := c.DB.GetRange(argv[1], start, end, c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	return Bulk(v)
}

func cmdStrlen(c *Ctx, argv [][]byte) Reply {
	return strIntReply(c.DB.Strlen(argv[1], c.NowMs))
}

// cmdDelVX is Pika's DELVX key value: 1 deleted, -1 value differs, 0 missing.
func cmdDelVX(c *Ctx, argv [][]byte) Reply {
	return strIntReply(c.DB.DelVX(c.W, argv[1], argv[2]))
}
