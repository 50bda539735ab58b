// Package e2e_test runs every command family against a real bin/pikaraft
// process (built and started by node/nodetest) with go-redis as the
// client. One server is shared by the whole package (TestMain); tests
// use key names prefixed with their own name, and tests that need a
// whole database (KEYS, DBSIZE, FLUSHDB) use databases 1-3.
package e2e_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/node/nodetest"
)

// srv is the server every test of the package talks to.
var srv *nodetest.Server

var ctx = context.Background()

// sharedConfig gives the shared server four databases: db 0 for the
// prefixed keys of most tests, 1-3 for tests that look at a whole db.
const sharedConfig = "databases : 4\n"

func TestMain(m *testing.M) {
	s, err := nodetest.StartShared(nodetest.Options{Config: sharedConfig})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv = s
	code := m.Run()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "server log (tail):\n%s\n", s.LogTail(60))
	}
	s.Close()
	os.Exit(code)
}

// client returns a client of the shared server on db, closed when the
// test ends.
func client(t *testing.T, db ...int) *redis.Client {
	t.Helper()
	return clientOf(t, srv, db...)
}

// clientOf returns a client of s on db (default 0), closed when the test ends.
func clientOf(t *testing.T, s *nodetest.Server, db ...int) *redis.Client {
	t.Helper()
	opts := &redis.Options{Addr: s.Addr(), MaxRetries: -1, Protocol: 2,
		DialTimeout: 2 * time.Second, ReadTimeout: 15 * time.Second, WriteTimeout: 5 * time.Second}
	if len(db) > 0 {
		opts.DB = db[0]
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { c.Close() })
	return c
}

// prefix returns a key prefix unique to the test.
func prefix(t *testing.T) string {
	return t.Name() + ":"
}

// do runs a command that must succeed and returns its reply.
func do(t *testing.T, c *redis.Client, args ...any) any {
	t.Helper()
	v, err := c.Do(ctx, args...).Result()
	require.NoError(t, err, "%v", args)
	return v
}

// isNil runs a command whose reply must be a nil (bulk or array).
func isNil(t *testing.T, c *redis.Client, args ...any) {
	t.Helper()
	v, err := c.Do(ctx, args...).Result()
	require.ErrorIs(t, err, redis.Nil, "%v replied %v", args, v)
}

// fails runs a command whose reply must be the error text want.
func fails(t *testing.T, c *redis.Client, want string, args ...any) {
	t.Helper()
	v, err := c.Do(ctx, args...).Result()
	require.Error(t, err, "%v replied %v", args, v)
	require.Equal(t, want, err.Error(), "%v", args)
}

// wrongArity checks the arity error of each command line.
func wrongArity(t *testing.T, c *redis.Client, lines ...[]any) {
	t.Helper()
	for _, args := range lines {
		name := strings.ToLower(fmt.Sprint(args[0]))
		fails(t, c, fmt.Sprintf("ERR wrong number of arguments for '%s' command", name), args...)
	}
}

// line builds a command line for wrongArity.
func line(args ...any) []any { return args }

// notInt and notFloat are Redis 7's replies to a bad number.
const (
	notInt   = "ERR value is not an integer or out of range"
	notFloat = "ERR value is not a valid float"
)

// waitGone waits (at most 2.5 s) until EXISTS key is 0 and returns how
// long it took.
func waitGone(t *testing.T, c *redis.Client, key string) {
	t.Helper()
	require.Eventually(t, func() bool {
		return c.Exists(ctx, key).Val() == 0
	}, 2500*time.Millisecond, 50*time.Millisecond, "%s did not expire", key)
}
