package metrics

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/compat/info"
	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/engine/pikafixture"
)

// fakeRaft is a Raft state the test changes.
type fakeRaft struct {
	mu sync.Mutex
	st info.RaftStatus
}

func (f *fakeRaft) RaftStatus() info.RaftStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st
}

func (f *fakeRaft) set(st info.RaftStatus) {
	f.mu.Lock()
	f.st = st
	f.mu.Unlock()
}

// node is an Info over a copy of the real Pika 3.5.5 data, served on an
// ephemeral port.
type node struct {
	eng  *engine.Engine
	raft *fakeRaft
	in   *info.Info
	url  string
}

func startNode(t *testing.T) *node {
	t.Helper()
	eng, err := engine.Open(pikafixture.CopyDB(t), engine.Options{Databases: 2})
	require.NoError(t, err)
	t.Cleanup(func() { eng.Close() })
	n := &node{eng: eng, raft: &fakeRaft{st: info.RaftStatus{
		State: "leader", Term: 5, LeaderID: "n1", CommitIndex: 120, AppliedIndex: 119, LastLogIndex: 121,
		Peers: []info.RaftPeer{{ID: "n1", Self: true, Voter: true, Connected: true}, {ID: "n2", Voter: true, Connected: true, Lag: 4}},
	}}}
	stats := info.NewCommandStats()
	stats.Record("get", 200*time.Microsecond)
	stats.Record("get", 3*time.Millisecond)
	stats.Record("set", 20*time.Millisecond)
	n.in = info.New(info.Sources{
		Engine: func() *engine.Engine { return eng },
		Server: func() info.ServerStats {
			return info.ServerStats{ConnectedClients: 3, CommandsProcessed: 10, Started: time.Now()}
		},
		Commands: stats,
		Raft:     n.raft,
	})
	// Count keys once, as INFO keyspace 1 does.
	_, err = n.in.Render([]string{"keyspace", "1"})
	require.NoError(t, err)
	require.Eventually(t, func() bool { _, ok := n.in.KeyCounts(1); return ok }, 30*time.Second, 10*time.Millisecond)

	srv, err := Listen("127.0.0.1:0", n.in, nil)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.Close()) })
	n.url = "http://" + srv.Addr().String()
	return n
}

// scrape fetches /metrics and parses the Prometheus text format.
func (n *node) scrape(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(n.url + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(resp.Body)
	require.NoError(t, err)
	return fams
}

// value returns the value of the sample of family name with labels.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	f, ok := fams[name]
	require.True(t, ok, "no metric %s", name)
	for _, m := range f.Metric {
		got := map[string]string{}
		for _, l := range m.Label {
			got[l.GetName()] = l.GetValue()
		}
		match := true
		for i := 0; i+1 < len(labels); i += 2 {
			if got[labels[i]] != labels[i+1] {
				match = false
			}
		}
		if !match {
			continue
		}
		switch {
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	t.Fatalf("no sample of %s with %v", name, labels)
	return 0
}

func TestMetricsScrape(t *testing.T) {
	n := startNode(t)
	fams := n.scrape(t)

	require.Equal(t, 2.0, value(t, fams, "pikaraft_commands_total", "cmd", "get"))
	require.Equal(t, 1.0, value(t, fams, "pikaraft_commands_total", "cmd", "set"))
	h := fams["pikaraft_command_duration_seconds"]
	require.NotNil(t, h)
	for _, m := range h.Metric {
		if m.Label[0].GetValue() != "get" {
			continue
		}
		require.EqualValues(t, 2, m.Histogram.GetSampleCount())
		require.InDelta(t, 0.0032, m.Histogram.GetSampleSum(), 1e-9)
		for _, b := range m.Histogram.Bucket {
			switch b.GetUpperBound() {
			case 0.0001:
				require.EqualValues(t, 0, b.GetCumulativeCount())
			case 0.00025:
				require.EqualValues(t, 1, b.GetCumulativeCount())
			case 0.005:
				require.EqualValues(t, 2, b.GetCumulativeCount())
			}
		}
	}

	require.Equal(t, 1.0, value(t, fams, "pikaraft_raft_state", "state", "leader"))
	require.Equal(t, 0.0, value(t, fams, "pikaraft_raft_state", "state", "follower"))
	require.Equal(t, 1.0, value(t, fams, "pikaraft_raft_is_leader"))
	require.Equal(t, 5.0, value(t, fams, "pikaraft_raft_term"))
	require.Equal(t, 120.0, value(t, fams, "pikaraft_raft_commit_index"))
	require.Equal(t, 119.0, value(t, fams, "pikaraft_raft_applied_index"))
	require.Equal(t, 121.0, value(t, fams, "pikaraft_raft_last_log_index"))
	require.Equal(t, 4.0, value(t, fams, "pikaraft_raft_peer_lag_entries", "peer", "n2"))
	require.Equal(t, 3.0, value(t, fams, "pikaraft_connected_clients"))
	require.Equal(t, 1.0, value(t, fams, "pikaraft_up"))

	keys, _, err := n.eng.IntProperty(0, engine.KindStrings, "rocksdb.estimate-num-keys")
	require.NoError(t, err)
	require.Equal(t, float64(keys), value(t, fams, "pikaraft_rocksdb_estimate_num_keys", "db", "db0", "data_type", "strings"))
	require.Equal(t, 25165824.0, value(t, fams, "pikaraft_rocksdb_block_cache_capacity", "db", "db0", "data_type", "zsets"))
	require.Greater(t, value(t, fams, "pikaraft_db_size_bytes"), 900000.0)
	require.Equal(t, 49152.0, value(t, fams, "pikaraft_memtable_bytes"))

	counts, ok := n.in.KeyCounts(0)
	require.True(t, ok)
	require.Equal(t, float64(counts[engine.KindStrings].Keys), value(t, fams, "pikaraft_keys", "db", "db0", "data_type", "strings"))
	require.Greater(t, counts[engine.KindStrings].Keys, int64(40))
	require.Equal(t, 1.0, value(t, fams, "pikaraft_keys", "db", "db1", "data_type", "strings"))
	require.Equal(t, 0.0, value(t, fams, "pikaraft_binlog_offset_bytes", "db", "db1"))
	require.Contains(t, fams, "go_goroutines")
}

func TestHealth(t *testing.T) {
	n := startNode(t)
	get := func() (int, string) {
		resp, err := http.Get(n.url + "/health")
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}
	code, body := get()
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "OK", body)

	n.raft.set(info.RaftStatus{State: "follower", LeaderID: "n1"})
	code, _ = get()
	require.Equal(t, http.StatusOK, code, "a follower that knows its leader serves")

	n.raft.set(info.RaftStatus{State: "candidate", Term: 6})
	code, body = get()
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Equal(t, "raft candidate, no known leader", body)
	require.Equal(t, 0.0, value(t, n.scrape(t), "pikaraft_up"))

	n.raft.set(info.RaftStatus{State: "leader"})
	require.NoError(t, n.eng.Close())
	code, body = get()
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Contains(t, body, "engine")
	n.scrape(t) // a closed engine does not break /metrics
}
