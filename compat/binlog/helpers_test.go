package binlog

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// fixtureRoot finds shared/fixtures/pika-3.5.5 by walking up from the
// package directory (works from /work/main and from a worktree).
func fixtureRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		p := filepath.Join(dir, "shared", "fixtures", "pika-3.5.5")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, parent, dir, "shared/fixtures/pika-3.5.5 not found above the package")
		dir = parent
	}
}

// readAll returns every item of dir from (0,0) and the reader's valid end.
func readAll(t testing.TB, dir string) ([]Located, Position) {
	t.Helper()
	r, err := OpenReader(dir, 0, 0)
	require.NoError(t, err)
	defer r.Close()
	var out []Located
	for {
		it, err := r.Next()
		if err != nil {
			require.ErrorIs(t, err, io.EOF)
			break
		}
		it.Content = append([]byte(nil), it.Content...)
		out = append(out, it)
	}
	return out, r.ValidEnd()
}

func args(s ...string) [][]byte {
	out := make([][]byte, len(s))
	for i, x := range s {
		out[i] = []byte(x)
	}
	return out
}
