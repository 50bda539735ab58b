package command

import (
	"errors"

	"github.com/pikaraft/pikaraft/engine"
)

// Bitmap commands on string values (Redis 7 forms, BYTE/BIT ranges included).

func init() {
	bm := func(rw, speed string) []string { return []string{rw, "bitmap", speed} }
	Commands.Register(
		&Spec{Name: "setbit", Arity: 4, Flags: FlagWrite | FlagDenyOOM, Categories: bm("write", "slow"), FirstKey: 1, LastKey: 1,
			Group: "bitmap", Summary: "Sets or clears the bit at offset of the string value. Creates the key if it doesn't exist.", Since: "2.2.0", Run: cmdSetBit},
		&Spec{Name: "getbit", Arity: 3, Flags: FlagReadOnly | FlagFast, Categories: bm("read", "fast"), FirstKey: 1, LastKey: 1,
			Group: "bitmap", Summary: "Returns a bit value by offset.", Since: "2.2.0", Run: cmdGetBit},
		&Spec{Name: "bitcount", Arity: -2, Flags: FlagReadOnly, Categories: bm("read", "slow"), FirstKey: 1, LastKey: 1,
			Group: "bitmap", Summary: "Counts the number of set bits (population counting) in a string.", Since: "2.6.0", Run: cmdBitCount},
		&Spec{Name: "bitpos", Arity: -3, Flags: FlagReadOnly, Categories: bm("read", "slow"), FirstKey: 1, LastKey: 1,
			Group: "bitmap", Summary: "Finds the first set (1) or clear (0) bit in a string.", Since: "2.8.7", Run: cmdBitPos},
		&Spec{Name: "bitop", Arity: -4, Flags: FlagWrite | FlagDenyOOM, Categories: bm("write", "slow"), FirstKey: 2, LastKey: -1,
			Group: "bitmap", Summary: "Performs bitwise operations on multiple strings, and stores the result.", Since: "2.6.0", Run: cmdBitOp},
	)
}

var (
	errBitOffset = engine.ErrBitOffset
	errBitValue  = errors.New("ERR bit is not an integer or out of range")
	errBitArg    = errors.New("ERR The bit argument must be 1 or 0.")
)

// parseBitOffset parses a SETBIT/GETBIT offset (0 .. 2^32-1).
func parseBitOffset(b []byte) (int64, error) {
	n, ok := ParseInt(b)
	if !ok || n < 0 || n > engine.MaxBitOffset {
		return 0, errBitOffset
	}
	return n, nil
}

func cmdSetBit(c *Ctx, argv [][]byte) Reply {
	off, err := parseBitOffset(argv[2])
	if err != nil {
		return ErrReply(err)
	}
	bit, ok := ParseInt(argv[3])
	if !ok || bit&^1 != 0 {
		return ErrReply(errBitValue)
	}
	old, err := c.DB.SetBit(c.W, argv[1], off, int(bit))
	return strIntReply(int64(old), err)
}

func cmdGetBit(c *Ctx, argv [][]byte) Reply {
	off, err := parseBitOffset(argv[2])
	if err != nil {
		return ErrReply(err)
	}
	bit, err := c.DB.GetBit(argv[1], off, c.NowMs)
	return strIntReply(int64(bit), err)
}

// parseBitUnit parses the optional BYTE|BIT argument of a range.
func parseBitUnit(r *engine.BitRange, arg []byte) error {
	switch {
	case EqualFold(arg, "bit"):
		r.Bit = true
	case EqualFold(arg, "byte"):
		r.Bit = false
	default:
		return ErrSyntax
	}
	return nil
}

// cmdBitCount is BITCOUNT key [start end [BYTE|BIT]].
func cmdBitCount(c *Ctx, argv [][]byte) Reply {
	var rng *engine.BitRange
	switch len(argv) {
	case 2:
	case 4, 5:
		start, ok1 := ParseInt(argv[2])
		end, ok2 := ParseInt(argv[3])
		if !ok1 || !ok2 {
			return ErrReply(ErrNotInteger)
		}
		rng = &engine.BitRange{Start: start, End: end}
		if len(argv) == 5 {
			if err := parseBitUnit(rng, argv[4]); err != nil {
				return ErrReply(err)
			}
		}
	default:
		return ErrReply(ErrSyntax)
	}
	return strIntReply(c.DB.BitCount(argv[1], rng, c.NowMs))
}

// cmdBitPos is BITPOS key bit [start [end [BYTE|BIT]]].
func cmdBitPos(c *Ctx, argv [][]byte) Reply {
	bit, ok := ParseInt(argv[2])
	if !ok {
		return ErrReply(ErrNotInteger)
	}
	if bit != 0 && bit != 1 {
		return ErrReply(errBitArg)
	}
	if len(argv) > 6 {
		return ErrReply(ErrSyntax)
	}
	var rng *engine.BitRange
	endGiven := false
	if len(argv) >= 4 {
		start, ok := ParseInt(argv[3])
		if !ok {
			return ErrReply(ErrNotInteger)
		}
		rng = &engine.BitRange{Start: start, End: -1}
		if len(argv) == 6 {
			if err := parseBitUnit(rng, argv[5]); err != nil {
				return ErrReply(err)
			}
		}
		if len(argv) >= 5 {
			if rng.End, ok = ParseInt(argv[4]); !ok {
				return ErrReply(ErrNotInteger)
			}
			endGiven = true
		}
	}
	return strIntReply(c.DB.BitPos(argv[1], int(bit), rng, endGiven, c.NowMs))
}

// cmdBitOp is BITOP AND|OR|XOR|NOT destkey key [key ...].
func cmdBitOp(c *Ctx, argv [][]byte) Reply {
	ops := map[string]engine.BitOpKind{"and": engine.BitAnd, "or": engine.BitOr, "xor": engine.BitXor, "not": engine.BitNot}
	op, ok := ops[lowerASCII(argv[1])]
	if !ok || len(argv) < 4 {
		return ErrReply(ErrSyntax)
	}
	return strIntReply(c.DB.BitOp(c.W, op, argv[2], argv[3:]))
}
