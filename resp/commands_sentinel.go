package resp

import (
	"net"
	"strconv"
	"strings"

	"github.com/pikaraft/pikaraft/resp/command"
)

// Leader discovery for plain Redis clients: every node answers the subset
// of Redis Sentinel that Sentinel-aware clients (go-redis FailoverClient,
// redis-py Sentinel, Jedis JedisSentinelPool) use, with the cluster as the
// one monitored "master" named ServerConfig.ClusterName, the Raft leader as
// its address, the other servers as replicas, and every other node as a
// fellow sentinel. ROLE tells a node's own role. Replies have the shapes
// Redis Sentinel 7 gives (maps of string fields).

func init() {
	command.Commands.Register(
		&command.Spec{Name: "sentinel", Arity: -2,
			Flags:      command.FlagConnState | command.FlagAdmin | command.FlagNoScript | command.FlagLoading | command.FlagStale,
			Categories: []string{"admin", "slow", "dangerous"}, Group: "sentinel", Since: "2.8.4",
			Summary: "Answers Sentinel discovery queries about the cluster's leader.", Run: cmdSentinel},
		&command.Spec{Name: "role", Arity: 1,
			Flags:      command.FlagConnState | command.FlagNoScript | command.FlagLoading | command.FlagStale | command.FlagFast,
			Categories: []string{"admin", "fast", "dangerous"}, Group: "server", Since: "2.8.12",
			Summary: "Returns the replication role (master for the Raft leader, slave otherwise).", Run: cmdRole},
	)
}

func cmdSentinel(c *command.Ctx, argv [][]byte) command.Reply {
	conn := c.Conn.(*Conn)
	a := conn.srv.admin()
	if a == nil {
		return command.ErrReply(errNoAdmin)
	}
	name := conn.srv.cfg.ClusterName
	sub := strings.ToLower(string(argv[1]))
	n := len(argv)
	// Subcommands that name a master answer nothing for another name.
	known := n >= 3 && string(argv[2]) == name
	switch {
	case (sub == "get-master-addr-by-name") && n == 3:
		if !known {
			return command.NilArray()
		}
		l, ok := a.Leader(conn.ctx)
		host, port, err := net.SplitHostPort(l.ClientAddr)
		if !ok || err != nil {
			return command.NilArray()
		}
		return command.Array(command.BulkString(host), command.BulkString(port))
	case sub == "masters" && n == 2:
		return command.Array(masterReply(name, a.Status(conn.ctx)))
	case sub == "master" && n == 3:
		if !known {
			return errNoSuchMaster
		}
		return masterReply(name, a.Status(conn.ctx))
	case (sub == "replicas" || sub == "slaves") && n == 3:
		if !known {
			return errNoSuchMaster
		}
		st := a.Status(conn.ctx)
		var out []command.Reply
		for _, s := range st.Servers {
			if s.ID != st.Leader.ID && s.ClientAddr != "" {
				out = append(out, replicaReply(s, st.Leader))
			}
		}
		return command.Array(out...)
	case sub == "sentinels" && n == 3:
		if !known {
			return errNoSuchMaster
		}
		st := a.Status(conn.ctx)
		var out []command.Reply
		for _, s := range st.Servers {
			if s.ID != st.Self.ID && s.ClientAddr != "" {
				out = append(out, sentinelReply(s))
			}
		}
		return command.Array(out...)
	case sub == "ckquorum" && n == 3:
		if !known {
			return errNoSuchMaster
		}
		st := a.Status(conn.ctx)
		voters, up := 0, 0
		for _, s := range st.Servers {
			if s.Suffrage == "voter" {
				voters++
				if s.Reachable {
					up++
				}
			}
		}
		if up <= voters/2 {
			return command.Err("NOQUORUM " + strconv.Itoa(up) + " usable voters. Not enough available voters to reach the majority")
		}
		return command.Status("OK " + strconv.Itoa(up) + " usable Sentinels. Quorum and failover authorization can be reached")
	case sub == "failover" && n == 3:
		if !known {
			return errNoSuchMaster
		}
		return okOrErr(a.TransferLeadership(conn.ctx, ""))
	case sub == "myid" && n == 2:
		return command.BulkString(a.Self().ID)
	}
	return command.Err("ERR unknown subcommand or wrong number of arguments for '" + string(argv[1]) + "'. Try SENTINEL HELP.")
}

var errNoSuchMaster = command.Err("ERR No such master with that name")

// kv builds a map reply of string fields.
func kv(pairs ...string) command.Reply {
	out := make([]command.Reply, len(pairs))
	for i, p := range pairs {
		out[i] = command.BulkString(p)
	}
	return command.Map(out...)
}

func hostPort(addr string) (string, string) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", "0"
	}
	return h, p
}

func u(v uint64) string { return strconv.FormatUint(v, 10) }

// masterReply is SENTINEL MASTER: the leader, with the Raft term as the
// config epoch and a Raft majority as the quorum.
func masterReply(name string, st ClusterStatus) command.Reply {
	host, port := hostPort(st.Leader.ClientAddr)
	flags := "master"
	if st.Leader.ID == "" {
		flags = "master,s_down,o_down"
	} else if !st.Leader.Reachable {
		flags = "master,s_down"
	}
	voters, replicas := 0, 0
	for _, s := range st.Servers {
		if s.Suffrage == "voter" {
			voters++
		}
		if s.ID != st.Leader.ID {
			replicas++
		}
	}
	return kv(
		"name", name, "ip", host, "port", port, "runid", st.Leader.ID, "flags", flags,
		"link-pending-commands", "0", "link-refcount", "1",
		"last-ping-sent", "0", "last-ok-ping-reply", "0", "last-ping-reply", "0",
		"down-after-milliseconds", "1000", "info-refresh", "0",
		"role-reported", "master", "role-reported-time", "0",
		"config-epoch", u(st.Self.Term), "num-slaves", strconv.Itoa(replicas),
		"num-other-sentinels", strconv.Itoa(max(len(st.Servers)-1, 0)),
		"quorum", strconv.Itoa(voters/2+1), "failover-timeout", "10000", "parallel-syncs", "1",
	)
}

// replicaReply is one server of SENTINEL REPLICAS; the replication offset
// is its applied Raft index.
func replicaReply(s, leader NodeStatus) command.Reply {
	host, port := hostPort(s.ClientAddr)
	mhost, mport := hostPort(leader.ClientAddr)
	flags, link := "slave", "ok"
	if !s.Reachable {
		flags, link = "slave,s_down,disconnected", "err"
	}
	return kv(
		"name", s.ClientAddr, "ip", host, "port", port, "runid", s.ID, "flags", flags,
		"link-pending-commands", "0", "link-refcount", "1",
		"last-ping-sent", "0", "last-ok-ping-reply", "0", "last-ping-reply", "0",
		"down-after-milliseconds", "1000", "info-refresh", "0",
		"role-reported", "slave", "role-reported-time", "0",
		"master-link-down-time", "0", "master-link-status", link,
		"master-host", mhost, "master-port", mport,
		"slave-priority", "100", "slave-repl-offset", u(s.AppliedIndex), "replica-announced", "1",
	)
}

// sentinelReply is one other node of SENTINEL SENTINELS.
func sentinelReply(s NodeStatus) command.Reply {
	host, port := hostPort(s.ClientAddr)
	flags := "sentinel"
	if !s.Reachable {
		flags = "sentinel,s_down,disconnected"
	}
	return kv(
		"name", s.ID, "ip", host, "port", port, "runid", s.ID, "flags", flags,
		"link-pending-commands", "0", "link-refcount", "1",
		"last-ping-sent", "0", "last-ok-ping-reply", "0", "last-ping-reply", "0",
		"down-after-milliseconds", "1000", "last-hello-message", "0",
		"voted-leader", "?", "voted-leader-epoch", "0",
	)
}

// cmdRole: the leader answers ["master", offset, [[ip, port, offset]...]],
// a follower ["slave", leader-ip, leader-port, state, offset]; offsets are
// applied Raft indexes.
func cmdRole(c *command.Ctx, _ [][]byte) command.Reply {
	conn := c.Conn.(*Conn)
	a := conn.srv.admin()
	if a == nil {
		return command.Array(command.BulkString("master"), command.Int(0), command.Array())
	}
	self := a.Self()
	if self.State == "leader" {
		st := a.Status(conn.ctx)
		var reps []command.Reply
		for _, s := range st.Servers {
			if s.ID == self.ID || !s.Reachable {
				continue
			}
			host, port := hostPort(s.ClientAddr)
			reps = append(reps, command.Array(command.BulkString(host), command.BulkString(port), command.BulkString(u(s.AppliedIndex))))
		}
		return command.Array(command.BulkString("master"), command.Int(int64(self.AppliedIndex)), command.Array(reps...))
	}
	l, ok := a.Leader(conn.ctx)
	host, port := hostPort(l.ClientAddr)
	p, _ := strconv.ParseInt(port, 10, 64)
	state := "connected"
	if !ok || self.State != "follower" {
		state = "connect"
	}
	return command.Array(command.BulkString("slave"), command.BulkString(host), command.Int(p),
		command.BulkString(state), command.Int(int64(self.AppliedIndex)))
}
