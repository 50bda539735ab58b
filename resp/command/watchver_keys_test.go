package command

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func fieldsArgv(s string) [][]byte {
	var out [][]byte
	for _, f := range strings.Fields(s) {
		out = append(out, []byte(f))
	}
	return out
}

func strs(keys [][]byte) []string {
	var out []string
	for _, k := range keys {
		out = append(out, string(k))
	}
	return out
}

// The keys a write may modify, for single keys, consecutive keys, keys
// with a step, destination-only commands and reads; appending to the
// result never overwrites the command's arguments.
func TestWrittenKeys(t *testing.T) {
	cases := map[string][]string{
		"SET k v":                    {"k"},
		"HSET h f v f2 v2":           {"h"},
		"DEL a b c":                  {"a", "b", "c"},
		"MSET a 1 b 2 c 3":           {"a", "b", "c"},
		"SDIFFSTORE dst s1 s2":       {"dst"},
		"GET k":                      nil,
		"FLUSHDB":                    nil,
		"RPOPLPUSH src dst":          {"src", "dst"},
		"ZUNIONSTORE out 2 z1 z2":    {"out"},
		"BITOP AND dest src1 src2":   {"dest"},
		"PFMERGE dest src1 src2":     {"dest"},
		"LPUSH list a b c d e f g h": {"list"},
	}
	for cmd, want := range cases {
		argv := fieldsArgv(cmd)
		keys := WrittenKeys(argv)
		require.Equal(t, want, strs(keys), cmd)
		if len(keys) > 0 {
			before := strs(argv)
			_ = append(keys, []byte("extra"))
			require.Equal(t, before, strs(argv), "%s: appending to the keys changed argv", cmd)
		}
	}
}

// VersionOps names each bucket once, in the order the keys come, whether
// a command has a few keys or many.
func TestVersionOpsOncePerBucket(t *testing.T) {
	for _, n := range []int{1, 3, 8, 9, 40} {
		args := []string{"DEL"}
		for i := 0; i < n; i++ {
			args = append(args, fmt.Sprintf("k%d", i), fmt.Sprintf("k%d", i)) // every key twice
		}
		ops := VersionOps(77, 0, [][][]byte{fieldsArgv(strings.Join(args, " "))})
		require.Len(t, ops, n, "%d keys", n)
		for i, op := range ops {
			require.Equal(t, watchBucketKey(0, []byte(fmt.Sprintf("k%d", i))), op.Key)
			v, _ := binary.Uvarint(op.Value)
			require.Equal(t, uint64(77), v)
		}
	}
}
