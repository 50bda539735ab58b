package command

import (
	"errors"
	"time"

	"github.com/pikaraft/pikaraft/engine"
)

// XREAD BLOCK. The handler itself never waits (with BLOCK and no data it
// answers a nil array, which is what XREAD BLOCK does inside MULTI); the
// server waits with XReadBlocking: it re-runs the read without BLOCK each
// time this node applies a write to one of the streams.

// XReadBlocking parses an XREAD that has a valid BLOCK option. It returns
// the timeout (0 = forever), the stream keys, and the same read without
// BLOCK. ok is false for an XREAD without BLOCK or with an argument error
// (run it as is: the handler answers the error).
func XReadBlocking(argv [][]byte) (timeout time.Duration, keys, plain [][]byte, ok bool) {
	if len(argv) < 4 || !EqualFold(argv[0], "xread") {
		return 0, nil, nil, false
	}
	block := false
	plain = [][]byte{argv[0]}
	for i := 1; i < len(argv); i++ {
		switch {
		case EqualFold(argv[i], "block") && i+1 < len(argv):
			ms, okInt := ParseInt(argv[i+1])
			if !okInt || ms < 0 {
				return 0, nil, nil, false
			}
			timeout, block = time.Duration(ms)*time.Millisecond, true
			i++
		case EqualFold(argv[i], "count") && i+1 < len(argv):
			plain = append(plain, argv[i], argv[i+1])
			i++
		case EqualFold(argv[i], "streams"):
			rest := argv[i+1:]
			if !block || len(rest) == 0 || len(rest)%2 != 0 {
				return 0, nil, nil, false
			}
			plain = append(plain, argv[i])
			plain = append(plain, rest...)
			return timeout, rest[:len(rest)/2], plain, true
		default:
			return 0, nil, nil, false
		}
	}
	return 0, nil, nil, false
}

// ResolveLastIDs replaces every "$" ID of an XREAD (without BLOCK) by the
// stream's last generated ID now (0-0 for a stream that does not exist),
// so that re-running the read later returns only newer entries.
func ResolveLastIDs(db *engine.DB, plain [][]byte) ([][]byte, error) {
	s := 0
	for i, a := range plain {
		if EqualFold(a, "streams") {
			s = i + 1
			break
		}
	}
	if s == 0 {
		return plain, nil
	}
	n := (len(plain) - s) / 2
	out := append([][]byte{}, plain...)
	for i := 0; i < n; i++ {
		id := out[s+n+i]
		if len(id) != 1 || id[0] != '$' {
			continue
		}
		info, err := db.XInfo(out[s+i])
		switch {
		case errors.Is(err, engine.ErrNotFound):
			out[s+n+i] = []byte("0-0")
		case err != nil:
			return nil, err
		default:
			out[s+n+i] = []byte(info.LastGeneratedID.String())
		}
	}
	return out, nil
}
