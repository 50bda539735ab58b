package resp

import (
	"net"
	"strconv"
	"time"

	"github.com/pikaraft/pikaraft/resp/command"
)

// Server commands: TIME, LASTSAVE, SHUTDOWN. (INFO, CONFIG and COMMAND
// have files of their own.)

func init() {
	command.Commands.Register(
		&command.Spec{Name: "time", Arity: 1, Flags: command.FlagConnState | command.FlagLoading | command.FlagStale | command.FlagFast,
			Categories: []string{}, Group: "server", Since: "2.6.0",
			Summary: "Returns the server time.", Run: cmdTime},
		&command.Spec{Name: "lastsave", Arity: 1, Flags: command.FlagConnState | command.FlagLoading | command.FlagStale | command.FlagFast,
			Categories: []string{"admin", "dangerous"}, Group: "server", Since: "1.0.0",
			Summary: "Returns the Unix timestamp of the last successful save to disk.", Run: cmdLastsave},
		&command.Spec{Name: "shutdown", Arity: -1,
			Flags:      command.FlagConnState | command.FlagAdmin | command.FlagNoScript | command.FlagLoading | command.FlagStale | command.FlagNoMulti,
			Categories: []string{"admin", "dangerous"}, Group: "server", Since: "1.0.0",
			Summary: "Stops the server.", Run: cmdShutdown},
	)
}

func cmdTime(*command.Ctx, [][]byte) command.Reply {
	now := time.Now()
	return command.Array(
		command.BulkString(strconv.FormatInt(now.Unix(), 10)),
		command.BulkString(strconv.FormatInt(int64(now.Nanosecond()/1000), 10)),
	)
}

// cmdLastsave returns the time of the last successful BGSAVE on this node,
// else ServerConfig.LastSave, else the server's start time.
func cmdLastsave(c *command.Ctx, _ [][]byte) command.Reply {
	srv := c.Conn.(*Conn).srv
	srv.bgsave.mu.Lock()
	last := srv.bgsave.lastSave
	srv.bgsave.mu.Unlock()
	if last > 0 {
		return command.Int(last)
	}
	if srv.cfg.LastSave != nil {
		return command.Int(srv.cfg.LastSave())
	}
	return command.Int(srv.started.Unix())
}

// cmdShutdown asks the node to stop: SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE].
// As in Pika, only a client on the server's own host may run it. On
// success the caller's connection is closed without a reply, as in Redis.
func cmdShutdown(c *command.Ctx, argv [][]byte) command.Reply {
	conn := c.Conn.(*Conn)
	for _, a := range argv[1:] {
		switch {
		case command.EqualFold(a, "NOSAVE"), command.EqualFold(a, "SAVE"),
			command.EqualFold(a, "NOW"), command.EqualFold(a, "FORCE"):
		case command.EqualFold(a, "ABORT"):
			return command.Err("ERR No shutdown in progress.")
		default:
			return command.ErrReply(command.ErrSyntax)
		}
	}
	if !sameHost(conn.addr, conn.laddr) {
		return command.Err("ERR shutdown should be localhost")
	}
	fn := conn.srv.cfg.Shutdown
	if fn == nil {
		return command.Err("ERR Errors trying to SHUTDOWN. Check logs.")
	}
	conn.srv.cfg.Logger.Warn("SHUTDOWN requested by client", "client", conn.addr)
	conn.kill()
	go fn()
	return command.OK() // never delivered: the connection is already closed
}

// sameHost reports whether the client at remote connects from a loopback
// address or from the server's own address.
func sameHost(remote, local string) bool {
	rh, _, err := net.SplitHostPort(remote)
	if err != nil {
		return false
	}
	if ip := net.ParseIP(rh); ip != nil && ip.IsLoopback() {
		return true
	}
	lh, _, err := net.SplitHostPort(local)
	return err == nil && lh == rh
}
