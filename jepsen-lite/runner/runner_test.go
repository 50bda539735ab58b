package runner

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/jepsen-lite/checker"
	"github.com/pikaraft/pikaraft/node/nodetest"
)

// server returns the pikaraft binary under test: $JEPSEN_PIKARAFT when
// set (to check a given build), else cmd/pikaraft built from this tree.
func server(t *testing.T) string {
	if p := os.Getenv("JEPSEN_PIKARAFT"); p != "" {
		return p
	}
	return nodetest.Binary(t)
}

func result(t *testing.T, rep *Report, workload string) *checker.Result {
	for _, r := range rep.Results {
		if r.Workload == workload {
			return r
		}
	}
	t.Fatalf("no result for %s", workload)
	return nil
}

// TestShortRunWithKillAndPartitionIsValid is the CI run: register and set
// on three nodes while nodes are killed and the Raft links partitioned.
// Any anomaly fails it.
func TestShortRunWithKillAndPartitionIsValid(t *testing.T) {
	out := t.TempDir()
	rep, err := Run(context.Background(), Config{
		Workloads: []string{"register", "set"}, Nemeses: []string{"kill", "partition"},
		TimeLimit: 35 * time.Second, Interval: 3 * time.Second, Rate: 150, Seed: 7,
		Out: out, Bin: server(t), Progress: testWriter{t},
	})
	require.NoError(t, err)
	t.Log(rep.Summary())
	require.Equal(t, checker.Valid, rep.Status, rep.Summary())
	require.True(t, rep.Convergence.OK, rep.Summary())
	// The run did what it claims: both faults happened, clients saw them
	// (some operations failed or timed out) and most operations succeeded.
	require.GreaterOrEqual(t, rep.NemesisCounts["kill"], 1, rep.Summary())
	require.GreaterOrEqual(t, rep.NemesisCounts["partition"], 1, rep.Summary())
	require.Greater(t, rep.Ops["ok"], 1000, rep.Summary())
	require.Greater(t, rep.Ops["fail"]+rep.Ops["info"], 0, rep.Summary())
	set := result(t, rep, "set")
	require.Greater(t, set.Counts["final-read"]["ok"], 0, "the set's final reads ran on every node")
	for _, f := range []string{"history.edn", "history.json", "results.json", "report.md", "nodes/n1/server.log"} {
		require.FileExists(t, filepath.Join(out, f))
	}
}

// TestUnsafeStaleReadsAreCaught runs nodes that serve reads from their own
// state without ReadIndex (read-consistency stale) under partitions: a
// partitioned node serves old values, and the checker must say so.
func TestUnsafeStaleReadsAreCaught(t *testing.T) {
	rep, err := Run(context.Background(), Config{
		Workloads: []string{"register"}, Nemeses: []string{"partition"}, UnsafeStaleReads: true,
		TimeLimit: 20 * time.Second, Interval: 3 * time.Second, Rate: 150, Seed: 11,
		Out: t.TempDir(), Bin: server(t), Progress: testWriter{t},
	})
	require.NoError(t, err)
	t.Log(rep.Summary())
	require.Equal(t, checker.Invalid, rep.Status, rep.Summary())
	reg := result(t, rep, "register")
	require.NotEmpty(t, reg.Anomalies)
	require.Equal(t, "nonlinearizable", reg.Anomalies[0].Kind)
	require.NotEmpty(t, reg.Visualizations, "porcupine's view of the failing key is written")
}

// testWriter sends progress lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p[:max(0, len(p)-1)]))
	return len(p), nil
}
