package command

import "github.com/pikaraft/pikaraft/engine"

// Set commands (Redis 7 forms). SPOP and SRANDMEMBER draw from c.Seed, so
// every node applying the same log entry pops the same members.

func init() {
	w, r := FlagWrite, FlagReadOnly
	Commands.Register(
		setSpec("sadd", -3, w|FlagDenyOOM|FlagFast, 1, 1, "1.0.0",
			"Add one or more members to a set", saddCmd),
		setSpec("srem", -3, w|FlagFast, 1, 1, "1.0.0",
			"Remove one or more members from a set", sremCmd),
		setSpec("smove", 4, w|FlagFast, 1, 2, "1.0.0",
			"Move a member from one set to another", smoveCmd),
		setSpec("spop", -2, w|FlagFast, 1, 1, "1.0.0",
			"Remove and return one or multiple random members from a set", spopCmd),
		setSpec("scard", 2, r|FlagFast, 1, 1, "1.0.0",
			"Get the number of members in a set", scardCmd),
		setSpec("sismember", 3, r|FlagFast, 1, 1, "1.0.0",
			"Determine if a given value is a member of a set", sismemberCmd),
		setSpec("smismember", -3, r|FlagFast, 1, 1, "6.2.0",
			"Returns the membership associated with the given elements for a set", smismemberCmd),
		setSpec("smembers", 2, r, 1, 1, "1.0.0",
			"Get all the members in a set", smembersCmd),
		setSpec("srandmember", -2, r, 1, 1, "1.0.0",
			"Get one or multiple random members from a set", srandmemberCmd),
		setSpec("sunion", -2, r, 1, -1, "1.0.0",
			"Add multiple sets", setReadCmd("sunion", (*engine.DB).SUnion)),
		setSpec("sinter", -2, r, 1, -1, "1.0.0",
			"Intersect multiple sets", setReadCmd("sinter", (*engine.DB).SInter)),
		setSpec("sdiff", -2, r, 1, -1, "1.0.0",
			"Subtract multiple sets", setReadCmd("sdiff", (*engine.DB).SDiff)),
		setSpec("sunionstore", -3, w|FlagDenyOOM, 1, -1, "1.0.0",
			"Add multiple sets and store the resulting set in a key", setStoreCmd("sunionstore", (*engine.DB).SUnionStore)),
		setSpec("sinterstore", -3, w|FlagDenyOOM, 1, -1, "1.0.0",
			"Intersect multiple sets and store the resulting set in a key", setStoreCmd("sinterstore", (*engine.DB).SInterStore)),
		setSpec("sdiffstore", -3, w|FlagDenyOOM, 1, -1, "1.0.0",
			"Subtract multiple sets and store the resulting set in a key", setStoreCmd("sdiffstore", (*engine.DB).SDiffStore)),
		setSpec("sscan", -3, r, 1, 1, "2.8.0",
			"Incrementally iterate Set elements", sscanCmd),
	)
}

// setSpec builds the spec of a set command with keys first..last.
func setSpec(name string, arity int, flags Flags, first, last int, since, summary string, run Handler) *Spec {
	return collSpec("set", name, arity, flags, first, last, since, summary, run)
}

func saddCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 3 {
		return WrongArity("sadd")
	}
	n, err := c.DB.SAdd(c.W, argv[1], argv[2:])
	if err != nil {
		return ErrReply(err)
	}
	return Int(n)
}

func sremCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 3 {
		return WrongArity("srem")
	}
	n, err := c.DB.SRem(c.W, argv[1], argv[2:])
	if err != nil {
		return ErrReply(err)
	}
	return Int(n)
}

func smoveCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 4 {
		return WrongArity("smove")
	}
	ok, err := c.DB.SMove(c.W, argv[1], argv[2], argv[3])
	if err != nil {
		return ErrReply(err)
	}
	return boolInt(ok)
}

// spopCmd is SPOP key [count]: a bulk (nil if missing) without count, a
// set reply (empty if missing) with it.
func spopCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 2 {
		return WrongArity("spop")
	}
	if len(argv) > 3 {
		return ErrReply(ErrSyntax)
	}
	if len(argv) == 2 {
		popped, err := c.DB.SPop(c.W, argv[1], 1, c.Seed)
		if err != nil {
			return ErrReply(err)
		}
		if len(popped) == 0 {
			return Nil()
		}
		return Bulk(popped[0])
	}
	// Redis 7 gives the same text for a non-number and a negative count.
	count, ok := ParseInt(argv[2])
	if !ok || count < 0 {
		return ErrReply(ErrNotPositive)
	}
	popped, err := c.DB.SPop(c.W, argv[1], count, c.Seed)
	if err != nil {
		return ErrReply(err)
	}
	return Set(BulkArray(popped).Elems...)
}

// srandmemberCmd is SRANDMEMBER key [count]: a bulk (nil if missing)
// without count, an array (empty if missing) with it.
func srandmemberCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 2 {
		return WrongArity("srandmember")
	}
	if len(argv) > 3 {
		return ErrReply(ErrSyntax)
	}
	if len(argv) == 2 {
		got, err := c.DB.SRandMember(argv[1], 1, c.Seed, c.NowMs)
		if err != nil {
			return ErrReply(err)
		}
		if len(got) == 0 {
			return Nil()
		}
		return Bulk(got[0])
	}
	count, errReply, ok := parseRandomCount(argv[2])
	if !ok {
		return errReply
	}
	got, err := c.DB.SRandMember(argv[1], count, c.Seed, c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	return BulkArray(got)
}

func scardCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 2 {
		return WrongArity("scard")
	}
	n, err := c.DB.SCard(argv[1], c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	return Int(n)
}

func sismemberCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 3 {
		return WrongArity("sismember")
	}
	ok, err := c.DB.SIsMember(argv[1], argv[2], c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	return boolInt(ok)
}

func smismemberCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 3 {
		return WrongArity("smismember")
	}
	res, err := c.DB.SMIsMember(argv[1], argv[2:], c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	out := make([]Reply, len(res))
	for i, b := range res {
		out[i] = boolInt(b)
	}
	return Array(out...)
}

func smembersCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) != 2 {
		return WrongArity("smembers")
	}
	members, err := c.DB.SMembers(argv[1], c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	return Set(BulkArray(members).Elems...)
}

// setReadCmd is SUNION/SINTER/SDIFF key [key ...].
func setReadCmd(name string, op func(*engine.DB, [][]byte, int64) ([][]byte, error)) Handler {
	return func(c *Ctx, argv [][]byte) Reply {
		if len(argv) < 2 {
			return WrongArity(name)
		}
		members, err := op(c.DB, argv[1:], c.NowMs)
		if err != nil {
			return ErrReply(err)
		}
		return Set(BulkArray(members).Elems...)
	}
}

// setStoreCmd is SUNIONSTORE/SINTERSTORE/SDIFFSTORE destination key [key ...].
func setStoreCmd(name string, op func(*engine.DB, engine.Writer, []byte, [][]byte) (int64, error)) Handler {
	return func(c *Ctx, argv [][]byte) Reply {
		if len(argv) < 3 {
			return WrongArity(name)
		}
		n, err := op(c.DB, c.W, argv[1], argv[2:])
		if err != nil {
			return ErrReply(err)
		}
		return Int(n)
	}
}
