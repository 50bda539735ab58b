package resp

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// parseAll feeds chunks to a fresh reader and returns every command and
// the final error, as text. The commands are rendered only at the end, so
// a command whose bytes were overwritten by later input shows up as a
// difference.
func parseAll(chunks [][]byte) (cmds []string, errText string) {
	r := newRequestReader(readerLimits{maxBulk: 1 << 20, maxQuery: 4 << 20})
	var argvs [][][]byte
	defer func() {
		for _, argv := range argvs {
			cmds = append(cmds, fmt.Sprintf("%q", argv))
		}
	}()
	for _, ch := range chunks {
		r.Feed(ch)
		for {
			argv, ok, err := r.Next()
			if err != nil {
				return nil, err.Error()
			}
			if !ok {
				break
			}
			argvs = append(argvs, argv)
		}
	}
	return nil, ""
}

// TestReaderArgvsStayValid keeps every argv of a long pipeline (more than
// one arena and slots block) while later input is read, and appends to
// them as a handler may: no command's bytes change.
func TestReaderArgvsStayValid(t *testing.T) {
	r := newRequestReader(readerLimits{})
	var argvs [][][]byte
	var want []string
	for i := 0; i < 3000; i++ {
		key, val := fmt.Sprintf("key:%d", i), strings.Repeat(string(rune('a'+i%26)), i%(2*arenaMaxArg))
		want = append(want, fmt.Sprintf("%q", []string{"SET", key, val}))
		r.Feed([]byte(encodeCommand("SET", key, val)))
		argv, ok, err := r.Next()
		require.NoError(t, err)
		require.True(t, ok)
		argvs = append(argvs, argv)
	}
	// A handler appending to its argv or to an argument (after the whole
	// batch was parsed) must not write into the next command's memory.
	for _, argv := range argvs {
		_ = append(argv, []byte("extra"))
		_ = append(argv[1], "XXXX"...)
	}
	for i, argv := range argvs {
		got := make([]string, len(argv))
		for j, a := range argv {
			got[j] = string(a)
		}
		require.Equal(t, want[i], fmt.Sprintf("%q", got), "command %d", i)
	}
}

func TestReaderChunkedEqualsWhole(t *testing.T) {
	in := encodeCommand("SET", "key", strings.Repeat("v", 40000)) + "PING\r\n*0\r\n" + encodeCommand("GET", "key") + "*-1\r\n\r\necho \"a b\" c\n"
	whole, err := parseAll([][]byte{[]byte(in)})
	require.Empty(t, err)
	require.Len(t, whole, 4)
	var bytewise [][]byte
	for i := 0; i < len(in); i++ {
		bytewise = append(bytewise, []byte{in[i]})
	}
	got, err := parseAll(bytewise)
	require.Empty(t, err)
	require.Equal(t, whole, got)
}

func TestSplitArgs(t *testing.T) {
	cases := []struct {
		in   string
		want []string
		ok   bool
	}{
		{`set a b`, []string{"set", "a", "b"}, true},
		{`  set   "a b"  'c d' `, []string{"set", "a b", "c d"}, true},
		{`"\x41\x4a\n\t\\\"" ""`, []string{"AJ\n\t\\\"", ""}, true},
		{`'it\'s' x`, []string{"it's", "x"}, true},
		{`ab"cd" e`, []string{"abcd", "e"}, true},
		{`"abc"d`, nil, false},
		{`"abc`, nil, false},
		{`'abc`, nil, false},
		{"a\x00b c", []string{"a"}, true},
		{``, nil, true},
	}
	for _, c := range cases {
		got, ok := splitArgs([]byte(c.in))
		require.Equal(t, c.ok, ok, c.in)
		var s []string
		for _, a := range got {
			s = append(s, string(a))
		}
		require.Equal(t, c.want, s, c.in)
	}
}

// FuzzRequest feeds arbitrary bytes to the request parser, whole and in
// chunks: it must never panic, and chunking must not change the result.
func FuzzRequest(f *testing.F) {
	seeds := []string{
		"PING\r\n",
		encodeCommand("SET", "k", "v") + encodeCommand("GET", "k"),
		"*3000000000\r\n",
		"*1\r\n$999999999999\r\n",
		"*1\r\n$9223372036854775807\r\n",
		"*2\r\n$3\r\nfoo\r\n$-1\r\n",
		"*1\r\n\r\n",
		"*1\r\nfoo\r\n",
		"echo \"a\\x41\" 'b\\'c'\r\n",
		"\"unbalanced\r\n",
		"*0\r\n*-1\r\n\n\r\n",
		"*1\r\n$3\r\nabc",
		"*\r\n",
		"*1\r\n$\r\n",
		"*01\r\n$01\r\na\r\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, step uint8) {
		whole, errWhole := parseAll([][]byte{data})
		if len(data) > inlineMaxSize-1024 {
			return // the "too big" checks depend on how much is buffered, as in Redis
		}
		n := int(step%16) + 1
		var chunks [][]byte
		for i := 0; i < len(data); i += n {
			chunks = append(chunks, data[i:min(i+n, len(data))])
		}
		parts, errParts := parseAll(chunks)
		require.Equal(t, whole, parts)
		require.Equal(t, errWhole, errParts)
	})
}
