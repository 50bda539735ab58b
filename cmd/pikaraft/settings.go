package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pikaraft/pikaraft/compat/pikaconf"
	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/engine/hotcache"
	"github.com/pikaraft/pikaraft/node"
)

// settings is everything the server needs, resolved from pika.conf and the
// command line (flags win).
type settings struct {
	conf     *pikaconf.Config
	bind     string
	port     int
	dataDir  string
	dbPath   string
	raftDir  string
	logLevel string
	hotCache *hotcache.Cache // pika.conf's cache-* keys (hotcache.go)
}

// resolvePaths fills in the Pika paths under the data directory unless
// pika.conf sets them, and makes them absolute.
func (s *settings) resolvePaths() error {
	abs, err := filepath.Abs(s.dataDir)
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	s.dataDir = abs
	for key, sub := range map[string]string{
		"db-path": "db", "log-path": "log", "dump-path": "dump",
		"db-sync-path": "dbsync", "raft-path": "raft", "pidfile": "pika.pid",
	} {
		def := filepath.Join(abs, sub)
		if sub != "pika.pid" {
			def += string(filepath.Separator)
		}
		s.conf.SetDefault(key, def)
	}
	if s.dbPath, err = filepath.Abs(s.conf.String("db-path")); err != nil {
		return fmt.Errorf("db-path: %w", err)
	}
	if s.raftDir, err = filepath.Abs(s.conf.String("raft-path")); err != nil {
		return fmt.Errorf("raft-path: %w", err)
	}
	return nil
}

// nodeID returns the configured node ID (--node-id or pika.conf), or the
// one this data directory was given on its first start. The ID in use is
// kept in raft-path/node-id, so a restart needs no --node-id.
func (s *settings) nodeID() (string, error) {
	file := filepath.Join(s.raftDir, "node-id")
	if id := s.conf.String("node-id"); id != "" {
		if _, err := os.Stat(file); errors.Is(err, os.ErrNotExist) {
			if err := writeNodeID(s.raftDir, file, id); err != nil {
				return "", err
			}
		}
		return id, nil
	}
	if raw, err := os.ReadFile(file); err == nil {
		if id := strings.TrimSpace(string(raw)); id != "" {
			return id, nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read node id: %w", err)
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate node id: %w", err)
	}
	id := "node-" + hex.EncodeToString(b[:])
	if err := writeNodeID(s.raftDir, file, id); err != nil {
		return "", err
	}
	return id, nil
}

func writeNodeID(dir, file, id string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create raft dir: %w", err)
	}
	if err := os.WriteFile(file, []byte(id+"\n"), 0o644); err != nil {
		return fmt.Errorf("write node id: %w", err)
	}
	return nil
}

// engineOptions maps pika.conf's storage settings onto the engine
// (docs/OPERATIONS.md, "Memory"). Numeric keys the file does not set keep
// the engine's defaults rather than Pika's (which size memtables for a
// large server: 256 MB write buffers, 10 GB max-write-buffer-size).
func (s *settings) engineOptions() engine.Options {
	c := s.conf
	o := engine.Options{
		Databases:                 int(c.Int("databases", 1)),
		Compression:               c.String("compression"),
		PrivateBlockCaches:        !c.Bool("share-block-cache"),
		CacheIndexAndFilterBlocks: c.Bool("cache-index-and-filter-blocks"),
		PinL0FilterAndIndexBlocks: c.Bool("pin_l0_filter_and_index_blocks_in_cache"),
		OptimizeFiltersForHits:    c.Bool("optimize-filters-for-hits"),
		HotCache:                  s.hotCache,
	}
	setInt := func(key string, set func(int64)) {
		if c.IsSet(key) {
			set(c.Int(key, 0))
		}
	}
	setInt("block-cache", func(v int64) {
		o.BlockCacheBytes = uint64(v)
		o.NoBlockCache = v == 0
	})
	setInt("block-size", func(v int64) { o.BlockSize = int(v) })
	setInt("write-buffer-size", func(v int64) { o.WriteBufferBytes = uint64(v) })
	setInt("max-write-buffer-num", func(v int64) { o.MaxWriteBuffers = int(v) })
	setInt("max-write-buffer-size", func(v int64) { o.MemtableBudgetBytes = uint64(v) })
	setInt("target-file-size-base", func(v int64) { o.TargetFileSizeBase = uint64(v) })
	setInt("max-background-jobs", func(v int64) { o.MaxBackgroundJobs = int(v) })
	setInt("max-bytes-for-level-multiplier", func(v int64) { o.MaxBytesForLevelMultiplier = float64(v) })
	setInt("max-cache-files", func(v int64) { o.MaxOpenFiles = int(v) })
	return o
}

// nodeConfig builds the Raft node's configuration.
func (s *settings) nodeConfig(id string) (node.Config, error) {
	raftPort := int(s.conf.Int("raft-port", 0))
	if raftPort == 0 {
		raftPort = s.port + 3000
	}
	peers, err := node.ParsePeers(s.conf.String("peers"))
	if err != nil {
		return node.Config{}, fmt.Errorf("peers: %w", err)
	}
	dialMap, err := node.ParseDialMap(s.conf.String("raft-dial-map"))
	if err != nil {
		return node.Config{}, err
	}
	congestion := s.conf.String("raft-tcp-congestion")
	if err := node.CheckTCPCongestion(congestion); err != nil {
		return node.Config{}, fmt.Errorf("raft-tcp-congestion: %w", err)
	}
	gossipPort := int(s.conf.Int("gossip-port", 0))
	if gossipPort == 0 {
		gossipPort = s.port + 4000
	}
	var join []string
	for _, j := range strings.Split(s.conf.String("join"), ",") {
		if j = strings.TrimSpace(j); j != "" {
			join = append(join, j)
		}
	}
	expect := int(s.conf.Int("bootstrap-expect", 0))
	return node.Config{
		Peers:             peers,
		DialMap:           dialMap,
		RaftTCPCongestion: congestion,
		ID:                id,
		RaftDir:           s.raftDir,
		DBPath:            s.dbPath,
		Engine:            s.engineOptions(),
		RaftBind:          net.JoinHostPort(s.bind, strconv.Itoa(raftPort)),
		RaftAdvertise:     s.conf.String("raft-advertise"),
		Bootstrap:         len(peers) > 0 || (expect <= 1 && len(join) == 0 && !s.wasClustered()),
		WriteTimeout:      time.Duration(s.conf.Int("write-timeout-ms", 10000)) * time.Millisecond,
		SnapshotThreshold: uint64(s.conf.Int("raft-snapshot-threshold", 8192)),
		SnapshotInterval:  time.Duration(s.conf.Int("raft-snapshot-interval", 120)) * time.Second,
		TrailingLogs:      uint64(s.conf.Int("raft-trailing-logs", 10240)),
		LogStore:          s.conf.String("raft-log-store"),
		HeartbeatTimeout:  time.Duration(s.conf.Int("raft-heartbeat-timeout-ms", 500)) * time.Millisecond,
		ElectionTimeout:   time.Duration(s.conf.Int("raft-election-timeout-ms", 500)) * time.Millisecond,
		ClientAddr:        net.JoinHostPort(s.advertiseHost(), strconv.Itoa(s.port)),
		RedirectWrites:    s.conf.String("follower-writes") == "redirect",
		StaleReads:        s.conf.String("read-consistency") == "stale",
		Membership:        s.membership(peers, gossipPort, expect, join),
	}, nil
}

// membership configures gossip discovery; a static cluster (peers) runs
// without gossip, so no gossip-based dead-server removal either.
func (s *settings) membership(peers []node.Peer, gossipPort, expect int, join []string) node.Membership {
	if len(peers) > 0 {
		return node.Membership{}
	}
	return node.Membership{
		GossipBind:        net.JoinHostPort(s.bind, strconv.Itoa(gossipPort)),
		GossipAdvertise:   s.gossipAdvertise(gossipPort),
		ClusterName:       s.conf.String("cluster-name"),
		BootstrapExpect:   expect,
		Join:              join,
		DeadServerTimeout: time.Duration(s.conf.Int("raft-dead-server-timeout", 300)) * time.Second,
	}
}

// advertiseHost is the host other nodes and clients reach this node at:
// raft-advertise's host if set, else the bind address (127.0.0.1 when it
// is unspecified).
func (s *settings) advertiseHost() string {
	if adv := s.conf.String("raft-advertise"); adv != "" {
		if host, _, err := net.SplitHostPort(adv); err == nil && host != "" {
			return host
		}
	}
	if ip := net.ParseIP(s.bind); s.bind == "" || (ip != nil && ip.IsUnspecified()) {
		return "127.0.0.1"
	}
	return s.bind
}

// gossipAdvertise is the gossip address other nodes reach: empty (the bind
// address) unless raft-advertise names another host.
func (s *settings) gossipAdvertise(port int) string {
	if s.conf.String("raft-advertise") == "" {
		return ""
	}
	return net.JoinHostPort(s.advertiseHost(), strconv.Itoa(port))
}

// wasClustered reports whether this data directory has seen other members
// (the gossip peers file exists): such a node never bootstraps alone, even
// if it was stopped before it got any Raft state.
func (s *settings) wasClustered() bool {
	_, err := os.Stat(filepath.Join(s.raftDir, "gossip-peers"))
	return err == nil
}
