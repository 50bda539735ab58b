package command

// HyperLogLog commands, stored in Pika's register format (see engine/hyperloglog.go).

func init() {
	hl := func(rw, speed string) []string { return []string{rw, "hyperloglog", speed} }
	Commands.Register(
		&Spec{Name: "pfadd", Arity: -2, Flags: FlagWrite | FlagDenyOOM | FlagFast, Categories: hl("write", "fast"), FirstKey: 1, LastKey: 1,
			Group: "hyperloglog", Summary: "Adds elements to a HyperLogLog key. Creates the key if it doesn't exist.", Since: "2.8.9", Run: cmdPFAdd},
		&Spec{Name: "pfcount", Arity: -2, Flags: FlagReadOnly, Categories: hl("read", "slow"), FirstKey: 1, LastKey: -1,
			Group: "hyperloglog", Summary: "Returns the approximated cardinality of the set(s) observed by the HyperLogLog key(s).", Since: "2.8.9", Run: cmdPFCount},
		&Spec{Name: "pfmerge", Arity: -2, Flags: FlagWrite | FlagDenyOOM, Categories: hl("write", "slow"), FirstKey: 1, LastKey: -1,
			Group: "hyperloglog", Summary: "Merges one or more HyperLogLog values into a single key.", Since: "2.8.9", Run: cmdPFMerge},
	)
}

func cmdPFAdd(c *Ctx, argv [][]byte) Reply {
	changed, err := c.DB.PFAdd(c.W, argv[1], argv[2:])
	if err != nil {
		return ErrReply(err)
	}
	return Int(strBoolInt(changed))
}

func cmdPFCount(c *Ctx, argv [][]byte) Reply {
	return strIntReply(c.DB.PFCount(argv[1:], c.NowMs))
}

func cmdPFMerge(c *Ctx, argv [][]byte) Reply {
	if err := c.DB.PFMerge(c.W, argv[1], argv[2:]); err != nil {
		return ErrReply(err)
	}
	return OK()
}
