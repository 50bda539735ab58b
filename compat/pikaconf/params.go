package pikaconf

import (
	"fmt"
	"strconv"
	"strings"
)

// kind is how a parameter's value is validated.
type kind uint8

const (
	kString kind = iota
	kInt         // a 64-bit integer, with optional k/m/g (1024-based) suffix in files
	kBool        // yes or no
	kBoolTF      // true or false (Pika's disable_auto_compactions)
	kEnum        // one of param.enum
	kFloat
	kList // comma-separated items of param.enum, stored as "a,b,c"
)

// param is one known configuration parameter.
type param struct {
	name      string
	def       string
	kind      kind
	min, max  int64 // kInt range when max > min
	enum      []string
	immutable bool // needs a restart: CONFIG SET refuses it
	hidden    bool // accepted but not listed by CONFIG GET * (Redis compatibility knobs)
}

// params lists every parameter pikaraft knows, in Pika 3.5.5's CONFIG GET
// order, then pikaraft's Raft settings, then Redis parameters that clients
// and tools set (accepted, stored, and without effect here; see
// docs/COMPATIBILITY.md). Defaults are Pika 3.5.5's; paths are relative to
// the data directory the server fills in.
var params = []param{
	{name: "port", def: "9221", kind: kInt, min: 1, max: 65535, immutable: true},
	{name: "thread-num", def: "1", kind: kInt, min: 1, max: 1024, immutable: true},
	{name: "thread-pool-size", def: "12", kind: kInt, min: 1, max: 1024, immutable: true},
	{name: "slow-cmd-thread-pool-size", def: "1", kind: kInt, min: 0, max: 1024, immutable: true},
	{name: "admin-thread-pool-size", def: "2", kind: kInt, min: 0, max: 1024, immutable: true},
	{name: "userblacklist", def: ""},
	{name: "slow-cmd-list", def: ""},
	{name: "admin-cmd-list", def: "monitor,ping,info"},
	{name: "sync-thread-num", def: "6", kind: kInt, min: 1, max: 100, immutable: true},
	{name: "sync-binlog-thread-num", def: "1", kind: kInt, min: 1, max: 100, immutable: true},
	{name: "log-path", def: "./log/", immutable: true},
	{name: "db-path", def: "./db/", immutable: true},
	{name: "maxmemory", def: "10737418240", kind: kInt, min: 0, max: 1 << 62},
	{name: "write-buffer-size", def: "268435456", kind: kInt, min: 1 << 10, max: 1 << 40, immutable: true},
	{name: "arena-block-size", def: "33554432", kind: kInt, min: 0, max: 1 << 40, immutable: true},
	{name: "max-write-buffer-num", def: "2", kind: kInt, min: 1, max: 1000, immutable: true},
	{name: "timeout", def: "60", kind: kInt, min: 0, max: 1 << 31},
	{name: "requirepass", def: ""},
	{name: "masterauth", def: ""},
	{name: "userpass", def: ""},
	{name: "instance-mode", def: "classic", kind: kEnum, enum: []string{"classic"}, immutable: true},
	{name: "databases", def: "1", kind: kInt, min: 1, max: 8, immutable: true},
	{name: "daemonize", def: "no", kind: kBool, immutable: true},
	{name: "slotmigrate", def: "no", kind: kBool},
	{name: "slow-cmd-pool", def: "no", kind: kBool},
	{name: "slotmigrate-thread-num", def: "1", kind: kInt, min: 1, max: 24},
	{name: "thread-migrate-keys-num", def: "64", kind: kInt, min: 8, max: 1 << 20},
	{name: "dump-path", def: "./dump/"},
	{name: "dump-expire", def: "0", kind: kInt, min: 0, max: 1 << 31},
	{name: "dump-prefix", def: ""},
	{name: "pidfile", def: "./pika.pid", immutable: true},
	{name: "maxclients", def: "20000", kind: kInt, min: 1, max: 1 << 24},
	{name: "target-file-size-base", def: "20971520", kind: kInt, min: 1, max: 1 << 40},
	{name: "max-cache-statistic-keys", def: "0", kind: kInt, min: 0, max: 1 << 31},
	{name: "small-compaction-threshold", def: "5000", kind: kInt, min: 0, max: 1 << 31},
	{name: "small-compaction-duration-threshold", def: "10000", kind: kInt, min: 0, max: 1 << 31},
	{name: "max-background-flushes", def: "-1", kind: kInt, min: -1, max: 64},
	{name: "max-background-compactions", def: "-1", kind: kInt, min: -1, max: 64},
	{name: "max-background-jobs", def: "3", kind: kInt, min: 1, max: 128},
	{name: "max-cache-files", def: "5000", kind: kInt, min: -1, max: 1 << 31},
	{name: "max-bytes-for-level-multiplier", def: "10", kind: kInt, min: 1, max: 100},
	{name: "block-size", def: "4096", kind: kInt, min: 1, max: 1 << 30, immutable: true},
	{name: "block-cache", def: "8388608", kind: kInt, min: 0, max: 1 << 50, immutable: true},
	{name: "share-block-cache", def: "no", kind: kBool, immutable: true},
	{name: "cache-index-and-filter-blocks", def: "no", kind: kBool, immutable: true},
	{name: "optimize-filters-for-hits", def: "no", kind: kBool, immutable: true},
	{name: "level-compaction-dynamic-level-bytes", def: "yes", kind: kBool, immutable: true},
	{name: "expire-logs-days", def: "7", kind: kInt, min: 1, max: 1 << 20},
	{name: "expire-logs-nums", def: "10", kind: kInt, min: 10, max: 1 << 20},
	{name: "root-connection-num", def: "2", kind: kInt, min: 1, max: 1 << 16},
	{name: "slowlog-write-errorlog", def: "no", kind: kBool},
	{name: "slowlog-log-slower-than", def: "10000", kind: kInt, min: -1, max: 1 << 40},
	{name: "slowlog-max-len", def: "128", kind: kInt, min: 0, max: 1 << 31},
	{name: "write-binlog", def: "yes", kind: kBool},
	{name: "binlog-file-size", def: "104857600", kind: kInt, min: 1024, max: 1 << 31, immutable: true},
	{name: "max-write-buffer-size", def: "10737418240", kind: kInt, min: 0, max: 1 << 50},
	{name: "max-client-response-size", def: "1073741824", kind: kInt, min: 1, max: 1 << 40},
	{name: "compression", def: "snappy", kind: kEnum, enum: []string{"snappy", "zlib", "lz4", "zstd", "none"}, immutable: true},
	{name: "db-sync-path", def: "./dbsync/", immutable: true},
	{name: "db-sync-speed", def: "1024", kind: kInt, min: -1, max: 1 << 20},
	{name: "compact-cron", def: ""},
	{name: "compact-interval", def: ""},
	{name: "disable_auto_compactions", def: "false", kind: kBoolTF},
	{name: "network-interface", def: ""},
	{name: "slaveof", def: ""},
	{name: "slave-priority", def: "100", kind: kInt, min: 0, max: 1 << 31},
	{name: "save", def: ""},
	{name: "appendonly", def: "no", kind: kBool},
	{name: "sync-window-size", def: "9000", kind: kInt, min: 1, max: 9000},
	{name: "max-conn-rbuf-size", def: "268435456", kind: kInt, min: 1 << 16, max: 1 << 40},
	{name: "replication-num", def: "0", kind: kInt, min: 0, max: 4, immutable: true},
	{name: "consensus-level", def: "0", kind: kInt, min: 0, max: 4, immutable: true},
	{name: "rate-limiter-mode", def: "1", kind: kInt, min: 0, max: 2, immutable: true},
	{name: "rate-limiter-bandwidth", def: "1099511627776", kind: kInt, min: 1, max: 1 << 62},
	{name: "delayed-write-rate", def: "0", kind: kInt, min: 0, max: 1 << 62},
	{name: "max-compaction-bytes", def: "524288000", kind: kInt, min: -1, max: 1 << 62},
	{name: "rate-limiter-refill-period-us", def: "100000", kind: kInt, min: 1, max: 1 << 40, immutable: true},
	{name: "rate-limiter-fairness", def: "10", kind: kInt, min: 1, max: 100, immutable: true},
	{name: "rate-limiter-auto-tuned", def: "yes", kind: kBool, immutable: true},
	{name: "run-id", def: "", immutable: true},
	{name: "blob-cache", def: "0", kind: kInt, min: 0, max: 1 << 50, immutable: true},
	{name: "blob-compression-type", def: "none", kind: kEnum, enum: []string{"snappy", "zlib", "lz4", "zstd", "none"}, immutable: true},
	{name: "blob-file-size", def: "268435456", kind: kInt, min: 0, max: 1 << 50, immutable: true},
	{name: "blob-garbage-collection-age-cutoff", def: "0.250000", kind: kFloat, immutable: true},
	{name: "blob-garbage-collection-force-threshold", def: "1.000000", kind: kFloat, immutable: true},
	{name: "blob-num-shard-bits", def: "0", kind: kInt, min: -1, max: 20, immutable: true},
	{name: "compression-per-level", def: "", immutable: true},
	{name: "default-slot-num", def: "1024", kind: kInt, min: 1, max: 1 << 20, immutable: true},
	{name: "enable-blob-files", def: "no", kind: kBool, immutable: true},
	{name: "enable-blob-garbage-collection", def: "no", kind: kBool, immutable: true},
	{name: "loglevel", def: "info", kind: kEnum, enum: []string{"debug", "info", "warn", "warning", "error", "notice", "verbose"}},
	{name: "min-blob-size", def: "4096", kind: kInt, min: 0, max: 1 << 40, immutable: true},
	{name: "pin_l0_filter_and_index_blocks_in_cache", def: "no", kind: kBool, immutable: true},
	{name: "slave-read-only", def: "yes", kind: kBool},
	{name: "throttle-bytes-per-second", def: "207200000", kind: kInt, min: 1, max: 1 << 40},
	{name: "max-rsync-parallel-num", def: "4", kind: kInt, min: 1, max: 64},
	{name: "replication-id", def: "", immutable: true},
	{name: "cache-num", def: "16", kind: kInt, min: 1, max: 48},
	{name: "cache-model", def: "0", kind: kInt, min: 0, max: 1},
	{name: "cache-type", def: "string,set,zset,list,hash,bit", kind: kList, enum: []string{"string", "set", "zset", "list", "hash", "bit"}},
	{name: "zset-cache-start-direction", def: "0", kind: kInt, min: -1, max: 1},
	{name: "zset-cache-field-num-per-key", def: "512", kind: kInt, min: 1, max: 1 << 20},
	{name: "cache-maxmemory", def: "10737418240", kind: kInt, min: 0, max: 1 << 50},
	{name: "cache-maxmemory-policy", def: "1", kind: kInt, min: 0, max: 7},
	{name: "cache-maxmemory-samples", def: "5", kind: kInt, min: 1, max: 64},
	{name: "cache-lfu-decay-time", def: "1", kind: kInt, min: 0, max: 1 << 20},
	{name: "acl-pubsub-default", def: "resetchannels", kind: kEnum, enum: []string{"resetchannels", "allchannels"}},

	// pikaraft: Raft and cluster settings (extra keys; Pika ignores them).
	{name: "node-id", def: "", immutable: true},
	{name: "raft-path", def: "./raft/", immutable: true},
	{name: "raft-port", def: "0", kind: kInt, min: 0, max: 65535, immutable: true},
	{name: "raft-advertise", def: "", immutable: true},
	{name: "gossip-port", def: "0", kind: kInt, min: 0, max: 65535, immutable: true},
	{name: "bootstrap-expect", def: "0", kind: kInt, min: 0, max: 9, immutable: true},
	{name: "join", def: "", immutable: true},
	{name: "peers", def: "", immutable: true},
	{name: "raft-dial-map", def: "", immutable: true},
	{name: "cluster-name", def: "pikaraft", immutable: true},
	{name: "raft-dead-server-timeout", def: "300", kind: kInt, min: 1, max: 1 << 31},
	{name: "leave-on-terminate", def: "no", kind: kBool},
	{name: "follower-writes", def: "forward", kind: kEnum, enum: []string{"forward", "redirect"}},
	{name: "read-consistency", def: "linearizable", kind: kEnum, enum: []string{"linearizable", "stale"}},
	{name: "write-timeout-ms", def: "10000", kind: kInt, min: 1, max: 1 << 31},
	{name: "raft-snapshot-threshold", def: "8192", kind: kInt, min: 1, max: 1 << 40, immutable: true},
	{name: "raft-snapshot-interval", def: "120", kind: kInt, min: 1, max: 1 << 31, immutable: true},
	{name: "raft-trailing-logs", def: "10240", kind: kInt, min: 1, max: 1 << 40, immutable: true},
	{name: "raft-log-store", def: "wal", kind: kEnum, enum: []string{"wal", "bolt"}, immutable: true},
	{name: "raft-heartbeat-timeout-ms", def: "500", kind: kInt, min: 5, max: 1 << 20, immutable: true},
	{name: "raft-election-timeout-ms", def: "500", kind: kInt, min: 5, max: 1 << 20, immutable: true},
	// TCP congestion control of the Raft connections a node opens ("" =
	// the system's; node.CheckTCPCongestion checks the name).
	{name: "raft-tcp-congestion", def: "cubic", immutable: true},
	// Fast reads served from an event loop, every other connection on a
	// goroutine of its own (resp/evloop.go); "no" serves all on goroutines.
	{name: "event-loop", def: "yes", kind: kBool, immutable: true},
	// INFO's binlog line: "pika" = db0:binlog_offset=... (Pika's own),
	// "exporter" = db0 binlog_offset=... (what pika_exporter parses).
	{name: "info-binlog-offset-format", def: "pika", kind: kEnum, enum: []string{"pika", "exporter"}},

	// Redis's aclfile: the file ACL SAVE writes and ACL LOAD reads.
	{name: "aclfile", def: "", immutable: true, hidden: true},

	// Redis parameters clients and tools set; stored, no effect here.
	{name: "appendfsync", def: "everysec", kind: kEnum, enum: []string{"always", "everysec", "no"}, hidden: true},
	{name: "maxmemory-policy", def: "noeviction", kind: kEnum, enum: []string{"volatile-lru", "allkeys-lru",
		"volatile-lfu", "allkeys-lfu", "volatile-random", "allkeys-random", "volatile-ttl", "noeviction"}, hidden: true},
	{name: "hash-max-ziplist-entries", def: "512", kind: kInt, min: 0, max: 1 << 40, hidden: true},
	{name: "hash-max-ziplist-value", def: "64", kind: kInt, min: 0, max: 1 << 40, hidden: true},
	{name: "hash-max-listpack-entries", def: "512", kind: kInt, min: 0, max: 1 << 40, hidden: true},
	{name: "hash-max-listpack-value", def: "64", kind: kInt, min: 0, max: 1 << 40, hidden: true},
	{name: "set-max-intset-entries", def: "512", kind: kInt, min: 0, max: 1 << 40, hidden: true},
	{name: "set-max-listpack-entries", def: "128", kind: kInt, min: 0, max: 1 << 40, hidden: true},
	{name: "set-max-listpack-value", def: "64", kind: kInt, min: 0, max: 1 << 40, hidden: true},
	{name: "zset-max-ziplist-entries", def: "128", kind: kInt, min: 0, max: 1 << 40, hidden: true},
	{name: "zset-max-ziplist-value", def: "64", kind: kInt, min: 0, max: 1 << 40, hidden: true},
	{name: "zset-max-listpack-entries", def: "128", kind: kInt, min: 0, max: 1 << 40, hidden: true},
	{name: "zset-max-listpack-value", def: "64", kind: kInt, min: 0, max: 1 << 40, hidden: true},
	{name: "list-max-ziplist-size", def: "-2", kind: kInt, min: -5, max: 1 << 40, hidden: true},
	{name: "list-max-listpack-size", def: "-2", kind: kInt, min: -5, max: 1 << 40, hidden: true},
	{name: "list-compress-depth", def: "0", kind: kInt, min: 0, max: 1 << 31, hidden: true},
	{name: "lazyfree-lazy-eviction", def: "no", kind: kBool, hidden: true},
	{name: "lazyfree-lazy-expire", def: "no", kind: kBool, hidden: true},
	{name: "lazyfree-lazy-server-del", def: "no", kind: kBool, hidden: true},
	{name: "lazyfree-lazy-user-del", def: "no", kind: kBool, hidden: true},
	{name: "lazyfree-lazy-user-flush", def: "no", kind: kBool, hidden: true},
	{name: "notify-keyspace-events", def: "", hidden: true},
	{name: "activerehashing", def: "yes", kind: kBool, hidden: true},
	{name: "hz", def: "10", kind: kInt, min: 1, max: 500, hidden: true},
	{name: "tcp-keepalive", def: "300", kind: kInt, min: 0, max: 1 << 31, hidden: true},
	{name: "stream-node-max-bytes", def: "4096", kind: kInt, min: 0, max: 1 << 40, hidden: true},
	{name: "stream-node-max-entries", def: "100", kind: kInt, min: 0, max: 1 << 40, hidden: true},
	{name: "latency-tracking", def: "yes", kind: kBool, hidden: true},
	{name: "client-output-buffer-limit", def: "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", hidden: true},
	{name: "proto-max-bulk-len", def: "536870912", kind: kInt, min: 1 << 20, max: 1 << 40, hidden: true},
	{name: "replica-lazy-flush", def: "no", kind: kBool, hidden: true},
	{name: "protected-mode", def: "no", kind: kBool, hidden: true},
	{name: "hll-sparse-max-bytes", def: "3000", kind: kInt, min: 0, max: 1 << 40, hidden: true},
	{name: "maxmemory-samples", def: "5", kind: kInt, min: 1, max: 64, hidden: true},
	{name: "lfu-log-factor", def: "10", kind: kInt, min: 0, max: 1 << 31, hidden: true},
	{name: "lfu-decay-time", def: "1", kind: kInt, min: 0, max: 1 << 31, hidden: true},
	{name: "active-expire-effort", def: "1", kind: kInt, min: 1, max: 10, hidden: true},
	{name: "lua-time-limit", def: "5000", kind: kInt, min: 0, max: 1 << 40, hidden: true},
	{name: "busy-reply-threshold", def: "5000", kind: kInt, min: 0, max: 1 << 40, hidden: true},
	{name: "stop-writes-on-bgsave-error", def: "yes", kind: kBool, hidden: true},
	{name: "rdbcompression", def: "yes", kind: kBool, hidden: true},
	{name: "rdbchecksum", def: "yes", kind: kBool, hidden: true},
	{name: "no-appendfsync-on-rewrite", def: "no", kind: kBool, hidden: true},
	{name: "aof-use-rdb-preamble", def: "yes", kind: kBool, hidden: true},
	{name: "auto-aof-rewrite-percentage", def: "100", kind: kInt, min: 0, max: 1 << 31, hidden: true},
	{name: "auto-aof-rewrite-min-size", def: "67108864", kind: kInt, min: 0, max: 1 << 62, hidden: true},
	// pikaraft test knob (jepsen-lite's clock nemesis): shifts this node's
	// local clock; cluster time must not depend on it.
	{name: "clock-offset-ms", def: "0", kind: kInt, min: -(1 << 40), max: 1 << 40, immutable: true, hidden: true},
}

var paramIndex = func() map[string]*param {
	m := make(map[string]*param, len(params))
	for i := range params {
		m[params[i].name] = &params[i]
	}
	return m
}()

// parseHumanInt parses an integer with an optional k/m/g suffix (1024-based,
// as Pika's GetConfInt64Human).
func parseHumanInt(s string) (int64, error) {
	mult := int64(1)
	if n := len(s); n > 1 {
		switch s[n-1] {
		case 'k', 'K':
			mult = 1 << 10
		case 'm', 'M':
			mult = 1 << 20
		case 'g', 'G':
			mult = 1 << 30
		}
		if mult != 1 {
			s = s[:n-1]
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, err
	}
	if v > 0 && v > (1<<63-1)/mult || v < 0 && v < (-1<<63)/mult {
		return 0, strconv.ErrRange
	}
	return v * mult, nil
}

// normalize validates value for p and returns the canonical stored form.
func (p *param) normalize(value string) (string, error) {
	switch p.kind {
	case kInt:
		v, err := parseHumanInt(value)
		if err != nil {
			return "", fmt.Errorf("argument couldn't be parsed into an integer")
		}
		if p.max > p.min && (v < p.min || v > p.max) {
			return "", fmt.Errorf("argument must be between %d and %d inclusive", p.min, p.max)
		}
		return strconv.FormatInt(v, 10), nil
	case kBool:
		switch strings.ToLower(value) {
		case "yes":
			return "yes", nil
		case "no":
			return "no", nil
		}
		return "", fmt.Errorf("argument must be 'yes' or 'no'")
	case kBoolTF:
		switch strings.ToLower(value) {
		case "true", "yes":
			return "true", nil
		case "false", "no":
			return "false", nil
		}
		return "", fmt.Errorf("argument must be 'true' or 'false'")
	case kEnum:
		for _, e := range p.enum {
			if strings.EqualFold(e, value) {
				return e, nil
			}
		}
		return "", fmt.Errorf("argument(s) must be one of the following: %s", strings.Join(p.enum, ", "))
	case kList:
		return normalizeList(value, p.enum)
	case kFloat:
		if _, err := strconv.ParseFloat(value, 64); err != nil {
			return "", fmt.Errorf("argument couldn't be parsed into a float")
		}
	}
	return value, nil
}

// normalizeList validates a comma-separated list of items from allowed
// (spaces and case ignored, empty items dropped) and joins it with commas,
// as Pika prints cache-type.
func normalizeList(value string, allowed []string) (string, error) {
	var out []string
	for _, item := range strings.Split(value, ",") {
		item = strings.ToLower(strings.TrimSpace(item))
		if item == "" {
			continue
		}
		found := false
		for _, a := range allowed {
			found = found || a == item
		}
		if !found {
			return "", fmt.Errorf("argument(s) must be a comma-separated list of: %s", strings.Join(allowed, ", "))
		}
		out = append(out, item)
	}
	return strings.Join(out, ","), nil
}
