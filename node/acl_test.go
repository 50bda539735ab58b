package node_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/node/nodetest"
)

// aclClient connects to s as user/pass (RESP2, no retries).
func aclClient(t *testing.T, s *nodetest.Server, user, pass string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), Username: user, Password: pass, Protocol: 2, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	return c
}

// checkAppUser asserts, on node s, what a user limited to ~app:* and
// +@read may and may not do.
func checkAppUser(t *testing.T, s *nodetest.Server, user, pass string) {
	t.Helper()
	ctx := context.Background()
	c := aclClient(t, s, user, pass)
	require.Equal(t, "v", c.Get(ctx, "app:1").Val(), "read an app key on %s", s.Addr())
	require.EqualError(t, c.Get(ctx, "secret").Err(), "NOPERM No permissions to access a key")
	require.EqualError(t, c.Set(ctx, "app:1", "w", 0).Err(), "NOPERM User "+user+" has no permissions to run the 'set' command")
	require.EqualError(t, c.Set(ctx, "secret", "w", 0).Err(), "NOPERM User "+user+" has no permissions to run the 'set' command")
	require.EqualError(t, c.Del(ctx, "app:1").Err(), "NOPERM User "+user+" has no permissions to run the 'del' command")
}

// An ACL user created through one node is enforced by every node (the
// users are replicated through Raft), survives a restart, and reaches a
// node that was down through a snapshot install.
func TestACLEnforcedOnEveryNode(t *testing.T) {
	ctx := context.Background()
	c := nodetest.StartStatic(t, 3, nodetest.StaticOptions{Config: "raft-snapshot-threshold : 10\nraft-snapshot-interval : 1\nraft-trailing-logs : 5\n"})
	leader := c.WaitLeader(15 * time.Second)
	f1, f2 := (leader+1)%3, (leader+2)%3
	admin := c.Nodes[leader].Client()
	defer admin.Close()
	require.NoError(t, admin.Set(ctx, "app:1", "v", 0).Err())
	require.NoError(t, admin.Set(ctx, "secret", "s", 0).Err())

	// Created on a follower (forwarded to the leader), enforced everywhere.
	fc := c.Nodes[f1].Client()
	defer fc.Close()
	require.NoError(t, fc.Do(ctx, "ACL", "SETUSER", "app", "on", ">pw", "~app:*", "+@read").Err())
	for i := range c.Nodes {
		checkAppUser(t, c.Nodes[i], "app", "pw")
	}
	// The other nodes list the same user, with the password as a hash.
	want := admin.Do(ctx, "ACL", "GETUSER", "app").Val()
	for _, i := range []int{f1, f2} {
		cl := c.Nodes[i].Client()
		require.Equal(t, want, cl.Do(ctx, "ACL", "GETUSER", "app").Val())
		cl.Close()
	}
	require.NotContains(t, strings.Join(toStrings(admin.Do(ctx, "ACL", "LIST").Val()), "\n"), ">pw")

	// A node that is down while a second user is created catches up by a
	// snapshot install (the log is compacted past it) and enforces it.
	c.Nodes[f2].Stop()
	require.NoError(t, admin.Do(ctx, "ACL", "SETUSER", "app2", "on", ">pw2", "~app:*", "+@read").Err())
	require.NoError(t, admin.Do(ctx, "ACL", "SETUSER", "app", "resetpass", ">pw1").Err())
	setKeys(t, admin, "fill", 0, 10_000)
	require.Eventually(t, func() bool {
		return strings.Contains(c.Nodes[leader].Log(), "compacting logs")
	}, 30*time.Second, 100*time.Millisecond, "the leader compacts its log")
	c.Nodes[f2].Restart()
	require.Eventually(t, func() bool {
		return strings.Contains(c.Nodes[f2].Log(), "restore: snapshot installed")
	}, 60*time.Second, 100*time.Millisecond, "the restarted node installs a snapshot")
	checkAppUser(t, c.Nodes[f2], "app2", "pw2")
	checkAppUser(t, c.Nodes[f2], "app", "pw1")
	require.EqualError(t, aclClient(t, c.Nodes[f2], "app", "pw").Ping(ctx).Err(),
		"WRONGPASS invalid username-password pair or user is disabled.")

	// A restart (no snapshot install needed) keeps the users too.
	c.Nodes[f1].Stop()
	c.Nodes[f1].Restart()
	require.Eventually(t, func() bool {
		cl := aclClient(t, c.Nodes[f1], "app2", "pw2")
		return cl.Get(ctx, "app:1").Val() == "v"
	}, 20*time.Second, 200*time.Millisecond)
	checkAppUser(t, c.Nodes[f1], "app2", "pw2")

	// Deleting through a follower disables the user at once there and on
	// the leader (both applied it before the reply), and on the third node
	// as soon as it applies the entry.
	fc = c.Nodes[f1].Client()
	defer fc.Close()
	require.EqualValues(t, 1, fc.Do(ctx, "ACL", "DELUSER", "app2").Val())
	for _, i := range []int{f1, leader} {
		require.EqualError(t, aclClient(t, c.Nodes[i], "app2", "pw2").Ping(ctx).Err(),
			"WRONGPASS invalid username-password pair or user is disabled.", "node %d", i)
	}
	require.Eventually(t, func() bool {
		err := aclClient(t, c.Nodes[f2], "app2", "pw2").Ping(ctx).Err()
		return err != nil && err.Error() == "WRONGPASS invalid username-password pair or user is disabled."
	}, 5*time.Second, 20*time.Millisecond)
}

func toStrings(v interface{}) []string {
	var out []string
	for _, x := range v.([]interface{}) {
		out = append(out, x.(string))
	}
	return out
}
