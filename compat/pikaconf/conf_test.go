package pikaconf

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/engine/pikafixture"
)

const sample = `# Pika port
port : 9500
thread-num : 1
requirepass :
# comment in the middle

databases : 2
write-buffer-size : 256M
slaveof : 127.0.0.1:9221
my-custom-key : some value
node-id : n1
`

func TestParseValues(t *testing.T) {
	c, err := Parse(strings.NewReader(sample), "pika.conf")
	require.NoError(t, err)
	require.Equal(t, "9500", c.String("port"))
	require.Equal(t, int64(2), c.Int("databases", 0))
	require.Equal(t, "268435456", c.String("write-buffer-size"))
	require.Equal(t, "127.0.0.1:9221", c.String("slaveof"))
	require.Equal(t, "", c.String("requirepass"))
	require.Equal(t, "some value", c.String("my-custom-key"))
	require.Equal(t, "n1", c.String("node-id"))
	require.Equal(t, "classic", c.String("instance-mode")) // default
	require.True(t, c.IsSet("port"))
	require.False(t, c.IsSet("timeout"))
}

func TestParseErrorsNameTheLine(t *testing.T) {
	_, err := Parse(strings.NewReader("port : 1\nthis line has no separator\n"), "x.conf")
	require.EqualError(t, err, `config x.conf line 2: "this line has no separator" is not `+"`key : value`")
	_, err = Parse(strings.NewReader("# c\nport : abc\n"), "x.conf")
	require.EqualError(t, err, "config x.conf line 2: port: argument couldn't be parsed into an integer")
	_, err = Parse(strings.NewReader("daemonize : maybe\n"), "x.conf")
	require.ErrorContains(t, err, "line 1: daemonize: argument must be 'yes' or 'no'")
}

// Every key Pika 3.5.5 lists in CONFIG GET * is known, in the same order.
func TestGetAllMatchesPikaKeys(t *testing.T) {
	f, err := os.Open(pikafixture.Path(t, "text", "config-get-all.txt"))
	require.NoError(t, err)
	defer f.Close()
	var pikaKeys []string
	sc := bufio.NewScanner(f)
	for i := 0; sc.Scan(); i++ {
		if i%2 == 0 {
			pikaKeys = append(pikaKeys, sc.Text())
		}
	}
	var got []string
	for _, kv := range New().Get("*") {
		got = append(got, kv[0])
	}
	require.Equal(t, pikaKeys, got[:len(pikaKeys)])
}

func TestGetGlobAndHidden(t *testing.T) {
	c := New()
	require.Equal(t, [][2]string{{"max-background-flushes", "-1"}, {"max-background-compactions", "-1"}, {"max-background-jobs", "3"}},
		c.Get("MAX-BACKGROUND-*"))
	require.Equal(t, [][2]string{{"maxmemory-policy", "noeviction"}}, c.Get("maxmemory-policy"))
	for _, kv := range c.Get("*") {
		require.NotEqual(t, "maxmemory-policy", kv[0])
	}
	require.Empty(t, c.Get("no-such-*"))
}

func TestSetValidates(t *testing.T) {
	c := New()
	var seen []string
	c.OnChange(func(k, v string) { seen = append(seen, k+"="+v) })
	require.NoError(t, c.Set("TIMEOUT", "120"))
	require.NoError(t, c.Set("appendonly", "YES"))
	require.NoError(t, c.Set("hash-max-listpack-entries", "1024"))
	require.Equal(t, []string{"timeout=120", "appendonly=yes", "hash-max-listpack-entries=1024"}, seen)
	require.EqualError(t, c.Set("maxclients", "x"),
		"ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer")
	require.EqualError(t, c.Set("port", "1"),
		"ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config")
	require.EqualError(t, c.Set("nope", "1"), "ERR Unknown option or number of arguments for CONFIG SET - 'nope'")
	require.EqualError(t, c.Set("maxmemory-policy", "sometimes"),
		"ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: "+
			"volatile-lru, allkeys-lru, volatile-lfu, allkeys-lfu, volatile-random, allkeys-random, volatile-ttl, noeviction")
	require.Equal(t, "120", c.String("timeout"))
}

func TestRewriteKeepsCommentsAndOrder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pika.conf")
	require.NoError(t, os.WriteFile(path, []byte(sample), 0o644))
	c, err := Load(path)
	require.NoError(t, err)
	require.NoError(t, c.Set("requirepass", "secret"))
	require.NoError(t, c.Set("timeout", "30"))
	require.NoError(t, c.Rewrite())
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, `# Pika port
port : 9500
thread-num : 1
requirepass : secret
# comment in the middle

databases : 2
write-buffer-size : 268435456
slaveof : 127.0.0.1:9221
my-custom-key : some value
node-id : n1
timeout : 30
`, string(got))
	require.EqualError(t, New().Rewrite(), "ERR The server is running without a config file")
}

func TestOverrideWinsAndIsNotRewritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pika.conf")
	require.NoError(t, os.WriteFile(path, []byte("port : 9500\n"), 0o644))
	c, err := Load(path)
	require.NoError(t, err)
	require.NoError(t, c.Override("port", "9300"))
	require.Error(t, c.Override("port", "x"))
	c.SetDefault("port", "1") // the file set it: ignored
	c.SetDefault("db-path", "/data/db/")
	require.Equal(t, "9300", c.String("port"))
	require.Equal(t, "/data/db/", c.String("db-path"))
	require.NoError(t, c.Rewrite())
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "port : 9300\n", string(got))
}
