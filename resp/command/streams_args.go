package command

import (
	"errors"
	"math"
	"strconv"

	"github.com/pikaraft/pikaraft/engine"
)

// Parsing of stream IDs and of the XADD/XTRIM trimming options, as Redis 7's
// t_stream.c does it (same accepted forms, same error texts).

var (
	errStreamID        = errors.New("ERR Invalid stream ID specified as stream command argument")
	errTrimBoth        = errors.New("ERR syntax error, MAXLEN and MINID options at the same time are not compatible")
	errMaxLenNegative  = errors.New("ERR The MAXLEN argument must be >= 0.")
	errLimitNegative   = errors.New("ERR The LIMIT argument must be >= 0.")
	errLimitNoStrategy = errors.New("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")
	errXTrimNoStrategy = errors.New("ERR syntax error, XTRIM must be called with a trimming strategy")
	errLimitWithoutApx = errors.New("ERR syntax error, LIMIT cannot be used without the special ~ option")
	errIntervalStart   = errors.New("ERR invalid start ID for the interval")
	errIntervalEnd     = errors.New("ERR invalid end ID for the interval")
	errTimeoutNotInt   = errors.New("ERR timeout is not an integer or out of range")
	errTimeoutNegative = errors.New("ERR timeout is negative")
)

// parseStreamUint parses one half of an ID: decimal digits (an optional
// '+' and leading zeros allowed, as strtoull does) that fit in 64 bits.
func parseStreamUint(b []byte) (uint64, bool) {
	if len(b) > 0 && b[0] == '+' {
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(string(b), 10, 64)
	return n, err == nil
}

// parseStreamID parses "ms-seq", "ms" (sequence missingSeq), and unless
// strict "-" (0-0) and "+" (the largest ID). With autoSeq, "ms-*" is
// accepted and seqGiven is false.
func parseStreamID(b []byte, strict bool, missingSeq uint64, autoSeq bool) (id engine.StreamID, seqGiven bool, err error) {
	if len(b) > 127 {
		return id, false, errStreamID
	}
	if len(b) == 1 && (b[0] == '-' || b[0] == '+') {
		if strict {
			return id, false, errStreamID
		}
		if b[0] == '+' {
			return engine.MaxStreamID, true, nil
		}
		return engine.StreamID{}, true, nil
	}
	msPart, seqPart, hasSeq := cutByte(b, '-')
	ms, ok := parseStreamUint(msPart)
	if !ok {
		return id, false, errStreamID
	}
	seq := missingSeq
	seqGiven = true
	if hasSeq {
		if autoSeq && len(seqPart) == 1 && seqPart[0] == '*' {
			seq, seqGiven = 0, false
		} else if seq, ok = parseStreamUint(seqPart); !ok {
			return id, false, errStreamID
		}
	}
	return engine.StreamID{Ms: ms, Seq: seq}, seqGiven, nil
}

func cutByte(b []byte, sep byte) (before, after []byte, found bool) {
	for i, c := range b {
		if c == sep {
			return b[:i], b[i+1:], true
		}
	}
	return b, nil, false
}

// parseStrictID parses an ID that must be a real one ("ms" or "ms-seq").
func parseStrictID(b []byte) (engine.StreamID, error) {
	id, _, err := parseStreamID(b, true, 0, false)
	return id, err
}

// parseRangeBounds parses the start and end of XRANGE (and, swapped, of
// XREVRANGE) into an inclusive interval: "-", "+", "ms", "ms-seq", and
// "(" for an exclusive bound.
func parseRangeBounds(startArg, endArg []byte) (start, end engine.StreamID, err error) {
	start, ex, err := parseIntervalID(startArg, 0)
	if err != nil {
		return start, end, err
	}
	if ex {
		var ok bool
		if start, ok = start.Next(); !ok {
			return start, end, errIntervalStart
		}
	}
	end, ex, err = parseIntervalID(endArg, math.MaxUint64)
	if err != nil {
		return start, end, err
	}
	if ex {
		var ok bool
		if end, ok = end.Prev(); !ok {
			return start, end, errIntervalEnd
		}
	}
	return start, end, nil
}

func parseIntervalID(b []byte, missingSeq uint64) (engine.StreamID, bool, error) {
	exclusive := len(b) > 1 && b[0] == '('
	if exclusive {
		b = b[1:]
	}
	id, _, err := parseStreamID(b, false, missingSeq, false)
	return id, exclusive, err
}

// parseAddTrimArgs parses the options of XADD (xadd true: from argv[2] up
// to and including the ID) or of XTRIM (everything after the key). It
// returns the options and, for XADD, the position of the ID (len(argv)
// when there is none).
func parseAddTrimArgs(argv [][]byte, xadd bool) (engine.XAddArgs, int, error) {
	var a engine.XAddArgs
	limitGiven := false
	i := 2
loop:
	for ; i < len(argv); i++ {
		more := len(argv) - 1 - i
		opt := argv[i]
		switch {
		case xadd && len(opt) == 1 && opt[0] == '*':
			a.Mode = engine.StreamIDAuto
			break loop
		case EqualFold(opt, "maxlen") && more > 0, EqualFold(opt, "minid") && more > 0:
			if err := parseTrimStrategy(&a.Trim, argv, &i); err != nil {
				return a, i, err
			}
		case EqualFold(opt, "limit") && more > 0:
			n, ok := ParseInt(argv[i+1])
			if !ok {
				return a, i, ErrNotInteger
			}
			if n < 0 {
				return a, i, errLimitNegative
			}
			a.Trim.Limit, limitGiven = n, true
			i++
		case xadd && EqualFold(opt, "nomkstream"):
			a.NoMkStream = true
		case xadd:
			id, seqGiven, err := parseStreamID(opt, true, 0, true)
			if err != nil {
				return a, i, err
			}
			a.ID, a.Mode = id, engine.StreamIDExplicit
			if !seqGiven {
				a.Mode = engine.StreamIDAutoSeq
			}
			break loop
		default:
			return a, i, ErrSyntax
		}
	}
	switch {
	case a.Trim.Limit != 0 && a.Trim.Strategy == engine.TrimNone:
		return a, i, errLimitNoStrategy
	case !xadd && a.Trim.Strategy == engine.TrimNone:
		return a, i, errXTrimNoStrategy
	case limitGiven && !a.Trim.Approx:
		return a, i, errLimitWithoutApx
	}
	return a, i, nil
}

// parseTrimStrategy parses "MAXLEN|MINID [=|~] threshold" at argv[*i] and
// leaves *i on the threshold.
func parseTrimStrategy(tr *engine.StreamTrim, argv [][]byte, i *int) error {
	if tr.Strategy != engine.TrimNone {
		return errTrimBoth
	}
	maxlen := EqualFold(argv[*i], "maxlen")
	tr.Approx = false
	if next := argv[*i+1]; len(argv)-1-*i >= 2 && len(next) == 1 && (next[0] == '~' || next[0] == '=') {
		tr.Approx = next[0] == '~'
		*i++
	}
	*i++
	if !maxlen {
		id, err := parseStrictID(argv[*i])
		if err != nil {
			return err
		}
		tr.Strategy, tr.MinID = engine.TrimMinID, id
		return nil
	}
	n, ok := ParseInt(argv[*i])
	if !ok {
		return ErrNotInteger
	}
	if n < 0 {
		return errMaxLenNegative
	}
	tr.Strategy, tr.MaxLen = engine.TrimMaxLen, n
	return nil
}
