package resp

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/resp/acl"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// startACLServer starts a server on its own engine (ACL users are stored in
// the engine, so tests must not share one) and returns it with the engine.
func startACLServer(t *testing.T, cfg ServerConfig, eng *engine.Engine) *testServer {
	t.Helper()
	if eng == nil {
		var err error
		eng, err = engine.Open(filepath.Join(t.TempDir(), "db"), engine.Options{})
		require.NoError(t, err)
		t.Cleanup(func() { eng.Close() })
	}
	tc := &testCluster{eng: eng}
	conf := newMemConfig()
	conf.vals["slowlog-log-slower-than"] = "10000"
	conf.vals["slowlog-max-len"] = "128"
	srv, err := NewServer(cfg, tc, conf)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		require.NoError(t, srv.Close())
		require.NoError(t, <-done)
	})
	return &testServer{srv: srv, tc: tc, conf: conf, addr: ln.Addr().String()}
}

func goRedis(t *testing.T, addr string, opt *redis.Options) *redis.Client {
	t.Helper()
	if opt == nil {
		opt = &redis.Options{}
	}
	opt.Addr = addr
	if opt.Protocol == 0 {
		opt.Protocol = 2 // map replies (GETUSER, LOG) as flat arrays
	}
	opt.MaxRetries = -1
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

func TestACLUserLimitedToKeysAndReads(t *testing.T) {
	ctx := context.Background()
	ts := startACLServer(t, ServerConfig{}, nil)
	admin := goRedis(t, ts.addr, nil)
	require.NoError(t, admin.Set(ctx, "app:1", "v1", 0).Err())
	require.NoError(t, admin.Set(ctx, "other", "x", 0).Err())

	require.NoError(t, admin.Do(ctx, "ACL", "SETUSER", "alice", "on", ">secret", "~app:*", "+@read").Err())
	// The proposal carries the password's hash, never the password.
	last := ts.tc.calls()[len(ts.tc.calls())-1][0]
	require.NotContains(t, string(joinArgs(last)), "secret")

	alice := goRedis(t, ts.addr, &redis.Options{Username: "alice", Password: "secret"})
	require.Equal(t, "v1", alice.Get(ctx, "app:1").Val())
	require.EqualError(t, alice.Get(ctx, "other").Err(), "NOPERM No permissions to access a key")
	require.EqualError(t, alice.Set(ctx, "app:1", "v2", 0).Err(), "NOPERM User alice has no permissions to run the 'set' command")
	require.EqualError(t, alice.Set(ctx, "other", "v2", 0).Err(), "NOPERM User alice has no permissions to run the 'set' command")
	require.EqualError(t, alice.Do(ctx, "ACL", "WHOAMI").Err(), "NOPERM User alice has no permissions to run the 'acl' command")
	require.Equal(t, "v1", admin.Get(ctx, "app:1").Val())
	require.Equal(t, "x", admin.Get(ctx, "other").Val())

	// What the user looks like.
	require.Equal(t, []interface{}{"user alice on sanitize-payload #2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b ~app:* resetchannels -@all +@read",
		"user default on nopass sanitize-payload ~* &* +@all"}, admin.Do(ctx, "ACL", "LIST").Val())
	require.Equal(t, []string{"alice", "default"}, admin.ACLUsers(ctx).Val())
	gu := admin.Do(ctx, "ACL", "GETUSER", "alice").Val().([]interface{})
	require.Equal(t, []interface{}{"flags", []interface{}{"on", "sanitize-payload"},
		"passwords", []interface{}{"2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b"},
		"commands", "-@all +@read", "keys", "~app:*", "channels", "", "selectors", []interface{}{}}, gu)
	require.Equal(t, redis.Nil, admin.Do(ctx, "ACL", "GETUSER", "nobody").Err())
	require.Equal(t, "default", admin.Do(ctx, "ACL", "WHOAMI").Val())

	// DRYRUN.
	require.Equal(t, "OK", admin.Do(ctx, "ACL", "DRYRUN", "alice", "get", "app:9").Val())
	require.Equal(t, "User alice has no permissions to access the 'other' key", admin.Do(ctx, "ACL", "DRYRUN", "alice", "get", "other").Val())
	require.Equal(t, "User alice has no permissions to run the 'set' command", admin.Do(ctx, "ACL", "DRYRUN", "alice", "set", "app:1", "x").Val())
	require.EqualError(t, admin.Do(ctx, "ACL", "DRYRUN", "bob", "get", "x").Err(), "ERR User 'bob' not found")
	require.EqualError(t, admin.Do(ctx, "ACL", "DRYRUN", "alice", "nosuch").Err(), "ERR Command 'nosuch' not found")

	// ACL LOG: newest first, repeated denials counted in one entry that
	// moves to the head. (go-redis's CLIENT SETINFO at connect, refused
	// to alice, is the oldest entry.)
	require.Error(t, alice.Get(ctx, "other").Err())
	entries := admin.ACLLog(ctx, 10).Val()
	require.Len(t, entries, 4)
	require.Equal(t, "key", entries[0].Reason)
	require.Equal(t, "other", entries[0].Object)
	require.Equal(t, "alice", entries[0].Username)
	require.EqualValues(t, 2, entries[0].Count)
	require.Equal(t, "toplevel", entries[0].Context)
	require.Equal(t, "alice", entries[0].ClientInfo.User)
	require.Equal(t, "command", entries[1].Reason)
	require.Equal(t, "acl", entries[1].Object)
	require.Equal(t, "command", entries[2].Reason)
	require.Equal(t, "set", entries[2].Object)
	require.EqualValues(t, 2, entries[2].Count)
	require.Equal(t, "client", entries[3].Object)
	require.Len(t, admin.ACLLog(ctx, 2).Val(), 2)
	require.NoError(t, admin.ACLLogReset(ctx).Err())
	require.Empty(t, admin.ACLLog(ctx, 10).Val())

	// MULTI is @transaction, which alice lacks.
	_, err := alice.TxPipelined(ctx, func(p redis.Pipeliner) error { p.Get(ctx, "app:1"); return nil })
	require.EqualError(t, err, "NOPERM User alice has no permissions to run the 'multi' command")
	// Denied inside MULTI: the command is refused at queue time, context multi.
	require.NoError(t, admin.Do(ctx, "ACL", "SETUSER", "alice", "+@transaction").Err())
	_, err = alice.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Get(ctx, "app:1")
		p.Get(ctx, "other")
		return nil
	})
	require.Error(t, err)
	require.Equal(t, "multi", admin.ACLLog(ctx, 1).Val()[0].Context)

	// Changing the user applies to its open connections at once.
	require.NoError(t, admin.Do(ctx, "ACL", "SETUSER", "alice", "~other").Err())
	require.Equal(t, "x", alice.Get(ctx, "other").Val())
	// Deleting it closes them.
	require.EqualValues(t, 1, admin.Do(ctx, "ACL", "DELUSER", "alice", "ghost").Val())
	require.Error(t, alice.Get(ctx, "other").Err())
	require.Equal(t, []string{"default"}, admin.ACLUsers(ctx).Val())
	require.EqualError(t, admin.Do(ctx, "ACL", "DELUSER", "default").Err(), "ERR The 'default' user cannot be removed")
}

func joinArgs(argv [][]byte) []byte {
	var out []byte
	for _, a := range argv {
		out = append(append(out, a...), ' ')
	}
	return out
}

func TestACLRuleErrorsAndPatterns(t *testing.T) {
	ctx := context.Background()
	ts := startACLServer(t, ServerConfig{}, nil)
	admin := goRedis(t, ts.addr, nil)
	for rule, msg := range map[string]string{
		"bogus":     "ERR Error in ACL SETUSER modifier 'bogus': Syntax error",
		"+nosuch":   "ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL",
		"+@nosuch":  "ERR Error in ACL SETUSER modifier '+@nosuch': Unknown command or category name in ACL",
		"#abc":      "ERR Error in ACL SETUSER modifier '#abc': The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters",
		"<notthere": "ERR Error in ACL SETUSER modifier '<notthere': The password you are trying to remove from the user does not exist",
		"%X~a":      "ERR Error in ACL SETUSER modifier '%X~a': Syntax error",
	} {
		require.EqualError(t, admin.Do(ctx, "ACL", "SETUSER", "bob", rule).Err(), msg, rule)
	}
	require.EqualError(t, admin.Do(ctx, "ACL", "SETUSER", "bob", "~*", "~a").Err(),
		"ERR Error in ACL SETUSER modifier '~a': Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns")
	require.Equal(t, []string{"default"}, admin.ACLUsers(ctx).Val(), "refused SETUSER creates nothing")

	// Read-only and write-only key patterns, channels, a subcommand rule,
	// and a category minus one command.
	require.NoError(t, admin.Do(ctx, "ACL", "SETUSER", "bob", "on", "nopass", "%R~ro:*", "%W~wo:*",
		"&news.*", "+@all", "-@dangerous", "-keys", "+config|get").Err())
	require.Equal(t, "%R~ro:* %W~wo:*", admin.Do(ctx, "ACL", "GETUSER", "bob").Val().([]interface{})[7])
	bob := goRedis(t, ts.addr, &redis.Options{Username: "bob", Password: "anything"})
	require.Equal(t, redis.Nil, bob.Get(ctx, "ro:1").Err())
	require.EqualError(t, bob.Set(ctx, "ro:1", "x", 0).Err(), "NOPERM No permissions to access a key")
	require.NoError(t, bob.Set(ctx, "wo:1", "x", 0).Err())
	require.EqualError(t, bob.Get(ctx, "wo:1").Err(), "NOPERM No permissions to access a key")
	require.EqualError(t, bob.Keys(ctx, "*").Err(), "NOPERM User bob has no permissions to run the 'keys' command")
	require.EqualError(t, bob.FlushAll(ctx).Err(), "NOPERM User bob has no permissions to run the 'flushall' command")
	require.NoError(t, bob.ConfigGet(ctx, "timeout").Err())
	require.EqualError(t, bob.ConfigSet(ctx, "timeout", "5").Err(), "NOPERM User bob has no permissions to run the 'config|set' command")
	sub := bob.Subscribe(ctx, "news.today")
	_, err := sub.Receive(ctx)
	require.NoError(t, err)
	sub.Close()
	sub = bob.Subscribe(ctx, "sports")
	_, err = sub.Receive(ctx)
	require.EqualError(t, err, "NOPERM No permissions to access a channel")
	sub.Close()
	sub = bob.PSubscribe(ctx, "news.*")
	_, err = sub.Receive(ctx)
	require.NoError(t, err, "a pattern equal to the user's pattern is allowed")
	sub.Close()
	sub = bob.PSubscribe(ctx, "news.t*")
	_, err = sub.Receive(ctx)
	require.EqualError(t, err, "NOPERM No permissions to access a channel")
	sub.Close()

	// ACL CAT.
	cats := admin.Do(ctx, "ACL", "CAT").Val().([]interface{})
	require.Contains(t, cats, "dangerous")
	require.Len(t, cats, 21)
	reads := admin.Do(ctx, "ACL", "CAT", "read").Val().([]interface{})
	require.Contains(t, reads, "get")
	require.NotContains(t, reads, "set")
	require.EqualError(t, admin.Do(ctx, "ACL", "CAT", "nope").Err(), "ERR Unknown category 'nope'")
	require.Len(t, admin.Do(ctx, "ACL", "GENPASS").Val(), 64)
	require.Len(t, admin.Do(ctx, "ACL", "GENPASS", "5").Val(), 2)
	require.EqualError(t, admin.Do(ctx, "ACL", "BOGUS").Err(), "ERR unknown subcommand 'BOGUS'. Try ACL HELP.")
}

func TestACLDefaultUserFollowsRequirepass(t *testing.T) {
	ctx := context.Background()
	ts := startACLServer(t, ServerConfig{RequirePass: "adminpw", UserPass: "userpw", UserBlacklist: "flushall"}, nil)
	anon := goRedis(t, ts.addr, nil)
	require.EqualError(t, anon.Ping(ctx).Err(), "NOAUTH Authentication required.")
	admin := goRedis(t, ts.addr, &redis.Options{Password: "adminpw"})
	require.Equal(t, []interface{}{
		"user default on sanitize-payload #" + sha("adminpw") + " ~* &* +@all",
		"user limit on sanitize-payload #" + sha("userpw") + " ~* &* +@all -flushall",
	}, admin.Do(ctx, "ACL", "LIST").Val())
	limit := goRedis(t, ts.addr, &redis.Options{Password: "userpw"})
	require.Equal(t, "limit", limit.Do(ctx, "ACL", "WHOAMI").Val())
	require.EqualError(t, limit.FlushAll(ctx).Err(), "NOPERM User limit has no permissions to run the 'flushall' command")

	// CONFIG SET requirepass changes the built-in default user at once.
	require.NoError(t, admin.ConfigSet(ctx, "requirepass", "newpw").Err())
	require.EqualError(t, goRedis(t, ts.addr, &redis.Options{Password: "adminpw"}).Ping(ctx).Err(),
		"WRONGPASS invalid username-password pair or user is disabled.")
	require.NoError(t, goRedis(t, ts.addr, &redis.Options{Password: "newpw"}).Ping(ctx).Err())
	// A failed AUTH is logged.
	e := admin.ACLLog(ctx, 1).Val()[0]
	require.Equal(t, "auth", e.Reason)
	require.Equal(t, "AUTH", e.Object)
	require.Equal(t, "default", e.Username)

	// SETUSER on the built-in default starts from it and replaces it.
	require.NoError(t, admin.Do(ctx, "ACL", "SETUSER", "default", ">second").Err())
	require.Equal(t, "user default on sanitize-payload #"+sha("newpw")+" #"+sha("second")+" ~* &* +@all",
		admin.Do(ctx, "ACL", "LIST").Val().([]interface{})[0])
	require.NoError(t, goRedis(t, ts.addr, &redis.Options{Password: "second"}).Ping(ctx).Err())

	// HELLO AUTH.
	raw := ts.dial(t)
	require.Contains(t, raw.do("HELLO", "3", "AUTH", "limit", "userpw"), "pika_version")
	require.Equal(t, "$5\r\nlimit\r\n", raw.do("ACL", "WHOAMI"))
	require.Equal(t, "-WRONGPASS invalid username-password pair or user is disabled.\r\n", raw.do("HELLO", "3", "AUTH", "limit", "bad"))
}

func sha(s string) string { return acl.HashPassword(s) }

func TestACLPersistsAndFileRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	eng, err := engine.Open(filepath.Join(dir, "db"), engine.Options{})
	require.NoError(t, err)
	ts := startACLServer(t, ServerConfig{}, eng)
	admin := goRedis(t, ts.addr, nil)
	require.NoError(t, admin.Do(ctx, "ACL", "SETUSER", "carol", "on", ">pw", "~c:*", "+get").Err())
	require.NoError(t, ts.srv.Close())
	require.NoError(t, eng.Close())

	// Reopened engine: the user is read back from the meta area.
	eng, err = engine.Open(filepath.Join(dir, "db"), engine.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { eng.Close() })
	ts = startACLServer(t, ServerConfig{}, eng)
	carol := goRedis(t, ts.addr, &redis.Options{Username: "carol", Password: "pw"})
	require.Equal(t, redis.Nil, carol.Get(ctx, "c:1").Err())
	require.Error(t, carol.Get(ctx, "d:1").Err())

	// ACL SAVE then LOAD from the node's aclfile.
	admin = goRedis(t, ts.addr, nil)
	require.EqualError(t, admin.Do(ctx, "ACL", "SAVE").Err(), errNoACLFile.Str)
	file := filepath.Join(dir, "users.acl")
	ts.conf.vals["aclfile"] = file
	require.NoError(t, admin.Do(ctx, "ACL", "SAVE").Err())
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Contains(t, string(data), "user carol on sanitize-payload #"+sha("pw")+" ~c:* resetchannels -@all +get\n")
	require.NoError(t, os.WriteFile(file, []byte("user dave on >x ~* +@all\nuser default on nopass ~* &* +@all\n"), 0o600))
	require.NoError(t, admin.Do(ctx, "ACL", "LOAD").Err())
	require.Equal(t, []string{"dave", "default"}, admin.ACLUsers(ctx).Val())
	require.NoError(t, os.WriteFile(file, []byte("user eve on +nosuch\n"), 0o600))
	require.EqualError(t, admin.Do(ctx, "ACL", "LOAD").Err(), "ERR "+file+":1: Unknown command or category name in ACL. ")
	require.Equal(t, []string{"dave", "default"}, admin.ACLUsers(ctx).Val(), "a bad file changes nothing")
	require.EqualError(t, goRedis(t, ts.addr, &redis.Options{Username: "carol", Password: "pw"}).Ping(ctx).Err(),
		"WRONGPASS invalid username-password pair or user is disabled.")
}
