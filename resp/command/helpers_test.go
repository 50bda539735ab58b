package command

import (
	"path/filepath"
	"testing"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/stretchr/testify/require"
)

// testNowMs is the cluster time of the command tests (2026-11-23 00:00 UTC).
const testNowMs int64 = 1795305600_000

// newTestCtx opens a fresh engine and returns a context on its db0 at
// testNowMs, with a fixed seed for the random commands.
func newTestCtx(t *testing.T) *Ctx {
	t.Helper()
	e, err := engine.Open(filepath.Join(t.TempDir(), "db"), engine.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { e.Close() })
	d, err := e.DB(0)
	require.NoError(t, err)
	return &Ctx{Engine: e, DB: d, W: engine.Writer{NowMs: testNowMs}, NowMs: testNowMs, Seed: 1}
}

// argvOf turns words into an argv.
func argvOf(words ...string) [][]byte {
	argv := make([][]byte, len(words))
	for i, w := range words {
		argv[i] = []byte(w)
	}
	return argv
}
