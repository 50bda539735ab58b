package command

import "strconv"

// HSCAN, SSCAN and Pika's field-based hash scans (HSCANX, PKHSCANRANGE,
// PKHRSCANRANGE). The engine documents the cursor semantics.

// collScanOpts are the options after a scan's fixed arguments.
type collScanOpts struct {
	match    []byte
	count    int64
	noValues bool
}

// parseCollScanOpts parses [MATCH pattern] [<countWord> n] [NOVALUES]
// (NOVALUES only when allowed). count defaults to 10 and must be >= 1.
func parseCollScanOpts(args [][]byte, countWord string, allowNoValues bool) (collScanOpts, Reply, bool) {
	o := collScanOpts{count: 10}
	for i := 0; i < len(args); i++ {
		switch {
		case EqualFold(args[i], "match") && i+1 < len(args):
			o.match = args[i+1]
			i++
		case EqualFold(args[i], countWord) && i+1 < len(args):
			n, ok := ParseInt(args[i+1])
			if !ok {
				return o, ErrReply(ErrNotInteger), false
			}
			if n < 1 {
				return o, ErrReply(ErrSyntax), false
			}
			o.count = n
			i++
		case allowNoValues && EqualFold(args[i], "novalues"):
			o.noValues = true
		default:
			return o, ErrReply(ErrSyntax), false
		}
	}
	return o, Reply{}, true
}

// parseCursor parses a SCAN cursor (an unsigned 64-bit decimal).
func parseCursor(arg []byte) (uint64, bool) {
	if len(arg) == 0 || arg[0] == '+' || arg[0] == '-' {
		return 0, false
	}
	n, err := strconv.ParseUint(string(arg), 10, 64)
	return n, err == nil
}

// scanReply is the two-element [cursor-or-next, items] reply of a scan.
func scanReply(next []byte, items []Reply) Reply {
	return Array(Bulk(next), Array(items...))
}

func hscanCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 3 {
		return WrongArity("hscan")
	}
	cursor, ok := parseCursor(argv[2])
	if !ok {
		return Err("ERR invalid cursor")
	}
	o, errReply, ok := parseCollScanOpts(argv[3:], "count", true)
	if !ok {
		return errReply
	}
	next, fvs, err := c.DB.HScan(argv[1], cursor, o.match, o.count, c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	items := flatFieldValues(fvs)
	if o.noValues {
		items = items[:0]
		for _, fv := range fvs {
			items = append(items, Bulk(fv.Field))
		}
	}
	return scanReply(strconv.AppendUint(nil, next, 10), items)
}

func sscanCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 3 {
		return WrongArity("sscan")
	}
	cursor, ok := parseCursor(argv[2])
	if !ok {
		return Err("ERR invalid cursor")
	}
	o, errReply, ok := parseCollScanOpts(argv[3:], "count", false)
	if !ok {
		return errReply
	}
	next, members, err := c.DB.SScan(argv[1], cursor, o.match, o.count, c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	return scanReply(strconv.AppendUint(nil, next, 10), BulkArray(members).Elems)
}

// hscanxCmd is HSCANX key start_field [MATCH pattern] [COUNT count]: the
// reply is [next_field ("" when done), [field, value, ...]].
func hscanxCmd(c *Ctx, argv [][]byte) Reply {
	if len(argv) < 3 {
		return WrongArity("hscanx")
	}
	o, errReply, ok := parseCollScanOpts(argv[3:], "count", false)
	if !ok {
		return errReply
	}
	fvs, next, err := c.DB.HScanX(argv[1], argv[2], o.match, o.count, c.NowMs)
	if err != nil {
		return ErrReply(err)
	}
	return scanReply(next, flatFieldValues(fvs))
}

// pkhscanrangeCmd is PKHSCANRANGE / PKHRSCANRANGE key field_start
// field_end [MATCH pattern] [LIMIT limit] ("" bounds are open): the reply
// is [next_field ("" when done), [field, value, ...]].
func pkhscanrangeCmd(reverse bool) Handler {
	name := "pkhscanrange"
	if reverse {
		name = "pkhrscanrange"
	}
	return func(c *Ctx, argv [][]byte) Reply {
		if len(argv) < 4 {
			return WrongArity(name)
		}
		o, errReply, ok := parseCollScanOpts(argv[4:], "limit", false)
		if !ok {
			return errReply
		}
		scan := c.DB.PKHScanRange
		if reverse {
			scan = c.DB.PKHRScanRange
		}
		fvs, next, err := scan(argv[1], argv[2], argv[3], o.match, o.count, c.NowMs)
		if err != nil {
			return ErrReply(err)
		}
		return scanReply(next, flatFieldValues(fvs))
	}
}
