package e2e_test

import (
	"os/exec"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRedisConfigParameters sets the Redis parameters tools and client
// libraries commonly set; each is accepted and read back. They have no
// effect here (docs/COMPATIBILITY.md).
func TestRedisConfigParameters(t *testing.T) {
	c := client(t)
	params := [][2]string{
		{"save", ""}, {"save", "900 1 300 10"}, {"appendonly", "no"}, {"appendfsync", "everysec"},
		{"hash-max-listpack-entries", "256"}, {"hash-max-listpack-value", "32"},
		{"hash-max-ziplist-entries", "256"}, {"hash-max-ziplist-value", "32"},
		{"list-max-listpack-size", "-1"}, {"list-max-ziplist-size", "-1"}, {"list-compress-depth", "1"},
		{"set-max-intset-entries", "1024"}, {"set-max-listpack-entries", "64"}, {"set-max-listpack-value", "16"},
		{"zset-max-listpack-entries", "64"}, {"zset-max-listpack-value", "16"},
		{"zset-max-ziplist-entries", "64"}, {"zset-max-ziplist-value", "16"},
		{"lazyfree-lazy-eviction", "yes"}, {"lazyfree-lazy-expire", "yes"}, {"lazyfree-lazy-server-del", "yes"},
		{"lazyfree-lazy-user-del", "yes"}, {"lazyfree-lazy-user-flush", "yes"}, {"replica-lazy-flush", "yes"},
		{"maxmemory-policy", "allkeys-lru"}, {"maxmemory-samples", "10"}, {"hz", "20"},
		{"notify-keyspace-events", "Ex"}, {"stream-node-max-entries", "50"}, {"activerehashing", "no"},
		{"tcp-keepalive", "60"}, {"latency-tracking", "no"}, {"protected-mode", "no"},
		{"hll-sparse-max-bytes", "2000"}, {"lfu-log-factor", "5"}, {"lfu-decay-time", "2"},
		{"stop-writes-on-bgsave-error", "no"}, {"rdbcompression", "no"}, {"aof-use-rdb-preamble", "no"},
		{"timeout", "0"}, {"maxclients", "20000"},
	}
	for _, kv := range params {
		require.Equal(t, "OK", do(t, c, "CONFIG", "SET", kv[0], kv[1]), "CONFIG SET %s", kv[0])
		require.Equal(t, []any{kv[0], kv[1]}, do(t, c, "CONFIG", "GET", kv[0]), "CONFIG GET %s", kv[0])
	}
	// Several pairs in one CONFIG SET, and several patterns in one GET.
	require.Equal(t, "OK", do(t, c, "CONFIG", "SET", "appendonly", "yes", "hz", "10"))
	require.Equal(t, []any{"appendonly", "yes", "hz", "10"}, do(t, c, "CONFIG", "GET", "appendonly", "hz"))
	require.Equal(t, "OK", do(t, c, "CONFIG", "SET", "appendonly", "no", "save", ""))

	fails(t, c, "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'",
		"CONFIG", "SET", "appendonly", "maybe")
	fails(t, c, "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of "+
		"the following: volatile-lru, allkeys-lru, volatile-lfu, allkeys-lfu, volatile-random, allkeys-random, volatile-ttl, noeviction",
		"CONFIG", "SET", "maxmemory-policy", "bogus")
	fails(t, c, "ERR Unknown option or number of arguments for CONFIG SET - 'no-such-parameter'",
		"CONFIG", "SET", "no-such-parameter", "1")
	require.Equal(t, []any{}, do(t, c, "CONFIG", "GET", "no-such-parameter"))
	fails(t, c, "ERR wrong number of arguments for 'config|get' command", "CONFIG", "GET")
	require.Equal(t, "OK", do(t, c, "CONFIG", "RESETSTAT"))
	require.Equal(t, []any{"appendonly", "no"}, do(t, c, "CONFIG", "GET", "appendonly"))
}

// TestRedisBenchmarkReadsConfig runs redis-benchmark briefly: it asks
// CONFIG GET save and appendonly at start and warns when it cannot.
func TestRedisBenchmarkReadsConfig(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("redis-benchmark")
	require.NoError(t, err, "redis-benchmark is needed (make deps installs redis-tools)")
	out, err := exec.Command(bin, "-h", "127.0.0.1", "-p", strconv.Itoa(srv.Port),
		"-t", "set,get", "-n", "1000", "-c", "10", "-q").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.NotContains(t, string(out), "Could not fetch server CONFIG")
	require.NotContains(t, string(out), "ERR")
	require.Contains(t, string(out), "SET: ")
	require.Contains(t, string(out), "GET: ")
}
