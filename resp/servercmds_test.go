package resp

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/linxGnu/grocksdb"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/engine"
)

func TestSlowlogThresholdZero(t *testing.T) {
	ctx := context.Background()
	ts := startACLServer(t, ServerConfig{}, nil)
	c := goRedis(t, ts.addr, nil)
	require.NoError(t, c.ConfigSet(ctx, "slowlog-log-slower-than", "0").Err())
	require.NoError(t, c.Do(ctx, "SLOWLOG", "RESET").Err())
	require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
	require.NoError(t, c.Get(ctx, "k").Err())
	long := strings.Repeat("x", 200)
	require.NoError(t, c.Set(ctx, "big", long, 0).Err())
	logs, err := c.SlowLogGet(ctx, -1).Result()
	require.NoError(t, err)
	require.Len(t, logs, 3, "SET, GET, SET; SLOWLOG itself is not logged")
	require.Equal(t, []string{"set", "big", long[:128] + "... (72 more bytes)"}, logs[0].Args)
	require.Equal(t, []string{"get", "k"}, logs[1].Args)
	require.Equal(t, []string{"set", "k", "v"}, logs[2].Args)
	require.Greater(t, logs[0].ID, logs[1].ID)
	require.WithinDuration(t, time.Now(), logs[0].Time, 5*time.Second)
	require.NotEmpty(t, logs[0].ClientAddr)
	require.EqualValues(t, 3, c.Do(ctx, "SLOWLOG", "LEN").Val())
	require.Len(t, c.SlowLogGet(ctx, 2).Val(), 2)

	require.NoError(t, c.ConfigSet(ctx, "slowlog-max-len", "1").Err())
	require.NoError(t, c.Get(ctx, "k").Err())
	require.EqualValues(t, 1, c.Do(ctx, "SLOWLOG", "LEN").Val())

	require.NoError(t, c.Do(ctx, "SLOWLOG", "RESET").Err())
	require.NoError(t, c.ConfigSet(ctx, "slowlog-log-slower-than", "-1").Err())
	require.NoError(t, c.Get(ctx, "k").Err())
	require.EqualValues(t, 0, c.Do(ctx, "SLOWLOG", "LEN").Val())
	require.EqualError(t, c.ConfigSet(ctx, "slowlog-max-len", "-3").Err(),
		"ERR CONFIG SET failed (possibly related to argument 'slowlog-max-len') - argument must be between 0 and 2147483647 inclusive")
	require.EqualError(t, c.Do(ctx, "SLOWLOG", "GET", "-2").Err(), "ERR count should be greater than or equal to -1")
	require.EqualError(t, c.Do(ctx, "SLOWLOG", "NOPE").Err(), "ERR unknown subcommand 'NOPE'. Try SLOWLOG HELP.")
}

func TestMonitorSeesCommands(t *testing.T) {
	ctx := context.Background()
	ts := startACLServer(t, ServerConfig{}, nil)
	mon := ts.dial(t)
	require.Equal(t, "+OK\r\n", mon.do("MONITOR"))
	c := goRedis(t, ts.addr, nil)
	require.NoError(t, c.Set(ctx, "k", "a \"q\"\n", 0).Err())
	require.NoError(t, c.Do(ctx, "CONFIG", "GET", "timeout").Err()) // admin: not shown
	require.NoError(t, c.Get(ctx, "k").Err())
	line := regexp.MustCompile(`^\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] (.*)\r\n$`)
	var got []string
	for len(got) < 2 {
		m := line.FindStringSubmatch(mon.read())
		require.NotNil(t, m)
		if strings.HasPrefix(m[1], `"client"`) { // go-redis's CLIENT SETINFO at connect
			continue
		}
		got = append(got, m[1])
	}
	require.Equal(t, []string{`"set" "k" "a \"q\"\n"`, `"get" "k"`}, got)
}

func TestBgsaveDumpOpensWithPikaColumnFamilies(t *testing.T) {
	ctx := context.Background()
	ts := startACLServer(t, ServerConfig{}, nil)
	dumpPath := t.TempDir() + "/"
	ts.conf.vals["dump-path"] = dumpPath
	ts.conf.vals["dump-prefix"] = "pfx-"
	c := goRedis(t, ts.addr, nil)
	before := c.LastSave(ctx).Val()
	require.NoError(t, c.Set(ctx, "s", "v", 0).Err())
	require.NoError(t, c.HSet(ctx, "h", "f", "v").Err())
	require.NoError(t, c.ZAdd(ctx, "z", redis.Z{Score: 1, Member: "m"}).Err())
	require.Equal(t, "Background saving started", c.BgSave(ctx).Val())
	dir := filepath.Join(dumpPath, "pfx-"+time.Now().Format("20060102"))
	require.Eventually(t, func() bool {
		_, err := os.Stat(filepath.Join(dir, "db0", "info"))
		return err == nil
	}, 10*time.Second, 20*time.Millisecond)
	require.Eventually(t, func() bool { return c.LastSave(ctx).Val() > 0 && c.LastSave(ctx).Val() >= before }, 5*time.Second, 20*time.Millisecond)
	require.InDelta(t, time.Now().Unix(), c.LastSave(ctx).Val(), 5)

	info, err := os.ReadFile(filepath.Join(dir, "db0", "info"))
	require.NoError(t, err)
	lines := strings.Split(string(info), "\n")
	require.Len(t, lines, 6, "five newline-terminated lines: %q", info)
	require.Regexp(t, `^\d+s$`, lines[0])
	require.Equal(t, "127.0.0.1", lines[1])
	require.Equal(t, ts.addr[strings.LastIndex(ts.addr, ":")+1:], lines[2])
	require.Equal(t, []string{"0", "0", ""}, lines[3:])

	// Exactly Pika's column families, in Pika's order, in every instance.
	opts := grocksdb.NewDefaultOptions()
	defer opts.Destroy()
	for _, k := range engine.Kinds {
		cfs, err := grocksdb.ListColumnFamilies(opts, filepath.Join(dir, "db0", k.String()))
		require.NoError(t, err, k.String())
		require.Equal(t, engine.PikaCFNames(k), cfs, k.String())
	}
	// No LOCK/LOG leftovers, like Pika's dump.
	_, err = os.Stat(filepath.Join(dir, "db0", "strings", "LOCK"))
	require.True(t, os.IsNotExist(err))

	// Our engine opens the dump and finds the data.
	eng, err := engine.Open(dir, engine.Options{})
	require.NoError(t, err)
	db, err := eng.DB(0)
	require.NoError(t, err)
	v, err := db.Get([]byte("s"), time.Now().UnixMilli())
	require.NoError(t, err)
	require.Equal(t, "v", string(v))
	require.NoError(t, eng.Close())

	// DELBACKUP removes it (and only dirs named <prefix><8 digits>).
	other := filepath.Join(dumpPath, "keep-me")
	require.NoError(t, os.Mkdir(other, 0o755))
	require.NoError(t, c.Do(ctx, "DELBACKUP").Err())
	_, err = os.Stat(dir)
	require.True(t, os.IsNotExist(err))
	_, err = os.Stat(other)
	require.NoError(t, err)
}

func TestMaintenanceCommands(t *testing.T) {
	ctx := context.Background()
	ts := startACLServer(t, ServerConfig{}, nil)
	c := goRedis(t, ts.addr, nil)
	for i := 0; i < 50; i++ {
		require.NoError(t, c.Set(ctx, fmt.Sprint("k", i), i, 0).Err())
	}
	require.Equal(t, "OK", c.Do(ctx, "COMPACT").Val())
	require.Equal(t, "OK", c.Do(ctx, "COMPACT", "hash").Val())
	require.Equal(t, "OK", c.Do(ctx, "COMPACT", "db0", "all").Val())
	require.EqualError(t, c.Do(ctx, "COMPACT", "bogus").Err(), "ERR Invalid DB type: bogus")
	require.EqualError(t, c.Do(ctx, "COMPACT", "db9", "all").Err(), "ERR Invalid DB index for 'compact' command")
	require.Equal(t, "OK", c.Do(ctx, "COMPACTRANGE", "db0", "string", "k1", "k3").Val())
	require.Equal(t, "OK", c.Do(ctx, "COMPACTRANGE", "all", "all", "", "").Val())
	require.Equal(t, "OK", c.Do(ctx, "DISKRECOVERY").Val())
	require.Equal(t, "OK", c.Do(ctx, "DISABLEWAL", "true").Val())
	require.NoError(t, c.Set(ctx, "nowal", "1", 0).Err())
	require.Equal(t, "1", c.Get(ctx, "nowal").Val())
	require.Equal(t, "OK", c.Do(ctx, "DISABLEWAL", "false").Val())
	require.EqualError(t, c.Do(ctx, "DISABLEWAL", "maybe").Err(), "ERR Invalid parameter")
	require.Equal(t, "OK", c.Do(ctx, "CLEARREPLICATIONID").Val())
	require.Equal(t, "OK", c.Do(ctx, "CLEARCACHE").Val())
	require.Equal(t, "OK", c.Do(ctx, "CACHE", "CLEAR", "ALL").Val())
	require.Equal(t, redis.Nil, c.Do(ctx, "CACHE", "RANDOMKEY").Err())
	require.EqualError(t, c.Do(ctx, "CACHE", "NOPE").Err(), "ERR syntax error")
	for i := 0; i < 50; i++ {
		require.Equal(t, fmt.Sprint(i), c.Get(ctx, fmt.Sprint("k", i)).Val())
	}
}

// TestSlowlogKeepsNewestEntries logs many more commands than
// slowlog-max-len: SLOWLOG GET shows the newest ones, newest first.
func TestSlowlogKeepsNewestEntries(t *testing.T) {
	var l slowlog
	for i := 0; i < 1000; i++ {
		l.add(time.Now(), time.Millisecond, [][]byte{[]byte("get"), []byte(fmt.Sprint(i))}, "a", "", 5)
	}
	require.Len(t, l.entries, 5)
	for i := 0; i < 5; i++ {
		e := l.newest(i)
		require.Equal(t, []string{"get", fmt.Sprint(999 - i)}, e.argv)
		require.EqualValues(t, 999-i, e.id)
	}
	l.add(time.Now(), time.Millisecond, [][]byte{[]byte("get"), []byte("x")}, "a", "", 2)
	require.Len(t, l.entries, 2)
	require.Equal(t, []string{"get", "x"}, l.newest(0).argv)
	require.Equal(t, []string{"get", "999"}, l.newest(1).argv)
	l.add(time.Now(), time.Millisecond, [][]byte{[]byte("get")}, "a", "", 0)
	require.Empty(t, l.entries)
}
