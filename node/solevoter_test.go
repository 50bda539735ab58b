package node

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"
)

// joinNode opens a node with no Raft state and adds it to leader's
// configuration as a voter.
func joinNode(t *testing.T, leader *Node, id string) *Node {
	t.Helper()
	dir := t.TempDir()
	cfg := Config{
		ID: id, RaftDir: filepath.Join(dir, "raft"), DBPath: filepath.Join(dir, "db"),
		RaftBind: freeAddr(t), Logger: quiet,
		HeartbeatTimeout: 200 * time.Millisecond, ElectionTimeout: 200 * time.Millisecond,
	}
	n := openNode(t, cfg)
	require.NoError(t, leader.raft.AddVoter(raft.ServerID(id), raft.ServerAddress(cfg.RaftBind), 0, 10*time.Second).Error())
	return n
}

// readRounds does reads linearizable reads on n and returns how many
// VerifyLeader rounds n ran meanwhile.
func readRounds(t *testing.T, n *Node, reads int) uint64 {
	t.Helper()
	before := n.ReadIndexStats().LeaderRounds
	for range reads {
		_, err := n.ReadTime(context.Background(), false)
		require.NoError(t, err)
	}
	return n.ReadIndexStats().LeaderRounds - before
}

// A one-voter leader serves linearizable reads without VerifyLeader rounds;
// as soon as a second voter is in the configuration every read confirms
// the leadership again, and with that voter gone (stopped, not removed)
// the old leader serves no linearizable read at all.
func TestSoleVoterReadsFollowMembership(t *testing.T) {
	n1 := openNode(t, testConfig(t, t.TempDir()))
	_, idx := writeNow(t, n1)
	// The leader marks itself ready in its own goroutine (markReady),
	// possibly just after the write above was applied.
	var index uint64
	var ok bool
	require.Eventually(t, func() bool { index, ok = n1.soleVoterIndex(); return ok }, 5*time.Second, time.Millisecond,
		"a single-node cluster's ready leader")
	require.GreaterOrEqual(t, index, idx)
	require.Zero(t, readRounds(t, n1, 20), "no VerifyLeader round on a one-voter cluster")

	// Two voters: every read runs (or joins) a round.
	n2 := joinNode(t, n1, "n2")
	_, ok = n1.soleVoterIndex()
	require.False(t, ok, "two voters")
	require.Equal(t, uint64(20), readRounds(t, n1, 20), "sequential reads, one round each")

	// Back to one voter: no rounds again.
	require.NoError(t, n1.raft.RemoveServer("n2", 0, 10*time.Second).Error())
	require.NoError(t, n2.Close())
	require.Eventually(t, func() bool { _, ok := n1.soleVoterIndex(); return ok }, 5*time.Second, 10*time.Millisecond)
	require.Zero(t, readRounds(t, n1, 20))
	writeNow(t, n1)

	// A voter added and then lost: the leader cannot confirm its
	// leadership, so a linearizable read fails instead of being served
	// from what may be a deposed leader's state. A stale read still works.
	n3 := joinNode(t, n1, "n3")
	writeNow(t, n1)
	require.NoError(t, n3.Close())
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := n1.ReadTime(ctx, false)
	require.Error(t, err, "a linearizable read with the only other voter gone")
	_, err = n1.ReadTime(context.Background(), true)
	require.NoError(t, err)
}

func TestSoleVoter(t *testing.T) {
	voter := func(id string) raft.Server { return raft.Server{ID: raft.ServerID(id), Suffrage: raft.Voter} }
	nonvoter := func(id string) raft.Server { return raft.Server{ID: raft.ServerID(id), Suffrage: raft.Nonvoter} }
	cfg := func(s ...raft.Server) raft.Configuration { return raft.Configuration{Servers: s} }
	require.True(t, soleVoter(cfg(voter("a")), "a"))
	require.True(t, soleVoter(cfg(voter("a"), nonvoter("b")), "a"), "a non-voter does not vote")
	require.False(t, soleVoter(cfg(voter("a"), voter("b")), "a"))
	require.False(t, soleVoter(cfg(voter("b")), "a"), "some other node is the voter")
	require.False(t, soleVoter(cfg(nonvoter("a")), "a"))
	require.False(t, soleVoter(cfg(), "a"))
}
