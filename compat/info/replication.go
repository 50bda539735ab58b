package info

import (
	"fmt"
	"strings"
	"time"
)

// Binlog offset line styles (config info-binlog-offset-format).
const (
	// OffsetFormatPika prints "db0:binlog_offset=F O,..." as Pika does.
	OffsetFormatPika = "pika"
	// OffsetFormatExporter prints "db0 binlog_offset=F O,...", the form
	// pika_exporter's parser expects.
	OffsetFormatExporter = "exporter"
)

// raftStatus returns the Raft state, ok=false without a Raft source.
func (in *Info) raftStatus() (RaftStatus, bool) {
	if in.src.Raft == nil {
		return RaftStatus{}, false
	}
	return in.src.Raft.RaftStatus(), true
}

// BinlogOffsets returns one offset per database; without a binlog every
// database is at Pika's zero position.
func (in *Info) BinlogOffsets() []BinlogOffset {
	n := in.numDBs()
	out := make([]BinlogOffset, n)
	var got []BinlogOffset
	if in.src.Binlog != nil {
		got = in.src.Binlog.BinlogOffsets()
	}
	for i := range out {
		out[i] = BinlogOffset{SafetyPurge: "none"}
		if i < len(got) {
			out[i] = got[i]
			if out[i].SafetyPurge == "" {
				out[i].SafetyPurge = "none"
			}
		}
	}
	return out
}

// replication is Pika's "# Replication" section with Raft roles in Pika's
// terms: the leader is a master whose slaves are the other members; a
// follower (or candidate) is a slave of the leader, its link up while it
// hears from a leader.
func (in *Info) replication(_ *request, b *strings.Builder) {
	st, ok := in.raftStatus()
	replID := in.conf("replication-id")
	if !ok || st.State == "leader" {
		var slaves []RaftPeer
		for _, p := range st.Peers {
			if !p.Self && p.Connected {
				slaves = append(slaves, p)
			}
		}
		line(b, "# Replication(MASTER)")
		line(b, "role:master")
		line(b, "ReplicationID:%s", replID)
		classic := in.classicReplicas()
		line(b, "connected_slaves:%d", len(slaves)+len(classic))
		for i, p := range slaves {
			var lag strings.Builder
			for db := 0; db < in.numDBs(); db++ {
				fmt.Fprintf(&lag, "(db%d:%d)", db, p.Lag)
			}
			line(b, "slave%d:ip=%s,port=%d,conn_fd=0,lag=%s", i, p.Host, p.Port, lag.String())
		}
		in.classicLines(b, classic, len(slaves))
	} else {
		up := st.LeaderID != "" && st.State == "follower" && st.LastContact >= 0 && st.LastContact < 10*time.Second
		status, word := "down", "no_connect"
		if up {
			status, word = "up", "connected"
		}
		line(b, "# Replication(SLAVE)")
		line(b, "role:slave")
		line(b, "ReplicationID:%s", replID)
		line(b, "master_host:%s", st.LeaderHost)
		line(b, "master_port:%d", st.LeaderPort)
		line(b, "master_link_status:%s", status)
		line(b, "repl_connect_status:")
		for db := 0; db < in.numDBs(); db++ {
			line(b, "db%d:%s", db, word)
		}
		if classic := in.classicReplicas(); len(classic) > 0 {
			// A follower serving classic replicas is also their master.
			line(b, "connected_slaves:%d", len(classic))
			in.classicLines(b, classic, 0)
		}
		line(b, "slave_priority:%d", in.confInt("slave-priority", 100))
		line(b, "slave_read_only:1")
		if !up {
			var s strings.Builder
			for db := 0; db < in.numDBs(); db++ {
				fmt.Fprintf(&s, "(db%d:NoConnect)", db)
			}
			line(b, "db_repl_state:%s", s.String())
		}
	}
	line(b, "is_eligible_for_master_election:true")
	sep := ":"
	if strings.EqualFold(in.conf("info-binlog-offset-format"), OffsetFormatExporter) {
		sep = " "
	}
	fileSize := uint64(in.confInt("binlog-file-size", 104857600))
	var total uint64
	for db, o := range in.BinlogOffsets() {
		line(b, "db%d%sbinlog_offset=%d %d,safety_purge=%s", db, sep, o.Filenum, o.Offset, o.SafetyPurge)
		total += uint64(o.Filenum)*fileSize + o.Offset
	}
	line(b, "slave_repl_offset:%d", total)
}

// raft is pikaraft's own "# Raft" section.
func (in *Info) raft(_ *request, b *strings.Builder) {
	line(b, "# Raft")
	st, ok := in.raftStatus()
	if !ok {
		line(b, "raft_state:none")
		return
	}
	line(b, "raft_state:%s", st.State)
	line(b, "raft_term:%d", st.Term)
	line(b, "raft_leader_id:%s", st.LeaderID)
	line(b, "raft_leader_addr:%s", st.LeaderAddr)
	line(b, "raft_commit_index:%d", st.CommitIndex)
	line(b, "raft_applied_index:%d", st.AppliedIndex)
	line(b, "raft_last_log_index:%d", st.LastLogIndex)
	contact := st.LastContact.Milliseconds()
	if st.LastContact < 0 {
		contact = -1
	}
	line(b, "raft_last_contact_ms:%d", contact)
	line(b, "raft_num_peers:%d", len(st.Peers))
	for i, p := range st.Peers {
		suffrage := "voter"
		if !p.Voter {
			suffrage = "nonvoter"
		}
		self := 0
		if p.Self {
			self = 1
		}
		connected := 0
		if p.Connected {
			connected = 1
		}
		line(b, "raft_peer%d:id=%s,addr=%s,client=%s:%d,suffrage=%s,self=%d,connected=%d,lag=%d",
			i, p.ID, p.Addr, p.Host, p.Port, suffrage, self, connected, p.Lag)
	}
}

// classicLines prints classic replicas as Pika prints its slaves,
// numbered from first.
func (in *Info) classicLines(b *strings.Builder, cs []ClassicReplica, first int) {
	for i, c := range cs {
		var lag strings.Builder
		for _, l := range c.Lags {
			fmt.Fprintf(&lag, "(db%d:%d)", l.DB, l.Lag)
		}
		line(b, "slave%d:ip=%s,port=%d,conn_fd=%d,lag=%s", first+i, c.IP, c.Port, c.ConnFD, lag.String())
	}
}
