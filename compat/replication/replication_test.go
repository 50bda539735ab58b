package replication_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/compat/replication/replica"
)

// TestFullSyncThenIncremental: a replica with nothing full-syncs 200k keys
// of all types (data written before the binlog started), then follows the
// writes that come after; its binlog ends at the master's offsets.
func TestFullSyncThenIncremental(t *testing.T) {
	m := startMaster(t, masterOpts{})
	m.fill("pre", 200000, false)
	m.fill("logged", 500, true)
	r := openReplica(t, replicaOpts{master: m.addr()})
	defer r.Close()
	r.Start()
	waitCaughtUp(t, r, m, 120*time.Second)
	requireSameData(t, r, m)
	st := r.Stats()
	require.Equal(t, 2, st.FullSyncs, "one full sync per db")
	require.Equal(t, testReplID, r.ReplicationID(), "adopted the master's replication id")

	m.fill("after", 1000, true)
	m.do(0, "del", "s:pre:0")
	m.do(1, "hset", "h:pre:1", "f1", "changed")
	waitCaughtUp(t, r, m, 30*time.Second)
	requireSameData(t, r, m)
	require.EqualValues(t, 1002, r.Stats().ItemsApplied)
	require.Equal(t, 2, r.Stats().FullSyncs)

	reps := m.srv.Replicas()
	require.Len(t, reps, 1)
	require.Equal(t, 9510, reps[0].Port)
	require.Len(t, reps[0].DBs, 2)
	for _, d := range reps[0].DBs {
		require.True(t, d.Streaming)
		require.Zero(t, d.Lag)
	}
}

// TestIncrementalWhenPossible: a replica that stops and comes back while
// the master still has its binlog position continues without a full sync.
func TestIncrementalWhenPossible(t *testing.T) {
	m := startMaster(t, masterOpts{})
	m.fill("a", 300, true)
	dir := t.TempDir()
	r := openReplica(t, replicaOpts{master: m.addr(), dir: dir})
	r.Start()
	waitCaughtUp(t, r, m, 30*time.Second)
	id := r.ReplicationID()
	require.NoError(t, r.Close())
	require.Eventually(t, func() bool { return len(m.srv.Replicas()) == 0 }, 5*time.Second, 10*time.Millisecond)

	m.fill("b", 300, true)
	r2 := openReplica(t, replicaOpts{master: m.addr(), dir: dir, replID: id})
	defer r2.Close()
	r2.Start()
	waitCaughtUp(t, r2, m, 30*time.Second)
	require.Zero(t, r2.Stats().FullSyncs, "TrySync continued from the replica's offset")
	require.EqualValues(t, 300, r2.Stats().ItemsApplied)
	requireSameData(t, r2, m)
}

// TestMasterauthMismatch: a wrong masterauth is refused with Pika's error
// and stops the replica; the right one is accepted.
func TestMasterauthMismatch(t *testing.T) {
	m := startMaster(t, masterOpts{conf: map[string]string{"requirepass": "secret"}})
	m.fill("a", 10, true)
	bad := openReplica(t, replicaOpts{master: m.addr(), auth: "wrong"})
	bad.Start()
	require.Eventually(t, func() bool { return bad.Err() != nil }, 10*time.Second, 10*time.Millisecond)
	require.ErrorIs(t, bad.Err(), replica.ErrRefused)
	require.Contains(t, bad.Err().Error(), "Auth with master error, Invalid masterauth")
	require.Equal(t, []replica.State{replica.Error, replica.Error}, bad.States())
	require.NoError(t, bad.Close())

	none := openReplica(t, replicaOpts{master: m.addr()})
	none.Start()
	require.Eventually(t, func() bool { return none.Err() != nil }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, none.Close())

	good := openReplica(t, replicaOpts{master: m.addr(), auth: "secret"})
	defer good.Close()
	good.Start()
	waitCaughtUp(t, good, m, 30*time.Second)
	requireSameData(t, good, m)
}

// TestInconsistentReplicationID: a replica that followed another master
// (another replication id) is refused, as Pika does even with force.
func TestInconsistentReplicationID(t *testing.T) {
	m := startMaster(t, masterOpts{})
	r := openReplica(t, replicaOpts{master: m.addr(), replID: "00000000000000000000000000000000000000000000000000"})
	defer r.Close()
	r.Start()
	require.Eventually(t, func() bool { return r.Err() != nil }, 10*time.Second, 10*time.Millisecond)
	require.Contains(t, r.Err().Error(), "inconsistent")
}
