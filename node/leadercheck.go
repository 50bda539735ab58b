package node

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// Leadership check: a leader ReadIndex round confirms the leadership by
// asking just enough other voters for their current term and leader, over a
// connection of its own on the Raft port (muxLayer), instead of a
// hashicorp/raft VerifyLeader round (which hops through Raft's leader loop
// and sends an AppendEntries heartbeat to every follower). A round that
// cannot be confirmed this way — a peer slow, unreachable, behind or
// naming another leader — falls back to VerifyLeader, so this is only a
// faster path to the same answer, never a different one.
//
// Why an answer confirms the leadership (Raft's ReadIndex): the leader L
// reads its term T, checks it leads T and has applied its own marker entry
// of T (readyTerm: its commit index then covers every entry committed in an
// earlier term), takes the commit index, and only then — after every read
// of the round arrived — sends each asked voter a request. A voter answers
// with the term it holds when the request arrives. An answer of T means the
// voter had not moved past T by then, so it had not voted in any later
// term (raft persists and sets the new term before it grants a vote). With
// such answers from a quorum of the latest configuration, counting L
// itself, whose term is still T and which is still leader when the round
// ends, no leader of a term after T can have been elected — let alone have
// committed a write — before the round started: its election needed a
// quorum, and every quorum shares a member with ours. So every write
// acknowledged before the reads arrived was committed by a leader of term T
// or earlier and is at or below L's commit index. An answer counts only if
// it also names L as the voter's leader (a voter at T that has not yet
// heard from L is not counted, though its term alone would do), carries
// the number of this round's request (never an older request's answer),
// and came on a connection that is closed after any error or timeout.
//
// The voter set may be one configuration entry behind (voterCheck): raft
// changes one server per entry and allows one uncommitted change at a
// time, and any quorum of one configuration shares a member with any
// quorum of the next. No clock or lease is involved; a slow answer only
// makes the round fall back.

// leaderCheckMagic is the first byte of a leadership-check connection on
// the Raft port (see rpcMagic).
const leaderCheckMagic byte = 'Q'

// leaderCheckTimeout bounds one check: connecting, sending and waiting for
// the answers. After it the round falls back to VerifyLeader and the slow
// voter is asked last from then on.
const leaderCheckTimeout = 30 * time.Millisecond

// A request is seq (8 bytes) | term (8) | length of the leader's ID (1) |
// length of the asked voter's ID (1) | the leader's ID | the voter's ID; an
// answer is seq (8) | the voter's term (8) | 1 if the answering node is
// that voter and its leader is that leader, else 0 (1). The voter's ID
// makes sure the answer comes from the voter the configuration names at
// that address, not from some other node that took the address over.
const (
	checkRequestHeader = 18
	checkAnswerSize    = 17
	maxCheckID         = 255
)

// serveLeaderCheck answers leadership-check requests on c until it fails
// or the node stops.
func (n *Node) serveLeaderCheck(c net.Conn) {
	defer c.Close()
	select {
	case <-n.started:
	case <-time.After(n.cfg.WriteTimeout):
		return
	}
	var req [checkRequestHeader + 2*maxCheckID]byte
	var ans [checkAnswerSize]byte
	for {
		if _, err := io.ReadFull(c, req[:checkRequestHeader]); err != nil {
			return
		}
		leaderLen, voterLen := int(req[16]), int(req[17])
		ids := req[checkRequestHeader : checkRequestHeader+leaderLen+voterLen]
		if _, err := io.ReadFull(c, ids); err != nil {
			return
		}
		// The term is read after the request arrived: that is what the
		// leader relies on (see above). The leader is read first, so a
		// leader named here was known at this term or an earlier one.
		_, leader := n.raft.LeaderWithID()
		term := n.raft.CurrentTerm()
		copy(ans[:8], req[:8])
		binary.BigEndian.PutUint64(ans[8:16], term)
		ans[16] = 0
		if leader != "" && string(leader) == string(ids[:leaderLen]) && n.cfg.ID == string(ids[leaderLen:]) {
			ans[16] = 1
		}
		_ = c.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Write(ans[:]); err != nil {
			return
		}
	}
}

// leaderChecker is the leader side: one connection per voter, used by one
// round at a time.
type leaderChecker struct {
	self string
	dial func(addr string, timeout time.Duration) (net.Conn, error)

	mu     sync.Mutex
	closed bool
	seq    uint64
	conns  map[raft.ServerAddress]net.Conn
	failed map[raft.ServerID]uint64 // seq of a voter's last failed check
	order  []raft.Server            // scratch: voters in the order asked
	buf    []byte                   // scratch: the request
}

func newLeaderChecker(self string, dial func(string, time.Duration) (net.Conn, error)) *leaderChecker {
	return &leaderChecker{self: self, dial: dial,
		conns: map[raft.ServerAddress]net.Conn{}, failed: map[raft.ServerID]uint64{}}
}

// confirm asks need of peers (the other voters) for their term and leader
// and reports whether all of them answered with term and named this node.
// Voters that failed a check recently are asked last.
func (lc *leaderChecker) confirm(term uint64, peers []raft.Server, need int) bool {
	if len(lc.self) > maxCheckID || need > len(peers) {
		return false
	}
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.closed {
		return false
	}
	lc.seq++
	seq := lc.seq
	lc.order = append(lc.order[:0], peers...)
	slices.SortStableFunc(lc.order, func(a, b raft.Server) int {
		fa, fb := lc.failed[a.ID], lc.failed[b.ID]
		switch {
		case fa < fb:
			return -1
		case fa > fb:
			return 1
		}
		return 0
	})
	deadline := time.Now().Add(leaderCheckTimeout)
	asked := 0
	for _, p := range lc.order {
		if asked == need {
			break
		}
		if err := lc.send(p, seq, term, deadline); err != nil {
			lc.failed[p.ID] = seq
			continue
		}
		lc.order[asked] = p
		asked++
	}
	ok := asked == need
	// Every asked voter's answer is read (or its connection dropped), so
	// none is left behind for a later round to find.
	for _, p := range lc.order[:asked] {
		if err := lc.receive(p.Address, seq, term); err != nil {
			lc.failed[p.ID] = seq
			ok = false
		}
	}
	if len(lc.conns) > len(peers) {
		lc.pruneConns(peers)
	}
	return ok
}

// pruneConns drops the connections to servers that are no longer voters.
func (lc *leaderChecker) pruneConns(peers []raft.Server) {
	for addr := range lc.conns {
		if !slices.ContainsFunc(peers, func(p raft.Server) bool { return p.Address == addr }) {
			lc.drop(addr)
		}
	}
}

// send writes the request to voter p, connecting first if needed.
func (lc *leaderChecker) send(p raft.Server, seq, term uint64, deadline time.Time) error {
	if len(p.ID) > maxCheckID {
		return fmt.Errorf("leader check: voter ID %q too long", p.ID)
	}
	lc.buf = binary.BigEndian.AppendUint64(lc.buf[:0], seq)
	lc.buf = binary.BigEndian.AppendUint64(lc.buf, term)
	lc.buf = append(lc.buf, byte(len(lc.self)), byte(len(p.ID)))
	lc.buf = append(lc.buf, lc.self...)
	lc.buf = append(lc.buf, p.ID...)
	addr := p.Address
	c := lc.conns[addr]
	if c == nil {
		var err error
		if c, err = lc.dial(string(addr), time.Until(deadline)); err != nil {
			return err
		}
		lc.conns[addr] = c
	}
	_ = c.SetDeadline(deadline)
	if _, err := c.Write(lc.buf); err != nil {
		lc.drop(addr)
		return err
	}
	return nil
}

// receive reads the answer of the voter at addr and checks it.
func (lc *leaderChecker) receive(addr raft.ServerAddress, seq, term uint64) error {
	c := lc.conns[addr]
	var ans [checkAnswerSize]byte
	if _, err := io.ReadFull(c, ans[:]); err != nil {
		lc.drop(addr)
		return err
	}
	got, theirs := binary.BigEndian.Uint64(ans[:8]), binary.BigEndian.Uint64(ans[8:16])
	switch {
	case got != seq:
		lc.drop(addr)
		return fmt.Errorf("leader check: answer to request %d, want %d", got, seq)
	case theirs != term:
		return fmt.Errorf("leader check: voter at term %d, leader at %d", theirs, term)
	case ans[16] != 1:
		return fmt.Errorf("leader check: not the voter asked, or it does not follow this node")
	}
	return nil
}

// drop closes and forgets the connection to addr.
func (lc *leaderChecker) drop(addr raft.ServerAddress) {
	if c := lc.conns[addr]; c != nil {
		_ = c.Close()
		delete(lc.conns, addr)
	}
}

// close drops every connection; later checks fail.
func (lc *leaderChecker) close() {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	lc.closed = true
	for addr := range lc.conns {
		lc.drop(addr)
	}
}
