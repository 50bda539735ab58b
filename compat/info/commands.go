package info

import (
	"strings"
)

// commandExecCount is Pika's "# Command_Exec_Count": UPPERCASE:calls for
// every command called at least once.
func (in *Info) commandExecCount(_ *request, b *strings.Builder) {
	line(b, "# Command_Exec_Count")
	for _, c := range in.src.Commands.Snapshot() {
		line(b, "%s:%d", strings.ToUpper(c.Name), c.Calls)
	}
}

// commandStats is Pika's "# Commandstats". Pika divides its microsecond
// totals by 1000 before printing them as usec (so the numbers are
// milliseconds); pikaraft prints the same quantities so dashboards built on
// Pika keep their scale.
func (in *Info) commandStats(_ *request, b *strings.Builder) {
	line(b, "# Commandstats")
	for _, c := range in.src.Commands.Snapshot() {
		total := float64(c.Total.Microseconds()) / 1000
		perCall := 0.0
		if c.Calls > 0 {
			perCall = total / float64(c.Calls)
		}
		line(b, "%s:calls=%d, usec=%.2f, usec_per_call=%.2f", c.Name, c.Calls, total, perCall)
	}
}

// debug is Pika's INFO debug: its replication manager and server status
// in Pika's layout, filled from the Raft state (approximate: Pika's exact
// text is not in the spec).
func (in *Info) debug(_ *request, b *strings.Builder) {
	line(b, "# Synchronization Status")
	n := in.numDBs()
	st, ok := in.raftStatus()
	role := "Master"
	if ok && st.State != "leader" {
		role = "Slave"
	}
	line(b, "%s DB(%d):", role, n)
	for db := 0; db < n; db++ {
		line(b, " DB (db%d)", db)
		if ok {
			line(b, "  Raft: state=%s term=%d commit=%d applied=%d leader=%s", st.State, st.Term, st.CommitIndex, st.AppliedIndex, st.LeaderAddr)
		}
	}
	line(b, "# Running Status ")
	line(b, "Client Processor thread-pool queue size: 0")
}
