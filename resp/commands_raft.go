package resp

import (
	"strconv"
	"strings"

	"github.com/pikaraft/pikaraft/resp/command"
)

// Cluster administration: RAFT STATUS|PEERS|ADD|REMOVE|TRANSFER|SNAPSHOT|
// CHECKSUM, and SLAVEOF/REPLICAOF NO ONE (leadership to this node). They
// run on the node that receives them; membership and leadership changes
// are relayed to the leader by the node.

func init() {
	adminFlags := command.FlagConnState | command.FlagAdmin | command.FlagNoScript | command.FlagLoading | command.FlagStale | command.FlagNoMulti
	command.Commands.Register(
		&command.Spec{Name: "raft", Arity: -2, Flags: adminFlags,
			Categories: []string{"admin", "slow", "dangerous"}, Group: "server", Since: "pikaraft",
			Summary: "Shows and changes the Raft cluster (STATUS, PEERS, ADD, REMOVE, TRANSFER, SNAPSHOT, CHECKSUM).", Run: cmdRaft},
		&command.Spec{Name: "slaveof", Arity: 3, Flags: adminFlags,
			Categories: []string{"admin", "slow", "dangerous"}, Group: "replication", Since: "1.0.0",
			Summary: "SLAVEOF NO ONE makes this node the Raft leader.", Run: cmdSlaveof},
		&command.Spec{Name: "replicaof", Arity: 3, Flags: adminFlags,
			Categories: []string{"admin", "slow", "dangerous"}, Group: "replication", Since: "5.0.0",
			Summary: "REPLICAOF NO ONE makes this node the Raft leader.", Run: cmdSlaveof},
	)
}

var raftHelp = []string{
	"RAFT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"STATUS",
	"    This node's Raft state and every server with its progress and lag.",
	"PEERS",
	"    The servers of the Raft configuration.",
	"ADD <id> <raft-address> [VOTER|NONVOTER]",
	"    Add a server (a voter by default).",
	"REMOVE <id>",
	"    Remove a server.",
	"TRANSFER [<id>]",
	"    Hand leadership to <id>, or to the most up-to-date voter.",
	"SNAPSHOT",
	"    Take a snapshot on this node and compact its log.",
	"CHECKSUM",
	"    Compact this node's data fully and return [applied-index, sha256] (debug; run without writes).",
	"HELP",
	"    Print this help.",
}

func cmdRaft(c *command.Ctx, argv [][]byte) command.Reply {
	conn := c.Conn.(*Conn)
	sub := strings.ToLower(string(argv[1]))
	if sub == "help" && len(argv) == 2 {
		out := make([]command.Reply, len(raftHelp))
		for i, l := range raftHelp {
			out[i] = command.Status(l)
		}
		return command.Array(out...)
	}
	a := conn.srv.admin()
	if a == nil {
		return command.ErrReply(errNoAdmin)
	}
	ctx := conn.ctx
	n := len(argv)
	switch {
	case sub == "status" && n == 2:
		return statusReply(a.Status(ctx))
	case sub == "peers" && n == 2:
		st := a.Status(ctx)
		out := make([]command.Reply, len(st.Servers))
		for i, s := range st.Servers {
			out[i] = command.Map(
				command.BulkString("id"), command.BulkString(s.ID),
				command.BulkString("raft_addr"), command.BulkString(s.RaftAddr),
				command.BulkString("client_addr"), command.BulkString(s.ClientAddr),
				command.BulkString("suffrage"), command.BulkString(s.Suffrage),
				command.BulkString("leader"), command.Bool(s.ID == st.Leader.ID),
			)
		}
		return command.Array(out...)
	case sub == "add" && (n == 4 || n == 5):
		voter := true
		if n == 5 {
			switch {
			case command.EqualFold(argv[4], "voter"):
			case command.EqualFold(argv[4], "nonvoter"):
				voter = false
			default:
				return command.ErrReply(command.ErrSyntax)
			}
		}
		return okOrErr(a.AddServer(ctx, string(argv[2]), string(argv[3]), voter))
	case sub == "remove" && n == 3:
		return okOrErr(a.RemoveServer(ctx, string(argv[2])))
	case sub == "transfer" && (n == 2 || n == 3):
		id := ""
		if n == 3 {
			id = string(argv[2])
		}
		return okOrErr(a.TransferLeadership(ctx, id))
	case sub == "snapshot" && n == 2:
		return okOrErr(a.Snapshot(ctx))
	case sub == "checksum" && n == 2:
		applied, sum, err := a.Checksum(ctx)
		if err != nil {
			return command.ErrReply(err)
		}
		return command.Array(command.Int(int64(applied)), command.BulkString(sum))
	}
	return command.Err("ERR unknown subcommand or wrong number of arguments for '" + string(argv[1]) + "'. Try RAFT HELP.")
}

func okOrErr(err error) command.Reply {
	if err != nil {
		return command.ErrReply(err)
	}
	return command.OK()
}

// statusReply is RAFT STATUS: a map of this node's fields, with "servers"
// an array of one map per server.
func statusReply(st ClusterStatus) command.Reply {
	servers := make([]command.Reply, len(st.Servers))
	for i, s := range st.Servers {
		servers[i] = command.Map(
			command.BulkString("id"), command.BulkString(s.ID),
			command.BulkString("raft_addr"), command.BulkString(s.RaftAddr),
			command.BulkString("client_addr"), command.BulkString(s.ClientAddr),
			command.BulkString("suffrage"), command.BulkString(s.Suffrage),
			command.BulkString("state"), command.BulkString(orUnknown(s.State)),
			command.BulkString("reachable"), command.Bool(s.Reachable),
			command.BulkString("term"), command.Int(int64(s.Term)),
			command.BulkString("last_index"), command.Int(int64(s.LastIndex)),
			command.BulkString("applied_index"), command.Int(int64(s.AppliedIndex)),
			command.BulkString("lag"), command.Int(int64(s.Lag)),
		)
	}
	self := st.Self
	return command.Map(
		command.BulkString("id"), command.BulkString(self.ID),
		command.BulkString("state"), command.BulkString(self.State),
		command.BulkString("term"), command.Int(int64(self.Term)),
		command.BulkString("leader_id"), command.BulkString(st.Leader.ID),
		command.BulkString("leader_client_addr"), command.BulkString(st.Leader.ClientAddr),
		command.BulkString("leader_raft_addr"), command.BulkString(st.Leader.RaftAddr),
		command.BulkString("commit_index"), command.Int(int64(self.CommitIndex)),
		command.BulkString("applied_index"), command.Int(int64(self.AppliedIndex)),
		command.BulkString("last_index"), command.Int(int64(self.LastIndex)),
		command.BulkString("servers"), command.Array(servers...),
	)
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// cmdSlaveof implements SLAVEOF/REPLICAOF NO ONE as "make this node the
// leader". Nodes replicate each other through Raft, so SLAVEOF host port
// is refused.
func cmdSlaveof(c *command.Ctx, argv [][]byte) command.Reply {
	conn := c.Conn.(*Conn)
	if !command.EqualFold(argv[1], "no") || !command.EqualFold(argv[2], "one") {
		if _, err := strconv.Atoi(string(argv[2])); err != nil {
			return command.ErrReply(command.ErrNotInteger)
		}
		return command.Err("ERR pikaraft nodes replicate through Raft: add a node with RAFT ADD, or use SLAVEOF NO ONE to make this node the leader")
	}
	a := conn.srv.admin()
	if a == nil {
		return command.ErrReply(errNoAdmin)
	}
	self := a.Self()
	if self.State == "leader" {
		return command.OK()
	}
	return okOrErr(a.TransferLeadership(conn.ctx, self.ID))
}
