package command

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/engine"
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

// AddVersionBumps adds a key write's buckets in the order the keys come
// (the engine drops repeats), and the epoch of writes that bump a
// database's or the global version.
func TestAddVersionBumpsBucketsAndEpochs(t *testing.T) {
	for _, n := range []int{1, 3, 40} {
		args := []string{"DEL"}
		var want []uint32
		for i := 0; i < n; i++ {
			k := fmt.Sprintf("k%d", i)
			args = append(args, k, k)
			want = append(want, watchBucket(0, []byte(k)), watchBucket(0, []byte(k)))
		}
		b := engine.VersionBumps{Buckets: []uint32{5}}
		AddVersionBumps(&b, 0, [][][]byte{fieldsArgv(strings.Join(args, " "))})
		require.Equal(t, engine.VersionBumps{Buckets: append([]uint32{5}, want...)}, b, "%d keys", n)
	}
	var b engine.VersionBumps
	AddVersionBumps(&b, 3, [][][]byte{fieldsArgv("FLUSHDB"), fieldsArgv("FLUSHDB"), fieldsArgv("GET k")})
	require.Equal(t, engine.VersionBumps{DBs: 1 << 3}, b)
	AddVersionBumps(&b, 0, [][][]byte{fieldsArgv("FLUSHALL")})
	require.Equal(t, engine.VersionBumps{DBs: 1 << 3, All: true}, b)
	b.Buckets = append(b.Buckets, 9)
	b.Reset()
	require.Equal(t, engine.VersionBumps{Buckets: []uint32{}}, b, "empty, keeping the slice")
}

// The check of a WATCHed EXEC: an unchanged key holds, a changed one
// aborts, and a version equal to the entry's own index (its first apply
// ran and was cut short, in a data directory whose versions were records
// written with each command) makes the replay run again.
func TestWatchesHold(t *testing.T) {
	c := newTestCtx(t)
	bump := func(index uint64, cmd string) {
		var b engine.VersionBumps
		AddVersionBumps(&b, 0, [][][]byte{fieldsArgv(cmd)})
		c.Engine.BumpWatchVersions(index, &b)
	}
	bump(3, "SET a 1")
	w := []WatchedKey{{Key: []byte("a"), Version: 3}, {Key: []byte("b"), Version: 0}}
	require.True(t, WatchesHold(c.Engine, 4, w, testNowMs))
	bump(4, "SET b 1")
	require.False(t, WatchesHold(c.Engine, 5, w, testNowMs))
	require.True(t, WatchesHold(c.Engine, 4, w, testNowMs), "b's version is entry 4's own")
	w[1].Deadline = int32(testNowMs/1000) - 1
	w[1].Version = 4
	require.False(t, WatchesHold(c.Engine, 5, w, testNowMs), "b's deadline passed")
}
