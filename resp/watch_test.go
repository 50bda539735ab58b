package resp

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWatchAbortsOnModification(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	a, b := ts.dial(t), ts.dial(t)
	a.do("DEL", "w:k", "w:other")

	// Untouched: EXEC runs.
	require.Equal(t, "+OK\r\n", a.do("WATCH", "w:k"))
	require.Equal(t, "+OK\r\n", b.do("SET", "w:other", "1"))
	require.Equal(t, "+OK\r\n", a.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", a.do("SET", "w:k", "1"))
	require.Equal(t, "*1\r\n+OK\r\n", a.do("EXEC"))

	// Modified by another connection: EXEC aborts, nothing runs.
	require.Equal(t, "+OK\r\n", a.do("WATCH", "w:k"))
	require.Equal(t, ":2\r\n", b.do("INCR", "w:k"))
	require.Equal(t, "+OK\r\n", a.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", a.do("SET", "w:k", "100"))
	require.Equal(t, "*-1\r\n", a.do("EXEC"))
	require.Equal(t, "$1\r\n2\r\n", a.do("GET", "w:k"))

	// EXEC unwatched everything: the next transaction runs.
	require.Equal(t, "+OK\r\n", a.do("MULTI"))
	require.Equal(t, "+QUEUED\r\n", a.do("SET", "w:k", "3"))
	require.Equal(t, "*1\r\n+OK\r\n", a.do("EXEC"))

	// UNWATCH and DISCARD forget the watched keys.
	for _, forget := range []func(){
		func() { require.Equal(t, "+OK\r\n", a.do("UNWATCH")) },
		func() {
			require.Equal(t, "+OK\r\n", a.do("MULTI"))
			require.Equal(t, "+OK\r\n", a.do("DISCARD"))
		},
	} {
		require.Equal(t, "+OK\r\n", a.do("WATCH", "w:k"))
		require.Equal(t, "+OK\r\n", b.do("SET", "w:k", "4"))
		forget()
		require.Equal(t, "+OK\r\n", a.do("MULTI"))
		require.Equal(t, "+QUEUED\r\n", a.do("GET", "w:k"))
		require.Equal(t, "*1\r\n$1\r\n4\r\n", a.do("EXEC"))
	}

	// An empty transaction still checks its watched keys.
	require.Equal(t, "+OK\r\n", a.do("WATCH", "w:k", "w:other"))
	require.Equal(t, ":1\r\n", b.do("DEL", "w:other"))
	require.Equal(t, "+OK\r\n", a.do("MULTI"))
	require.Equal(t, "*-1\r\n", a.do("EXEC"))

	// WATCH inside MULTI is an error that does not abort the block.
	require.Equal(t, "+OK\r\n", a.do("MULTI"))
	require.Equal(t, "-ERR WATCH inside MULTI is not allowed\r\n", a.do("WATCH", "w:k"))
	require.Equal(t, "+QUEUED\r\n", a.do("SET", "w:k", "5"))
	require.Equal(t, "*1\r\n+OK\r\n", a.do("EXEC"))

	// A key watched twice keeps its first version.
	require.Equal(t, "+OK\r\n", a.do("WATCH", "w:k"))
	require.Equal(t, "+OK\r\n", b.do("SET", "w:k", "6"))
	require.Equal(t, "+OK\r\n", a.do("WATCH", "w:k"))
	require.Equal(t, "+OK\r\n", a.do("MULTI"))
	require.Equal(t, "*-1\r\n", a.do("EXEC"))

	// FLUSHDB touches every watched key of the db; SELECTed dbs are apart.
	require.Equal(t, "+OK\r\n", a.do("WATCH", "w:k"))
	require.Equal(t, "+OK\r\n", b.do("SELECT", "1"))
	require.Equal(t, "+OK\r\n", b.do("SET", "w:k", "other db"))
	require.Equal(t, "+OK\r\n", a.do("MULTI"))
	require.Equal(t, "*0\r\n", a.do("EXEC"))
	require.Equal(t, "+OK\r\n", a.do("WATCH", "w:k"))
	require.Equal(t, "+OK\r\n", b.do("FLUSHDB"))
	require.Equal(t, "+OK\r\n", a.do("MULTI"))
	require.Equal(t, "*0\r\n", a.do("EXEC"), "FLUSHDB of db 1 leaves db 0's keys")
	require.Equal(t, "+OK\r\n", a.do("WATCH", "w:k"))
	require.Equal(t, "+OK\r\n", a.do("FLUSHDB"))
	require.Equal(t, "+OK\r\n", a.do("MULTI"))
	require.Equal(t, "*-1\r\n", a.do("EXEC"))
	require.Equal(t, "+OK\r\n", a.do("WATCH", "w:k"))
	require.Equal(t, "+OK\r\n", b.do("FLUSHALL"))
	require.Equal(t, "+OK\r\n", a.do("MULTI"))
	require.Equal(t, "*-1\r\n", a.do("EXEC"))

	// RESET unwatches.
	require.Equal(t, "+OK\r\n", a.do("WATCH", "w:k"))
	require.Equal(t, "+OK\r\n", b.do("SELECT", "0"))
	require.Equal(t, "+OK\r\n", b.do("SET", "w:k", "7"))
	require.Equal(t, "+RESET\r\n", a.do("RESET"))
	require.Equal(t, "+OK\r\n", a.do("MULTI"))
	require.Equal(t, "*0\r\n", a.do("EXEC"))
}
