package engine

// This file implements Redis glob matching (stringmatchlen in Redis
// util.c, copied by Pika as pstd::StringMatch) without backtracking
// recursion: the pattern is compiled into single-byte tokens and stars, and
// matched with the greedy two-pointer algorithm, O(len(pattern)*len(s)) in
// the worst case and linear for typical patterns.

// globTokKind is the kind of one compiled pattern token.
type globTokKind uint8

const (
	globStar    globTokKind = iota // '*': any run of bytes
	globAny                        // '?': one byte
	globLiteral                    // one byte, compared case-insensitively under nocase
	globClass                      // '[...]': one byte in (or, negated, not in) a set
)

// globItem is one element of a bracket class.
type globItem struct {
	lo, hi byte // a range lo..hi (signed-char order, see matchByte); lo == hi for a single byte
	rng    bool // a range (nocase lowers both bounds and the byte)
	exact  bool // an escaped byte: Redis compares it case-sensitively even under nocase
}

// globTok is one compiled pattern token.
type globTok struct {
	kind  globTokKind
	c     byte       // globLiteral
	neg   bool       // globClass: '[^...]'
	items []globItem // globClass
}

// GlobMatch reports whether s matches the Redis glob pattern: `*` any run
// of bytes, `?` any byte, `[abc]` a set, `[^a]` a negated set, `[a-z]` a
// range, `\x` the byte x literally. It reproduces Redis' stringmatchlen
// byte for byte, including its quirks: an unterminated `[` takes the rest
// of the pattern as the set; `[a-]` is the range a..']' (the `]` is
// consumed); ranges compare bytes as signed chars (x86 C); an escaped byte
// inside a set is matched case-sensitively even with nocase; a trailing
// `\` is a literal backslash; and an empty s matches only an empty pattern.
// One exception, as Redis' SCAN and KEYS special-case it: the pattern "*"
// matches everything, including the empty string.
//
// Running time is O(len(pattern)*len(s)) at worst (no exponential
// backtracking on patterns like "a*a*a*a*b").
func GlobMatch(pattern, s []byte, nocase bool) bool {
	if len(pattern) == 1 && pattern[0] == '*' {
		return true
	}
	if len(s) == 0 {
		return len(pattern) == 0
	}
	return matchTokens(compileGlob(pattern), s, nocase)
}

// IsMatchAll reports whether pattern matches every key ("*"), so a caller
// can skip matching altogether.
func IsMatchAll(pattern []byte) bool { return len(pattern) == 1 && pattern[0] == '*' }

// compileGlob splits a pattern into tokens exactly as stringmatchlen reads it.
func compileGlob(p []byte) []globTok {
	toks := make([]globTok, 0, len(p))
	for i := 0; i < len(p); {
		switch p[i] {
		case '*':
			if len(toks) == 0 || toks[len(toks)-1].kind != globStar {
				toks = append(toks, globTok{kind: globStar})
			}
			i++
		case '?':
			toks = append(toks, globTok{kind: globAny})
			i++
		case '[':
			tok, next := compileClass(p, i+1)
			toks = append(toks, tok)
			i = next
		case '\\':
			if i+1 < len(p) {
				i++
			}
			toks = append(toks, globTok{kind: globLiteral, c: p[i]})
			i++
		default:
			toks = append(toks, globTok{kind: globLiteral, c: p[i]})
			i++
		}
	}
	return toks
}

// compileClass parses a bracket class whose body starts at p[i] and returns
// it with the index just past it (past the closing ']' or at the end).
func compileClass(p []byte, i int) (globTok, int) {
	tok := globTok{kind: globClass}
	if i < len(p) && p[i] == '^' {
		tok.neg = true
		i++
	}
	for i < len(p) {
		rest := len(p) - i
		switch {
		case p[i] == '\\' && rest >= 2:
			tok.items = append(tok.items, globItem{lo: p[i+1], hi: p[i+1], exact: true})
			i += 2
		case p[i] == ']':
			return tok, i + 1
		case rest >= 3 && p[i+1] == '-':
			tok.items = append(tok.items, globItem{lo: p[i], hi: p[i+2], rng: true})
			i += 3
		default:
			tok.items = append(tok.items, globItem{lo: p[i], hi: p[i]})
			i++
		}
	}
	return tok, i
}

// matchTokens is the greedy star algorithm: advance over single-byte
// tokens; on a mismatch, retry after the most recent star with that star
// absorbing one more byte. Correct because every non-star token consumes
// exactly one byte.
func matchTokens(toks []globTok, s []byte, nocase bool) bool {
	ti, si := 0, 0
	starTok, starS := -1, 0
	for si < len(s) {
		if ti < len(toks) {
			t := &toks[ti]
			if t.kind == globStar {
				starTok, starS = ti, si
				ti++
				continue
			}
			if t.matchByte(s[si], nocase) {
				ti++
				si++
				continue
			}
		}
		if starTok < 0 {
			return false
		}
		starS++
		si = starS
		ti = starTok + 1
	}
	for ti < len(toks) && toks[ti].kind == globStar {
		ti++
	}
	return ti == len(toks)
}

// matchByte reports whether the single-byte token t accepts c.
func (t *globTok) matchByte(c byte, nocase bool) bool {
	switch t.kind {
	case globAny:
		return true
	case globLiteral:
		if nocase {
			return lowerByte(t.c) == lowerByte(c)
		}
		return t.c == c
	case globClass:
		m := false
		for _, it := range t.items {
			if it.matches(c, nocase) {
				m = true
				break
			}
		}
		return m != t.neg
	}
	return false
}

func (it globItem) matches(c byte, nocase bool) bool {
	switch {
	case it.exact:
		return it.lo == c
	case it.rng:
		// C reads the bytes as (signed) char.
		lo, hi, x := int(int8(it.lo)), int(int8(it.hi)), int(int8(c))
		if lo > hi {
			lo, hi = hi, lo
		}
		if nocase {
			lo, hi, x = lowerInt(lo), lowerInt(hi), lowerInt(x)
		}
		return x >= lo && x <= hi
	case nocase:
		return lowerByte(it.lo) == lowerByte(c)
	default:
		return it.lo == c
	}
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func lowerInt(c int) int {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
