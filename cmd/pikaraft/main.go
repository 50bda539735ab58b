// Command pikaraft is the pikaraft server: a Pika-compatible,
// Raft-replicated Redis-protocol database.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pikaraft/pikaraft/compat/pikaconf"
	"github.com/pikaraft/pikaraft/compat/replication"
	"github.com/pikaraft/pikaraft/node"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "pikaraft:", err)
		os.Exit(1)
	}
}

// parseFlags reads the command line and the config file into settings.
func parseFlags(args []string) (*settings, error) {
	fs := flag.NewFlagSet("pikaraft", flag.ContinueOnError)
	confPath := fs.String("c", "", "Pika configuration file (pika.conf); flags override it")
	port := fs.Int("port", 0, "client port (default: pika.conf's port, else 9221); Raft uses port+3000")
	bind := fs.String("bind", "127.0.0.1", "address to listen on for clients and Raft")
	dataDir := fs.String("data-dir", "./data", "data directory: holds db/, log/, raft/, dump/ unless pika.conf sets their paths")
	nodeID := fs.String("node-id", "", "Raft node ID (default: pika.conf's node-id, else generated once and kept in the data directory)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	expect := fs.Int("bootstrap-expect", 0, "form a new cluster once this many nodes see each other through gossip (default: pika.conf's bootstrap-expect)")
	join := fs.String("join", "", "gossip addresses (host:port, port = client port+4000 by default) of cluster members to join, comma-separated (default: pika.conf's join)")
	peers := fs.String("peers", "", "static cluster: id1=host:raftport,id2=... (this node included); every node bootstraps it")
	advertise := fs.String("raft-advertise", "", "host:raftport other nodes and clients reach this node at, when --bind is 0.0.0.0 or behind NAT (default: pika.conf's raft-advertise)")
	logStore := fs.String("raft-log-store", "", "Raft log store of a new data directory: wal or bolt (default: pika.conf's raft-log-store, else wal); an existing one keeps its kind")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: pikaraft [flags]\n\nFlags (-flag and --flag both work):\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q (see --help)", fs.Args())
	}
	conf := pikaconf.New()
	if *confPath != "" {
		var err error
		if conf, err = pikaconf.Load(*confPath); err != nil {
			return nil, err
		}
	}
	if *port != 0 {
		if err := conf.Override("port", strconv.Itoa(*port)); err != nil {
			return nil, fmt.Errorf("--port: %w", err)
		}
	}
	if *nodeID != "" {
		if err := conf.Override("node-id", *nodeID); err != nil {
			return nil, fmt.Errorf("--node-id: %w", err)
		}
	}
	if *expect != 0 {
		if err := conf.Override("bootstrap-expect", strconv.Itoa(*expect)); err != nil {
			return nil, fmt.Errorf("--bootstrap-expect: %w", err)
		}
	}
	if *join != "" {
		if err := conf.Override("join", *join); err != nil {
			return nil, fmt.Errorf("--join: %w", err)
		}
	}
	if *advertise != "" {
		if err := checkHostPort(*advertise); err != nil {
			return nil, fmt.Errorf("--raft-advertise: %w", err)
		}
		if err := conf.Override("raft-advertise", *advertise); err != nil {
			return nil, fmt.Errorf("--raft-advertise: %w", err)
		}
	}
	if *peers != "" {
		if err := conf.Override("peers", *peers); err != nil {
			return nil, fmt.Errorf("--peers: %w", err)
		}
	}
	if *logStore != "" {
		if err := conf.Override("raft-log-store", *logStore); err != nil {
			return nil, fmt.Errorf("--raft-log-store: %w", err)
		}
	}
	s := &settings{conf: conf, bind: *bind, port: int(conf.Int("port", 9221)), dataDir: *dataDir, logLevel: *logLevel}
	if err := s.resolvePaths(); err != nil {
		return nil, err
	}
	hc, err := newHotCache(conf)
	if err != nil {
		return nil, err
	}
	s.hotCache = hc
	return s, nil
}

// checkHostPort accepts host:port with a port in 1..65535.
func checkHostPort(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 || host == "" {
		return fmt.Errorf("%q: want host:port with a port in 1..65535", addr)
	}
	return nil
}

func newLogger(level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l})), nil
}

func run(args []string) error {
	s, err := parseFlags(args)
	if err != nil {
		return err
	}
	log, err := newLogger(s.logLevel)
	if err != nil {
		return err
	}
	slog.SetDefault(log)
	if n := limitMallocArenas(); n != "" {
		log.Debug("malloc arenas limited", "max", n)
	}
	log.Debug("go gc percent", "gogc", setGCPercent())
	startPprof(log)
	logInert(s.conf, log)
	id, err := s.nodeID()
	if err != nil {
		return err
	}
	cfg, err := s.nodeConfig(id)
	if err != nil {
		return err
	}
	cfg.Logger = log
	cfg.Clock = skewedClock(s.conf.Int("clock-offset-ms", 0))
	if err := checkHandedBack(s.dbPath, s.raftDir); err != nil {
		return err
	}
	sink, err := openBinlog(s, log)
	if err != nil {
		return err
	}
	var gate *replication.Gate
	if sink != nil {
		gate = replication.NewGate(sink)
		cfg.Observer = gate
		defer func() {
			if err := sink.Close(); err != nil {
				log.Error("close binlog", "error", err)
			}
		}()
	}
	n, err := node.Open(cfg)
	if err != nil {
		return err
	}
	readIndexNode.Store(n)
	clearHandedBack(s.dbPath, log)
	watchHotCache(s.conf, s.hotCache, log)
	s.conf.OnChange(func(key, value string) {
		switch key {
		case "follower-writes":
			n.SetFollowerWrites(value == "redirect")
		case "read-consistency":
			n.SetStaleReads(value == "stale")
		case "raft-dead-server-timeout":
			if secs, err := strconv.Atoi(value); err == nil {
				n.SetDeadServerTimeout(time.Duration(secs) * time.Second)
			}
		}
	})
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if gate != nil {
		replicationID(s) // INFO prints it
	}
	srv, in, err := startServer(s, n, log, stop)
	if err != nil {
		_ = n.Close()
		return err
	}
	var repl closer
	if gate != nil {
		if repl, err = startReplication(s, n, gate, in, log); err != nil {
			_ = srv.Close()
			_ = n.Close()
			return fmt.Errorf("classic replication: %w", err)
		}
	}
	log.Info("pikaraft ready", "port", s.port, "bind", s.bind, "data_dir", s.dataDir, "node_id", id)
	<-ctx.Done()
	log.Info("shutting down")
	if s.conf.Bool("leave-on-terminate") {
		log.Info("leaving the cluster (leave-on-terminate)")
		n.Leave(10 * time.Second)
	}
	// Stop taking clients first (in-flight writes finish), then Raft, then
	// the engine.
	var errs []error
	if err := srv.Close(); err != nil {
		errs = append(errs, fmt.Errorf("close server: %w", err))
	}
	if repl != nil {
		if err := repl.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close classic replication: %w", err))
		}
	}
	if err := n.Close(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	log.Info("bye")
	return nil
}
