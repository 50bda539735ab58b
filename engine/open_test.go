package engine

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pikaraft/pikaraft/engine/pikafixture"
	"github.com/stretchr/testify/require"
)

// copyFixtureDB copies the db-path written by a real Pika 3.5.5 to a temp
// dir and returns the copy's path.
func copyFixtureDB(t *testing.T) string { return pikafixture.CopyDB(t) }

// openTestEngine opens a fresh engine in a temp dir with two databases.
func openTestEngine(t *testing.T) *Engine {
	t.Helper()
	e, err := Open(filepath.Join(t.TempDir(), "db"), Options{Databases: 2})
	require.NoError(t, err)
	t.Cleanup(func() { e.Close() })
	return e
}

func TestOpenPikaFixtureAndReopen(t *testing.T) {
	dir := copyFixtureDB(t)
	e, err := Open(dir, Options{Databases: 2})
	require.NoError(t, err)
	require.Equal(t, 2, e.NumDBs())
	require.NoError(t, e.Close())
	// Our extra column family now exists; reopening must still work.
	e, err = Open(dir, Options{Databases: 2})
	require.NoError(t, err)
	require.NoError(t, e.Close())
	_, err = os.Stat(filepath.Join(dir, "db1", "streams", "CURRENT"))
	require.NoError(t, err)
}

func TestCheckpointLayout(t *testing.T) {
	e := openTestEngine(t)
	cp := filepath.Join(t.TempDir(), "cp")
	require.NoError(t, e.Checkpoint(cp))
	for _, db := range []string{"db0", "db1"} {
		for _, k := range Kinds {
			_, err := os.Stat(filepath.Join(cp, db, k.String(), "CURRENT"))
			require.NoError(t, err)
		}
	}
	e2, err := Open(cp, Options{Databases: 2})
	require.NoError(t, err)
	require.NoError(t, e2.Close())
}
