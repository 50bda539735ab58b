package acl

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/resp/command"
)

// Describe is what the replicated record stores: applying it to a new user
// must give back the same user.
func TestDescribeRoundTrip(t *testing.T) {
	for _, rules := range [][]string{
		{"on", ">pw", "~app:*", "+@read"},
		{"on", "nopass", "allkeys", "allchannels", "allcommands", "-flushall", "+object|freq"},
		{"off", "%R~r:*", "%W~w:*", "~rw", "&news.*", "-@all", "+get", "+@hash", "-hget"},
		{"on", "#" + HashPassword("x"), ">y", "<y", "skip-sanitize-payload", "+@all", "-@dangerous"},
	} {
		u := NewUser("u")
		require.NoError(t, u.SetRules(rules))
		back := NewUser("u")
		require.NoError(t, back.SetRules(strings.Fields(u.Describe())), u.Describe())
		require.Equal(t, u.Describe(), back.Describe())
	}
}

func TestCommandRulesOrder(t *testing.T) {
	get, _ := command.Commands.Lookup([]byte("get"))
	hget, _ := command.Commands.Lookup([]byte("hget"))
	hset, _ := command.Commands.Lookup([]byte("hset"))
	u := NewUser("u")
	require.NoError(t, u.SetRules([]string{"on", "nopass", "allkeys", "+@hash", "-hget", "+get", "+hget"}))
	// "+hget" replaced the earlier "-hget": rules are kept once, in order.
	require.Equal(t, "-@all +@hash +get +hget", u.CommandsString())
	NewUsers(u)
	require.Nil(t, u.Check(get, [][]byte{[]byte("get"), []byte("k")}))
	require.Nil(t, u.Check(hget, [][]byte{[]byte("hget"), []byte("k"), []byte("f")}))
	require.Nil(t, u.Check(hset, [][]byte{[]byte("hset"), []byte("k"), []byte("f"), []byte("v")}))
	require.NoError(t, u.SetRules([]string{"-@write"}))
	NewUsers(u)
	d := u.Check(hset, [][]byte{[]byte("hset"), []byte("k"), []byte("f"), []byte("v")})
	require.Equal(t, &Denial{Reason: "command", Object: "hset"}, d)
	require.Equal(t, "NOPERM User u has no permissions to run the 'hset' command", d.Message("u", false))
}

func TestMovableKeys(t *testing.T) {
	u := NewUser("u")
	require.NoError(t, u.SetRules([]string{"on", "nopass", "+@all", "~a*"}))
	NewUsers(u)
	zu, _ := command.Commands.Lookup([]byte("zunionstore"))
	args := func(s string) [][]byte {
		var out [][]byte
		for _, f := range strings.Fields(s) {
			out = append(out, []byte(f))
		}
		return out
	}
	require.Nil(t, u.Check(zu, args("zunionstore a1 2 a2 a3")))
	require.Equal(t, "b", u.Check(zu, args("zunionstore a1 2 a2 b")).Object)
	xr, _ := command.Commands.Lookup([]byte("xread"))
	require.Nil(t, u.Check(xr, args("xread COUNT 1 STREAMS a1 a2 0 0")))
	require.Equal(t, "b", u.Check(xr, args("xread STREAMS a1 b 0 0")).Object)
}
