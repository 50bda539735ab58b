package engine

import (
	"bytes"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"
)

// refStringMatch is a direct, recursive (exponential) port of Redis'
// stringmatchlen (util.c, as copied into Pika's pstd), used as the oracle
// for GlobMatch on short inputs. C's NUL terminator is modelled by at().
func refStringMatch(pattern, str []byte, nocase bool) bool {
	at := func(b []byte, i int) int {
		if i < len(b) {
			return int(int8(b[i]))
		}
		return 0
	}
	lower := func(c int) int {
		if c >= 'A' && c <= 'Z' {
			return c + 'a' - 'A'
		}
		return c
	}
	p, s := 0, 0
	for p < len(pattern) && s < len(str) {
		switch pattern[p] {
		case '*':
			for p+1 < len(pattern) && pattern[p+1] == '*' {
				p++
			}
			if p == len(pattern)-1 {
				return true
			}
			for s < len(str) {
				if refStringMatch(pattern[p+1:], str[s:], nocase) {
					return true
				}
				s++
			}
			return false
		case '?':
			s++
		case '[':
			p++
			not := at(pattern, p) == '^'
			if not {
				p++
			}
			match := false
			for {
				rest := len(pattern) - p
				if at(pattern, p) == '\\' && rest >= 2 {
					p++
					if pattern[p] == str[s] {
						match = true
					}
				} else if at(pattern, p) == ']' {
					break
				} else if rest == 0 {
					p--
					break
				} else if rest >= 3 && pattern[p+1] == '-' {
					start, end, c := at(pattern, p), at(pattern, p+2), at(str, s)
					if start > end {
						start, end = end, start
					}
					if nocase {
						start, end, c = lower(start), lower(end), lower(c)
					}
					p += 2
					if c >= start && c <= end {
						match = true
					}
				} else if !nocase {
					if pattern[p] == str[s] {
						match = true
					}
				} else if lower(at(pattern, p)) == lower(at(str, s)) {
					match = true
				}
				p++
			}
			if not {
				match = !match
			}
			if !match {
				return false
			}
			s++
		default:
			if pattern[p] == '\\' && len(pattern)-p >= 2 {
				p++
			}
			if !nocase {
				if pattern[p] != str[s] {
					return false
				}
			} else if lower(at(pattern, p)) != lower(at(str, s)) {
				return false
			}
			s++
		}
		p++
		if s == len(str) {
			for p < len(pattern) && pattern[p] == '*' {
				p++
			}
			break
		}
	}
	return p == len(pattern) && s == len(str)
}

// refGlob is the oracle with GlobMatch's one documented exception.
func refGlob(pattern, s []byte, nocase bool) bool {
	if string(pattern) == "*" {
		return true
	}
	return refStringMatch(pattern, s, nocase)
}

func TestGlobMatchTable(t *testing.T) {
	cases := []struct {
		pat, s string
		nocase bool
		want   bool
	}{
		{"*", "", false, true},
		{"*", "anything", false, true},
		{"", "", false, true},
		{"", "a", false, false},
		{"**", "", false, false},
		{"a*", "a", false, true},
		{"h?llo", "hello", false, true},
		{"h?llo", "hllo", false, false},
		{"h*llo", "heeeello", false, true},
		{"h[ae]llo", "hallo", false, true},
		{"h[ae]llo", "hillo", false, false},
		{"h[^e]llo", "hallo", false, true},
		{"h[^e]llo", "hello", false, false},
		{"h[a-b]llo", "hbllo", false, true},
		{"h[b-a]llo", "hbllo", false, true}, // reversed range is swapped
		{"h[a-b]llo", "hcllo", false, false},
		{`h\*llo`, "h*llo", false, true},
		{`h\*llo`, "hello", false, false},
		{`\`, `\`, false, true}, // trailing backslash is literal
		{"HELLO", "hello", true, true},
		{"HELLO", "hello", false, false},
		{"[A-Z]", "q", true, true},
		{`[\A]`, "a", true, false}, // escaped byte in a set is case-sensitive
		{"[abc", "b", false, true}, // unterminated set takes the rest
		{"[", "[", false, false},
		{"[^", "x", false, true},
		{"[a-]x", "]", false, true},  // range a..']', the ']' is consumed...
		{"[a-]x]", "x", false, true}, // ...so the set runs on to the next ']'
		{"[]]", "]", false, false},   // ']' first closes an empty set
		{"a*b*c", "aXXbYYc", false, true},
		{"a*b*c", "aXXbYY", false, false},
		{"*.txt", "notes.txt", false, true},
		{"user:*:name", "user:42:name", false, true},
		{"user:*:name", "user:42:mail", false, false},
	}
	for _, c := range cases {
		got := GlobMatch([]byte(c.pat), []byte(c.s), c.nocase)
		require.Equal(t, c.want, got, "GlobMatch(%q, %q, %v)", c.pat, c.s, c.nocase)
		require.Equal(t, c.want, refGlob([]byte(c.pat), []byte(c.s), c.nocase), "oracle(%q, %q)", c.pat, c.s)
	}
}

func TestGlobMatchHighBytesSignedRange(t *testing.T) {
	// As in C on x86, 0xff is -1 as a char: [a-\xff] is the range -1..'a'.
	pat := []byte{'[', 'a', '-', 0xff, ']'}
	require.False(t, GlobMatch(pat, []byte("z"), false))
	require.True(t, GlobMatch(pat, []byte("A"), false))
	require.True(t, GlobMatch(pat, []byte{0xff}, false))
	require.False(t, GlobMatch(pat, []byte{0x80}, false))
}

func TestGlobMatchPathologicalIsFast(t *testing.T) {
	pat := bytes.Repeat([]byte("a*"), 30)
	pat = append(pat, 'b')
	s := bytes.Repeat([]byte("a"), 100000)
	require.False(t, GlobMatch(pat, s, false))
	require.True(t, GlobMatch(pat, append(s, 'b'), false))
	require.True(t, GlobMatch(pat, append(s, 'B'), true))
}

// randomGlobInput draws from a tiny alphabet so that matches are frequent
// and every special character appears.
func randomGlobInput(r *rand.Rand, alphabet string, maxLen int) []byte {
	n := r.Intn(maxLen + 1)
	out := make([]byte, n)
	for i := range out {
		out[i] = alphabet[r.Intn(len(alphabet))]
	}
	return out
}

func TestGlobMatchAgainstReference(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	const patAlpha = "ab*?[]^-\\A\xff"
	const strAlpha = "abAB]-\\\xff"
	for i := 0; i < 200000; i++ {
		p := randomGlobInput(r, patAlpha, 8)
		s := randomGlobInput(r, strAlpha, 8)
		nocase := r.Intn(2) == 0
		require.Equal(t, refGlob(p, s, nocase), GlobMatch(p, s, nocase), "pattern %q string %q nocase %v", p, s, nocase)
	}
}

func FuzzGlobMatch(f *testing.F) {
	f.Add([]byte("h[a-c]*o?"), []byte("hbello!"), false)
	f.Add([]byte(`[^\]a-]x*`), []byte("zx"), true)
	f.Add([]byte("a*a*a*b"), []byte("aaaaaaab"), false)
	f.Fuzz(func(t *testing.T, p, s []byte, nocase bool) {
		if len(p) > 12 || len(s) > 16 {
			return // the oracle is exponential
		}
		require.Equal(t, refGlob(p, s, nocase), GlobMatch(p, s, nocase), "pattern %q string %q nocase %v", p, s, nocase)
	})
}
