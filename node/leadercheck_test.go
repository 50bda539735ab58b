package node

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/require"
)

// fakeVoter answers leadership checks the way answer says: answer gets
// the request's seq, term, leader ID and voter ID and returns the answer's
// seq, term and flag, or ok false to send nothing.
type fakeVoter struct {
	mu     sync.Mutex
	answer func(seq, term uint64, leader, voter string) (aseq, aterm uint64, follows byte, ok bool)
	asked  int
}

// serve plays the voter on c (the magic byte is not sent by the test dial).
func (v *fakeVoter) serve(c net.Conn) {
	defer c.Close()
	for {
		var hdr [checkRequestHeader]byte
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return
		}
		ids := make([]byte, int(hdr[16])+int(hdr[17]))
		if _, err := io.ReadFull(c, ids); err != nil {
			return
		}
		v.mu.Lock()
		v.asked++
		answer := v.answer
		v.mu.Unlock()
		seq, term, follows, ok := answer(binary.BigEndian.Uint64(hdr[:8]), binary.BigEndian.Uint64(hdr[8:16]),
			string(ids[:hdr[16]]), string(ids[hdr[16]:]))
		if !ok {
			continue
		}
		var ans [checkAnswerSize]byte
		binary.BigEndian.PutUint64(ans[:8], seq)
		binary.BigEndian.PutUint64(ans[8:16], term)
		ans[16] = follows
		if _, err := c.Write(ans[:]); err != nil {
			return
		}
	}
}

func (v *fakeVoter) set(answer func(seq, term uint64, leader, voter string) (uint64, uint64, byte, bool)) {
	v.mu.Lock()
	v.answer = answer
	v.mu.Unlock()
}

func (v *fakeVoter) count() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.asked
}

// honest answers like voter self at term that follows leader.
func honest(self string, term uint64, leader string) func(seq, t uint64, l, v string) (uint64, uint64, byte, bool) {
	return func(seq, _ uint64, l, v string) (uint64, uint64, byte, bool) {
		var follows byte
		if l == leader && v == self {
			follows = 1
		}
		return seq, term, follows, true
	}
}

// fakeVoters returns a checker for "L" whose dial reaches the voters by
// address; an address without a voter refuses the connection.
func fakeVoters(voters map[raft.ServerAddress]*fakeVoter) *leaderChecker {
	return newLeaderChecker("L", func(addr string, _ time.Duration) (net.Conn, error) {
		v := voters[raft.ServerAddress(addr)]
		if v == nil {
			return nil, errors.New("connection refused")
		}
		a, b := net.Pipe()
		go v.serve(b)
		return a, nil
	})
}

func TestLeaderCheckCountsOnlyAnswersAtItsTermNamingIt(t *testing.T) {
	a := &fakeVoter{answer: honest("a", 7, "L")}
	lc := fakeVoters(map[raft.ServerAddress]*fakeVoter{"a": a})
	peers := []raft.Server{{ID: "a", Address: "a"}}

	require.True(t, lc.confirm(7, peers, 1), "a voter at the leader's term that follows it")
	require.False(t, lc.confirm(6, peers, 1), "the voter moved on to a later term: a deposed leader")
	require.False(t, lc.confirm(8, peers, 1), "the voter is behind the leader's term")

	a.set(honest("a", 7, "M"))
	require.False(t, lc.confirm(7, peers, 1), "the voter follows another node")
	a.set(honest("a", 7, ""))
	require.False(t, lc.confirm(7, peers, 1), "the voter knows no leader yet")

	// An answer to an earlier request never counts for a later one.
	a.set(func(seq, _ uint64, _, _ string) (uint64, uint64, byte, bool) { return seq - 1, 7, 1, true })
	require.False(t, lc.confirm(7, peers, 1))

	// No answer: the check gives up after leaderCheckTimeout, and a late
	// answer cannot be taken for the next request's (the connection is
	// dropped).
	a.set(func(uint64, uint64, string, string) (uint64, uint64, byte, bool) { return 0, 0, 0, false })
	start := time.Now()
	require.False(t, lc.confirm(7, peers, 1))
	require.Less(t, time.Since(start), 10*leaderCheckTimeout)
	a.set(honest("a", 7, "L"))
	require.True(t, lc.confirm(7, peers, 1), "a new connection after the timeout")

	// Some other node at the voter's address (the configuration still
	// names a there) does not count, though it follows the leader.
	a.set(honest("z", 7, "L"))
	require.False(t, lc.confirm(7, peers, 1), "an answer from a node that is not the voter asked")
	a.set(honest("a", 7, "L"))

	lc.close()
	require.False(t, lc.confirm(7, peers, 1), "closed")
}

func TestLeaderCheckAsksJustEnoughVotersAndAvoidsFailedOnes(t *testing.T) {
	a, b := &fakeVoter{answer: honest("a", 3, "L")}, &fakeVoter{answer: honest("b", 3, "L")}
	voters := map[raft.ServerAddress]*fakeVoter{"a": a, "b": b}
	lc := fakeVoters(voters)
	peers := []raft.Server{{ID: "a", Address: "a"}, {ID: "b", Address: "b"}}

	require.True(t, lc.confirm(3, peers, 1))
	require.True(t, lc.confirm(3, peers, 1))
	require.Equal(t, 2, a.count(), "the first voter answers every round")
	require.Zero(t, b.count(), "one answer makes a quorum of three with the leader")

	require.True(t, lc.confirm(3, peers, 2), "a quorum of five needs two answers")
	require.Equal(t, 3, a.count())
	require.Equal(t, 1, b.count())

	// a stops following: its round fails, and from then on b is asked first.
	a.set(honest("a", 4, "M"))
	require.False(t, lc.confirm(3, peers, 1))
	require.True(t, lc.confirm(3, peers, 1))
	require.Equal(t, 4, a.count())
	require.Equal(t, 2, b.count())

	// b unreachable: a is asked at once in the same round.
	delete(voters, "b")
	lc.drop("b")
	a.set(honest("a", 3, "L"))
	require.True(t, lc.confirm(3, peers, 1))
	require.Equal(t, 5, a.count())
	require.False(t, lc.confirm(3, peers, 2), "one voter of two reachable")

	// A round that fails on its first voter still reads the second's
	// answer, so the next round does not find it.
	a, b = &fakeVoter{answer: honest("a", 4, "M")}, &fakeVoter{answer: honest("b", 3, "L")}
	lc = fakeVoters(map[raft.ServerAddress]*fakeVoter{"a": a, "b": b})
	require.False(t, lc.confirm(3, peers, 2))
	a.set(honest("a", 3, "L"))
	require.True(t, lc.confirm(3, peers, 2), "no answer of the failed round left behind")
}

// On a real three-node cluster the leader's rounds are confirmed by the
// leadership check; the followers answer with their term and leader, so a
// check for another term, or by a node they do not follow, fails; with
// both followers gone no read is served.
func TestLeaderCheckOnRealNodes(t *testing.T) {
	n1 := openNode(t, testConfig(t, t.TempDir()))
	writeNow(t, n1)
	n2 := joinNode(t, n1, "n2")
	n3 := joinNode(t, n1, "n3")
	writeNow(t, n1)
	var vs *voterCheck
	var term uint64
	require.Eventually(t, func() bool {
		term = n1.raft.CurrentTerm()
		vs = n1.votersAt(term, n1.raft.LastIndex())
		return len(vs.peers) == 2 && n1.checker.confirm(term, vs.peers, 2)
	}, 5*time.Second, 5*time.Millisecond, "both followers learn their leader from its heartbeats")

	before := n1.ReadIndexStats()
	rounds := readRounds(t, n1, 20)
	after := n1.ReadIndexStats()
	require.Equal(t, uint64(20), rounds)
	// A round whose answer takes longer than leaderCheckTimeout (a loaded
	// machine) falls back to VerifyLeader; most must not.
	require.GreaterOrEqual(t, after.LeaderChecked-before.LeaderChecked, rounds/2, "rounds confirmed by the check")

	require.False(t, n1.checker.confirm(term+1, vs.peers, 1), "voters not at the asked term")
	if term > 1 {
		require.False(t, n1.checker.confirm(term-1, vs.peers, 1), "a leader of an older term")
	}
	others := []raft.Server{{ID: "n1", Address: raft.ServerAddress(n1.cfg.RaftBind)},
		{ID: "n3", Address: raft.ServerAddress(n3.cfg.RaftBind)}}
	require.False(t, n2.checker.confirm(term, others, 1), "the voters do not follow n2")
	swapped := []raft.Server{{ID: "n3", Address: vs.peers[0].Address}, {ID: "n2", Address: vs.peers[1].Address}}
	require.False(t, n1.checker.confirm(term, swapped, 1), "each voter answers for itself only")

	require.NoError(t, n2.Close())
	require.NoError(t, n3.Close())
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := n1.ReadTime(ctx, false)
	require.Error(t, err, "a linearizable read with both followers gone")
	require.False(t, n1.checker.confirm(term, vs.peers, 1))
}
