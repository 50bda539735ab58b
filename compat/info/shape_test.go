package info

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/engine/pikafixture"
)

var (
	intRE     = regexp.MustCompile(`^-?\d+$`)
	decRE     = regexp.MustCompile(`^-?\d+\.(\d+)$`)
	gRE       = regexp.MustCompile(`^-?\d+(\.\d+)?(e[-+]\d+)?$`)
	dateRE    = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`)
	digitsRE  = regexp.MustCompile(`\d+`)
	execRE    = regexp.MustCompile(`^[A-Z]+:\d+$`)
	cmdstatRE = regexp.MustCompile(`^[A-Za-z]+:calls=\d+, usec=\d+\.\d\d, usec_per_call=\d+\.\d\d$`)
	slaveRE   = regexp.MustCompile(`^slave\d+:ip=[\d.]+,port=\d+,conn_fd=\d+,lag=(\(db\d+:\d+\))+$`)
)

// valueClass names the format of an INFO value: its kind, not its content.
func valueClass(key, v string) string {
	lead := ""
	if strings.HasPrefix(v, " ") {
		lead, v = " ", v[1:]
	}
	switch {
	case strings.HasSuffix(key, "_kbps") && gRE.MatchString(v):
		return lead + "%g"
	case intRE.MatchString(v):
		return lead + "int"
	case decRE.MatchString(v):
		return lead + "dec" + strings.Repeat("d", len(decRE.FindStringSubmatch(v)[1]))
	case dateRE.MatchString(v):
		return lead + "date"
	case regexp.MustCompile(`^\d+M$`).MatchString(v):
		return lead + "<n>M"
	case regexp.MustCompile(`^\d+(\.\d+)?%$`).MatchString(v):
		return lead + "<n>%"
	case regexp.MustCompile(`^\d+s$`).MatchString(v):
		return lead + "<n>s"
	case v == "":
		return lead + "empty"
	}
	return lead + "text"
}

// shape reduces INFO text to one template per line: section headers and
// keys kept, values replaced by their format class. Command_Exec_Count and
// Commandstats lines (one per command called) must match their line
// format and are dropped from the template; so are slaveN lines.
func shape(t *testing.T, text string) []string {
	t.Helper()
	var out []string
	sec := ""
	for _, l := range strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n") {
		if headerRE.MatchString(l) {
			sec = l
			out = append(out, l)
			continue
		}
		switch {
		case sec == "# Command_Exec_Count" && l != "":
			require.Regexp(t, execRE, l)
			continue
		case sec == "# Commandstats" && l != "":
			require.Regexp(t, cmdstatRE, l)
			continue
		case strings.HasPrefix(l, "slave") && strings.Contains(l, ":ip="):
			require.Regexp(t, slaveRE, l)
			continue
		}
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			out = append(out, digitsRE.ReplaceAllString(l, "N"))
			continue
		}
		out = append(out, k+":"+valueClass(k, v))
	}
	return out
}

// TestInfoAllShape compares INFO all, line by line, with the real Pika
// 3.5.5 master's INFO all: same sections, same keys in the same order,
// same value formats (pikaraft's "# Raft" section comes after them).
func TestInfoAllShape(t *testing.T) {
	f := newFixture(t)
	f.scanKeyspace(t)
	raw, err := os.ReadFile(pikafixture.Path(t, "text", "info-all-master.txt"))
	require.NoError(t, err)
	want := strings.ReplaceAll(string(raw), "\n", "\r\n")

	got := f.render(t, "all")
	pika, raft, ok := strings.Cut(got, "\r\n# Raft\r\n")
	require.True(t, ok, "INFO all ends with the Raft section")
	require.NotEmpty(t, raft)
	require.Equal(t, shape(t, want), shape(t, pika))
	// INFO all without a trailing blank line, as Pika.
	require.True(t, strings.HasSuffix(pika, "_io_stalls.total_stop: 0\r\n"))
}

// TestInfoReplicationShape compares INFO replication with the fixtures of
// a master (our leader) and a replica (our follower).
func TestInfoReplicationShape(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		file string
		st   RaftStatus
	}{
		{"info-replication-master.txt", leaderStatus()},
		{"info-replication-replica.txt", RaftStatus{State: "follower", Term: 3, LeaderID: "n1", LeaderAddr: "127.0.0.1:12520",
			LeaderHost: "127.0.0.1", LeaderPort: 9520, LastContact: 1}},
	} {
		raw, err := os.ReadFile(pikafixture.Path(t, "text", c.file))
		require.NoError(t, err)
		f.raft.st = c.st
		got := f.render(t, "replication")
		want := strings.ReplaceAll(string(raw), "\n", "\r\n")
		require.Equal(t, shape(t, want), shape(t, got), c.file)
		// Same text except the values Pika and pikaraft cannot share.
		if c.file == "info-replication-replica.txt" {
			require.Equal(t, want, got)
		}
	}
}
