package resp

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"strconv"

	"github.com/pikaraft/pikaraft/compat/info"
	"github.com/pikaraft/pikaraft/resp/command"
)

// INFO is Pika 3.5.5's, rendered by compat/info from this server's
// counters, the engine, the Raft node and the binlog.

func init() {
	command.Commands.Register(&command.Spec{
		Name: "info", Arity: -1,
		Flags:      command.FlagConnState | command.FlagLoading | command.FlagStale,
		Categories: []string{"dangerous"}, Group: "server", Since: "1.0.0",
		Summary: "Returns information and statistics about the server.",
		Run:     cmdInfo,
	})
}

func cmdInfo(c *command.Ctx, argv [][]byte) command.Reply {
	srv := c.Conn.(*Conn).srv
	args := make([]string, len(argv)-1)
	for i, a := range argv[1:] {
		args[i] = string(a)
	}
	text, err := srv.info.Render(args)
	if err != nil {
		return command.ErrReply(err)
	}
	return command.BulkString(text)
}

// Info returns the server's INFO renderer (the metrics endpoint reads the
// same sources).
func (s *Server) Info() *info.Info { return s.info }

// infoStats snapshots the counters INFO prints.
func (s *Server) infoStats() info.ServerStats {
	st := &s.stats
	port := 0
	if a := s.Addr(); a != nil {
		if _, p, err := net.SplitHostPort(a.String()); err == nil {
			port, _ = strconv.Atoi(p)
		}
	}
	return info.ServerStats{
		TCPPort:             port,
		ConfigFile:          s.cfg.ConfigFile,
		RunID:               s.runID(),
		Started:             s.started,
		ConnectedClients:    s.numClients(),
		ConnectionsReceived: st.connectionsReceived.Load(),
		CommandsProcessed:   st.commandsProcessed.Load(),
		OpsPerSec:           st.ops.perSec(),
		NetInputBytes:       st.netInputBytes.Load(),
		NetOutputBytes:      st.netOutputBytes.Load(),
		InputKbps:           st.inBytes.rate() / 1024,
		OutputKbps:          st.outBytes.rate() / 1024,
	}
}

// runID returns the server's random 40-hex-digit run id.
func (s *Server) runID() string {
	s.runIDOnce.Do(func() {
		var b [20]byte
		if _, err := rand.Read(b[:]); err == nil {
			s.runIDVal = hex.EncodeToString(b[:])
		}
	})
	return s.runIDVal
}
