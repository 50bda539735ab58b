package main

import (
	"log/slog"

	"github.com/pikaraft/pikaraft/node"
)

// closer is the part of the client server that main needs.
type closer interface{ Close() error }

type noServer struct{}

func (noServer) Close() error { return nil }

// startServer starts the RESP server for n. Until package resp provides its
// server, the node runs without a client port.
func startServer(s *settings, n *node.Node, log *slog.Logger, shutdown func()) (closer, error) {
	log.Warn("RESP server not wired yet: no client port", "port", s.port)
	return noServer{}, nil
}
