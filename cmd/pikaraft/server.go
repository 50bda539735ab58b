package main

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/pikaraft/pikaraft/compat/info"
	"github.com/pikaraft/pikaraft/node"
	"github.com/pikaraft/pikaraft/node/metrics"
	"github.com/pikaraft/pikaraft/resp"
)

// closer is the part of the client server that main needs.
type closer interface{ Close() error }

// startServer listens on the client port and serves RESP clients on n in
// the background. shutdown is what a client's SHUTDOWN triggers.
func startServer(s *settings, n *node.Node, log *slog.Logger, shutdown func()) (closer, *info.Info, error) {
	conf := s.conf
	addr := net.JoinHostPort(s.bind, strconv.Itoa(s.port))
	srv, err := resp.NewServer(resp.ServerConfig{
		Addr:            addr,
		MaxClients:      int(conf.Int("maxclients", 10000)),
		Timeout:         time.Duration(conf.Int("timeout", 0)) * time.Second,
		ProtoMaxBulkLen: conf.Int("proto-max-bulk-len", 0),
		RequirePass:     conf.String("requirepass"),
		UserPass:        conf.String("userpass"),
		UserBlacklist:   conf.String("userblacklist"),
		ConfigFile:      conf.Path(),
		ClusterName:     conf.String("cluster-name"),
		Shutdown:        shutdown,
		Logger:          log,
		PipelineWrites:  256,
		EventLoop:       conf.Bool("event-loop"),
	}, n, conf)
	if err != nil {
		return nil, nil, fmt.Errorf("resp server: %w", err)
	}
	publishLeaderChanges(n, srv, conf.String("cluster-name"))
	n.SetPubSub(srv) // PUBLISH and PUBSUB from other nodes
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		_ = srv.Close()
		return nil, nil, fmt.Errorf("listen for clients on %s: %w", addr, err)
	}
	go func() {
		if err := srv.Serve(ln); err != nil {
			log.Error("client server stopped", "error", err)
			shutdown()
		}
	}()
	stopMetrics := metrics.Start(net.JoinHostPort(s.bind, strconv.Itoa(s.port+metrics.PortOffset)), srv.Info(), log)
	return closeBoth{srv, stopMetrics}, srv.Info(), nil
}

// closeBoth closes the client server, then the metrics endpoint.
type closeBoth struct {
	srv         closer
	stopMetrics func() error
}

func (c closeBoth) Close() error {
	err := c.srv.Close()
	if merr := c.stopMetrics(); err == nil {
		err = merr
	}
	return err
}
