package info

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/engine/hotcache"
	"github.com/pikaraft/pikaraft/engine/pikafixture"
)

// mapConfig is a ConfigStore with exact-name lookups.
type mapConfig map[string]string

func (m mapConfig) Get(pattern string) [][2]string {
	if v, ok := m[pattern]; ok {
		return [][2]string{{pattern, v}}
	}
	return nil
}

// fakeRaft is a fixed Raft state.
type fakeRaft struct{ st RaftStatus }

func (f *fakeRaft) RaftStatus() RaftStatus { return f.st }

// fakeBinlog is fixed binlog offsets.
type fakeBinlog []BinlogOffset

func (f fakeBinlog) BinlogOffsets() []BinlogOffset { return f }

// leaderStatus is a leader with one follower, like the fixture's master
// with one replica.
func leaderStatus() RaftStatus {
	return RaftStatus{
		State: "leader", Term: 3, LeaderID: "n1", LeaderAddr: "127.0.0.1:12500", LeaderHost: "127.0.0.1", LeaderPort: 9500,
		CommitIndex: 42, AppliedIndex: 41, LastLogIndex: 42,
		Peers: []RaftPeer{
			{ID: "n1", Addr: "127.0.0.1:12500", Host: "127.0.0.1", Port: 9500, Voter: true, Self: true, Connected: true},
			{ID: "n2", Addr: "127.0.0.1:12510", Host: "127.0.0.1", Port: 9510, Voter: true, Connected: true, Lag: 7},
		},
	}
}

// fixture is an Info over a copy of the real Pika 3.5.5 db-path (two dbs).
type fixture struct {
	info  *Info
	eng   *engine.Engine
	conf  mapConfig
	raft  *fakeRaft
	start time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := pikafixture.CopyDB(t)
	hc := hotcache.New(hotcache.Config{Enabled: true, MaxBytes: 1 << 20, Types: 1<<hotcache.KindString | 1<<hotcache.KindList})
	eng, err := engine.Open(dir, engine.Options{Databases: 2, HotCache: hc})
	require.NoError(t, err)
	t.Cleanup(func() { eng.Close() })
	logDir := t.TempDir()
	require.NoError(t, os.WriteFile(logDir+"/write2file0", make([]byte, 1234), 0o644))
	f := &fixture{
		eng: eng,
		conf: mapConfig{
			"db-path": dir, "log-path": logDir, "compression": "snappy", "thread-num": "1",
			"sync-thread-num": "6", "sync-binlog-thread-num": "1", "replication-id": "e52621ec43ce732350be2eda3e87039980c1ff6449049d3eb1",
			"binlog-file-size": "104857600", "slave-priority": "100", "cache-model": "1", "cache-num": "16",
			"compact-cron": "", "compact-interval": "",
		},
		raft:  &fakeRaft{st: leaderStatus()},
		start: time.Now().Add(-37 * time.Second),
	}
	stats := NewCommandStats()
	stats.Record("get", 30*time.Microsecond)
	stats.Record("get", 50*time.Microsecond)
	stats.Record("set", 1500*time.Microsecond)
	f.info = New(Sources{
		Engine: func() *engine.Engine { return eng },
		Config: f.conf,
		Server: func() ServerStats {
			return ServerStats{TCPPort: 9500, ConfigFile: "/srv/pika-master/pika.conf", RunID: strings.Repeat("ab", 20),
				Started: f.start, ConnectedClients: 1, ConnectionsReceived: 23, CommandsProcessed: 694, OpsPerSec: 13,
				NetInputBytes: 47486, NetOutputBytes: 774024, InputKbps: 2.888671875, OutputKbps: 47.23236}
		},
		Commands: stats,
		Raft:     f.raft,
		Binlog:   fakeBinlog{{Filenum: 0, Offset: 50797, SafetyPurge: "none"}, {Filenum: 0, Offset: 80, SafetyPurge: "none"}},
	})
	return f
}

// render runs INFO args and fails the test on an error.
func (f *fixture) render(t *testing.T, args ...string) string {
	t.Helper()
	out, err := f.info.Render(args)
	require.NoError(t, err)
	return out
}

// scanKeyspace runs INFO keyspace 1 and waits for the scan to finish.
func (f *fixture) scanKeyspace(t *testing.T) {
	t.Helper()
	f.render(t, "keyspace", "1")
	require.Eventually(t, func() bool { return !f.info.scan.running() }, 30*time.Second, 10*time.Millisecond)
}

// fields parses INFO text the way pika_exporter does: lines split at the
// first ':' into trimmed key and value; later keys win.
func fields(text string) map[string]string {
	out := map[string]string{}
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSuffix(l, "\r")
		k, v, _ := strings.Cut(l, ":")
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return out
}

// headerRE matches the header line of a section.
var headerRE = regexp.MustCompile(`^# (Server|Data|Clients|Stats|Command_Exec_Count|Commandstats|Cache|CPU|Replication\(.*\)|Keyspace|RocksDB|Raft|Synchronization Status)$`)

// sectionText returns the lines of the section whose header is "# name",
// up to the next section header.
func sectionText(text, name string) string {
	var b strings.Builder
	in := false
	for _, l := range strings.SplitAfter(text, "\r\n") {
		h := strings.TrimSuffix(l, "\r\n")
		if headerRE.MatchString(h) {
			if in {
				break
			}
			in = h == "# "+name
			continue
		}
		if in {
			b.WriteString(l)
		}
	}
	return b.String()
}
