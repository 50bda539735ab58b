package command

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/stretchr/testify/require"
)

// Read commands end to end below the connection: handler, engine and the
// RESP encoding into a reused output buffer (as the connection does).
// Run with -benchmem to see allocations per command.

func benchReadCtx(b *testing.B, setup ...[]string) *Ctx {
	e, err := engine.Open(filepath.Join(b.TempDir(), "db"), engine.Options{})
	require.NoError(b, err)
	b.Cleanup(func() { e.Close() })
	d, err := e.DB(0)
	require.NoError(b, err)
	c := &Ctx{Engine: e, DB: d, W: engine.Writer{NowMs: testNowMs}, NowMs: testNowMs, Seed: 1}
	for _, words := range setup {
		spec, ok := Commands.Lookup([]byte(words[0]))
		require.True(b, ok, words[0])
		r := spec.Run(c, argvOf(words...))
		require.NotEqual(b, TypeError, r.Type, r.Str)
	}
	return c
}

func benchRead(b *testing.B, c *Ctx, words ...string) {
	argv := argvOf(words...)
	spec, ok := Commands.Lookup(argv[0])
	require.True(b, ok)
	var out []byte
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := spec.Run(c, argv)
		if r.Type == TypeError {
			b.Fatal(r.Str)
		}
		out = r.AppendRESP(out[:0], 2)
	}
}

func BenchmarkReadCmdGet(b *testing.B) {
	c := benchReadCtx(b, []string{"set", "k", "0123456789"})
	benchRead(b, c, "get", "k")
}

func BenchmarkReadCmdMGet10(b *testing.B) {
	set := []string{"mset"}
	get := []string{"mget"}
	for i := 0; i < 10; i++ {
		set = append(set, fmt.Sprintf("k%d", i), "0123456789")
		get = append(get, fmt.Sprintf("k%d", i))
	}
	benchRead(b, benchReadCtx(b, set), get...)
}

func BenchmarkReadCmdHGetAll20(b *testing.B) {
	set := []string{"hset", "h"}
	for i := 0; i < 20; i++ {
		set = append(set, fmt.Sprintf("field:%d", i), "0123456789")
	}
	benchRead(b, benchReadCtx(b, set), "hgetall", "h")
}

func BenchmarkReadCmdLRange100(b *testing.B) {
	push := []string{"rpush", "l"}
	for i := 0; i < 100; i++ {
		push = append(push, "0123456789")
	}
	benchRead(b, benchReadCtx(b, push), "lrange", "l", "0", "99")
}

func BenchmarkReadCmdZRange100(b *testing.B) {
	add := []string{"zadd", "z"}
	for i := 0; i < 100; i++ {
		add = append(add, fmt.Sprint(i), fmt.Sprintf("member:%03d", i))
	}
	benchRead(b, benchReadCtx(b, add), "zrange", "z", "0", "99", "withscores")
}
