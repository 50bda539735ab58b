package resp

import (
	"strconv"
	"strings"

	"github.com/pikaraft/pikaraft/resp/command"
)

// PURGELOGSTO write2file<N> [db<i>] removes the node's own binlog files up
// to write2file<N> (Pika's manual purge). Every node purges its own
// binlog: it is not a replicated write.

// BinlogPurger is implemented by a Cluster that writes a Pika binlog.
type BinlogPurger interface {
	PurgeLogsTo(db int, filenum uint32) ([]uint32, error)
}

func init() {
	command.Commands.Register(&command.Spec{
		Name: "purgelogsto", Arity: -2,
		Flags:      command.FlagConnState | command.FlagAdmin | command.FlagReadOnly,
		Categories: []string{"admin", "slow", "dangerous"}, Group: "server", Since: "pika",
		Summary: "Purges the node's binlog files up to write2file<N> (keeping the 10 newest and those a replica needs).",
		Run:     cmdPurgeLogsTo,
	})
}

func cmdPurgeLogsTo(c *command.Ctx, argv [][]byte) command.Reply {
	if len(argv) > 3 {
		return command.Err("ERR wrong number of arguments for 'purgelogsto' command")
	}
	num, ok := strings.CutPrefix(string(argv[1]), "write2file")
	n, err := strconv.ParseUint(num, 10, 32)
	if !ok || num == "" || err != nil {
		return command.Err("ERR Invalid Argument")
	}
	db := 0
	if len(argv) == 3 {
		name := string(argv[2])
		i, err := strconv.Atoi(strings.TrimPrefix(name, "db"))
		if !strings.HasPrefix(name, "db") || err != nil || i < 0 || (c.Engine != nil && i >= c.Engine.NumDBs()) {
			return command.Err("ERR invalid DB for '" + name + "'")
		}
		db = i
	}
	p, ok := c.Conn.(*Conn).srv.cluster.(BinlogPurger)
	if !ok {
		return command.Err("ERR the binlog is off (write-binlog no)")
	}
	if _, err := p.PurgeLogsTo(db, uint32(n)); err != nil {
		return command.ErrReply(err)
	}
	return command.OK()
}
