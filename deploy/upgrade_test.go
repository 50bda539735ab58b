package deploy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/engine/pikafixture"
	"github.com/pikaraft/pikaraft/node/nodetest"
)

// pikaZRangeBug corrects the one fixture entry that records a Pika 3.5.5
// ZRANGE bug rather than the data (see resp/command/fixture_test.go).
var pikaZRangeBug = map[string]string{
	"db0 zset|zset:neg": `["d","-inf","a","-1.5","b","0","c","10000000000","e","inf"]`,
}

// pikaConf is a Pika 3.5.5-style pika.conf for the upgraded master: Pika's
// own keys, the db-path of the old Pika, and no pikaraft key except the
// hidden test clock offset.
func pikaConf(port int, dbPath, logPath string, offsetMs int64) string {
	return fmt.Sprintf(`# Pika 3.5.5 configuration (as the old master ran it)
port : %d
thread-num : 1
thread-pool-size : 12
sync-thread-num : 6
log-path : %s/
db-path : %s/
write-buffer-size : 256M
timeout : 60
requirepass :
masterauth :
instance-mode : classic
databases : 2
daemonize : no
maxclients : 20000
compression : snappy
max-cache-files : 5000
binlog-file-size : 104857600
# test only: run the cluster at the time the fixture was written
clock-offset-ms : %d
`, port, logPath, dbPath, offsetMs)
}

// TestInPlaceUpgradeFromPika starts pikaraft with --bootstrap-expect 1 on
// the db-path a real Pika 3.5.5 wrote (plus records added with raw RocksDB
// writes in Pika's encoding), reads every key, then joins two empty nodes
// and finds every key on all three: the joiners receive the data by
// snapshot, since no Raft entry ever wrote it.
func TestInPlaceUpgradeFromPika(t *testing.T) {
	raw, err := os.ReadFile(pikafixture.Path(t, "expected-after-replication.json"))
	require.NoError(t, err)
	var expected map[string]map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &expected))

	dbPath := pikafixture.CopyDB(t)
	records := writeRawPikaRecords(t, dbPath)
	offset := fixtureNowMs - time.Now().UnixMilli()
	logPath := pikafixture.Copy(t, "binlog") // the old master's binlog stays in log-path
	port := nodetest.FreePort(t)
	conf := pikaConf(port, dbPath, logPath, offset)

	n1 := nodetest.Start(t, nodetest.Options{Port: port, Config: conf,
		Args: []string{"--node-id", "n1", "--bootstrap-expect", "1"}})
	require.Contains(t, n1.Log(), "adopted the existing data in db-path")
	checkAllKeys(t, n1, expected, records)

	joinerConf := fmt.Sprintf("databases : 2\nclock-offset-ms : %d\n", offset)
	var joiners []*nodetest.Server
	for _, id := range []string{"n2", "n3"} {
		s := nodetest.Start(t, nodetest.Options{Config: joinerConf,
			Args: []string{"--node-id", id, "--join", n1.GossipAddr()}})
		joiners = append(joiners, s)
	}
	for _, s := range joiners {
		require.Eventually(t, func() bool { return strings.Contains(s.Log(), "restore: snapshot installed") },
			30*time.Second, 100*time.Millisecond, "the joiner installs the leader's snapshot")
	}
	ctx := context.Background()
	c1 := n1.Client()
	defer c1.Close()
	require.Eventually(t, func() bool { return voters(ctx, c1) == 3 },
		30*time.Second, 200*time.Millisecond, "both joiners become voters")

	for _, s := range append([]*nodetest.Server{n1}, joiners...) {
		checkAllKeys(t, s, expected, records)
	}

	// New writes replicate as usual (a write on a joiner is forwarded).
	c3 := joiners[1].Client()
	defer c3.Close()
	require.NoError(t, c3.Set(ctx, "after:upgrade", "yes", 0).Err())
	for _, s := range []*nodetest.Server{n1, joiners[0]} {
		c := s.Client()
		require.Equal(t, "yes", c.Get(ctx, "after:upgrade").Val())
		c.Close()
	}
}

// TestJoinRefusesForeignData starts a node on a Pika data directory with
// --join: it must refuse (its data would exist on it alone), not join.
func TestJoinRefusesForeignData(t *testing.T) {
	dbPath := pikafixture.CopyDB(t)
	home := t.TempDir()
	port := nodetest.FreePort(t)
	confPath := filepath.Join(home, "pika.conf")
	require.NoError(t, os.WriteFile(confPath, []byte(pikaConf(port, dbPath, filepath.Join(home, "log"), 0)), 0o644))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, nodetest.Binary(t), "-c", confPath, "--data-dir", home, "--node-id", "x",
		"--join", "127.0.0.1:"+strconv.Itoa(nodetest.FreePort(t)+4000))
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "the node must exit:\n%s", out)
	require.NoError(t, ctx.Err(), "the node must exit at once, not wait for the cluster")
	require.Contains(t, string(out), "holds data that was not written through Raft")
	require.Contains(t, string(out), "--bootstrap-expect 1")
}

// checkAllKeys reads, on server s, every key of the fixture (as the real
// Pika showed it) and every raw record.
func checkAllKeys(t *testing.T, s *nodetest.Server, expected map[string]map[string]json.RawMessage, r rawRecords) {
	t.Helper()
	ctx := context.Background()
	checked := 0
	for dbName, keys := range expected {
		var dbIndex int
		_, err := fmt.Sscanf(dbName, "db%d", &dbIndex)
		require.NoError(t, err)
		c := redis.NewClient(&redis.Options{Addr: s.Addr(), DB: dbIndex, MaxRetries: -1, Protocol: 2})
		for typed, want := range keys {
			kind, key, _ := strings.Cut(typed, "|")
			if fixed, ok := pikaZRangeBug[dbName+" "+typed]; ok {
				want = json.RawMessage(fixed)
			}
			var got any
			switch kind {
			case "string":
				got = do(t, c, "GET", key)
			case "hash":
				got = sorted(t, do(t, c, "HGETALL", key))
			case "set":
				got = sorted(t, do(t, c, "SMEMBERS", key))
			case "list":
				got = do(t, c, "LRANGE", key, "0", "-1")
			case "zset":
				got = do(t, c, "ZRANGE", key, "0", "-1", "WITHSCORES")
			case "stream":
				got = do(t, c, "XRANGE", key, "-", "+")
			default:
				t.Fatalf("unknown type in fixture: %s", typed)
			}
			js, err := json.Marshal(got)
			require.NoError(t, err)
			require.JSONEq(t, string(want), string(js), "node on port %d: %s %s", s.Port, dbName, typed)
			checked++
		}
		c.Close()
	}
	c := s.Client()
	defer c.Close()
	require.Zero(t, c.Exists(ctx, "str:expired").Val(), "a key that had expired in Pika stays gone")
	for k, v := range r.Strings {
		require.Equal(t, v, c.Get(ctx, k).Val(), k)
	}
	ttl := c.TTL(ctx, r.TTLKey).Val()
	require.InDelta(t, float64(r.TTLSec), ttl.Seconds(), 120, "TTL of %s", r.TTLKey)
	require.Equal(t, r.Fields, c.HGetAll(ctx, r.Hash).Val())
	members := c.SMembers(ctx, r.Set).Val()
	sort.Strings(members)
	require.Equal(t, r.Members, members)
	require.Greater(t, checked, 100)
}

// voters counts the voters RAFT PEERS lists (RESP2: one flat
// field/value array per server).
func voters(ctx context.Context, c *redis.Client) int {
	peers, err := c.Do(ctx, "RAFT", "PEERS").Slice()
	if err != nil {
		return 0
	}
	n := 0
	for _, p := range peers {
		fields, _ := p.([]any)
		for i := 0; i+1 < len(fields); i += 2 {
			if fields[i] == "suffrage" && fields[i+1] == "voter" {
				n++
			}
		}
	}
	return n
}

// do runs a command and returns its reply in the fixture's JSON shape:
// strings, null, arrays; an empty reply array for a missing key.
func do(t *testing.T, c *redis.Client, args ...string) any {
	t.Helper()
	argv := make([]any, len(args))
	for i, a := range args {
		argv[i] = a
	}
	v, err := c.Do(context.Background(), argv...).Result()
	if err == redis.Nil {
		return nil
	}
	require.NoError(t, err, "%v", args)
	if arr, ok := v.([]any); ok && len(arr) == 0 {
		return []any{}
	}
	return v
}

func sorted(t *testing.T, v any) []string {
	t.Helper()
	items, ok := v.([]any)
	require.True(t, ok, "array reply expected, got %T", v)
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = fmt.Sprint(it)
	}
	sort.Strings(out)
	return out
}
