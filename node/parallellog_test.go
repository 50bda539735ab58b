package node

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/resp/command"
)

// heldStore is an in-memory log whose appends wait for release and which
// records the index ranges it was asked to store, in order.
type heldStore struct {
	*raft.InmemStore
	release chan struct{} // an append proceeds once it can receive (or it is closed)
	fail    error         // returned by appends when set

	mu    sync.Mutex
	calls [][2]uint64
}

func newHeldStore() *heldStore {
	return &heldStore{InmemStore: raft.NewInmemStore(), release: make(chan struct{})}
}

func (s *heldStore) StoreLogs(logs []*raft.Log) error {
	<-s.release
	if s.fail != nil {
		return s.fail
	}
	s.mu.Lock()
	s.calls = append(s.calls, [2]uint64{logs[0].Index, logs[len(logs)-1].Index})
	s.mu.Unlock()
	return s.InmemStore.StoreLogs(logs)
}

func (s *heldStore) stored() [][2]uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][2]uint64(nil), s.calls...)
}

func logRange(from, to uint64) []*raft.Log {
	var logs []*raft.Log
	for i := from; i <= to; i++ {
		logs = append(logs, &raft.Log{Index: i, Term: 1, Type: raft.LogCommand, Data: []byte{byte(i)}})
	}
	return logs
}

// newHeldParallelLog returns a parallelLog over a held store whose appends
// are parallel until parallel is set to false.
func newHeldParallelLog() (p *parallelLog, inner *heldStore, parallel *atomic.Bool) {
	inner = newHeldStore()
	p = newParallelLog(inner, nil)
	parallel = &atomic.Bool{}
	parallel.Store(true)
	fn := func([]*raft.Log) bool { return parallel.Load() }
	p.parallel.Store(&fn)
	return p, inner, parallel
}

// closedWithin reports whether ch is closed within d.
func closedWithin(ch <-chan struct{}, d time.Duration) bool {
	select {
	case <-ch:
		return true
	case <-time.After(d):
		return false
	}
}

func TestParallelLogAppendReturnsBeforeTheWrite(t *testing.T) {
	p, inner, _ := newHeldParallelLog()

	require.NoError(t, p.StoreLogs(logRange(1, 3))) // returns although the store is held
	require.NoError(t, p.StoreLogs(logRange(4, 5)))
	written := make(chan struct{})
	go func() {
		assert.NoError(t, p.waitWritten(5, nil))
		close(written)
	}()
	require.False(t, closedWithin(written, 100*time.Millisecond), "entry 5 reported written while the store is held")
	require.NoError(t, p.waitWritten(9, nil), "an index never handed over is not waited for")

	close(inner.release)
	require.True(t, closedWithin(written, 5*time.Second))
	var l raft.Log
	require.NoError(t, p.GetLog(5, &l))
	require.Equal(t, []byte{5}, l.Data)
	// One or two appends (the writer may take 1-3 before 4-5 arrive), in order.
	calls := inner.stored()
	require.Equal(t, uint64(1), calls[0][0])
	require.Equal(t, uint64(5), calls[len(calls)-1][1])
	require.NoError(t, p.Close())
}

func TestParallelLogSynchronousAppendWaitsForTheQueue(t *testing.T) {
	p, inner, parallel := newHeldParallelLog()
	require.NoError(t, p.StoreLogs(logRange(1, 3)))

	parallel.Store(false) // stepped down, or a configuration entry
	syncDone := make(chan struct{})
	go func() {
		assert.NoError(t, p.StoreLogs(logRange(4, 4)))
		close(syncDone)
	}()
	require.False(t, closedWithin(syncDone, 100*time.Millisecond), "a synchronous append returned before the store wrote anything")
	close(inner.release)
	require.True(t, closedWithin(syncDone, 5*time.Second))
	require.Equal(t, [][2]uint64{{1, 3}, {4, 4}}, inner.stored(), "the queue is written first")
	last, err := p.LastIndex()
	require.NoError(t, err)
	require.Equal(t, uint64(4), last)
	require.NoError(t, p.Close())
}

func TestParallelLogReadsAndDeletesAfterTheQueue(t *testing.T) {
	p, inner, parallel := newHeldParallelLog()
	require.NoError(t, p.StoreLogs(logRange(1, 5)))

	got := make(chan raft.Log, 1)
	go func() {
		var l raft.Log
		assert.NoError(t, p.GetLog(4, &l)) // queued: read once written
		got <- l
	}()
	time.Sleep(50 * time.Millisecond)
	require.Empty(t, got)
	close(inner.release)
	select {
	case l := <-got:
		require.Equal(t, uint64(4), l.Index)
	case <-time.After(5 * time.Second):
		t.Fatal("GetLog of a queued entry never returned")
	}

	// A follower dropping a tail the new leader does not have.
	require.NoError(t, p.DeleteRange(4, 5))
	last, err := p.LastIndex()
	require.NoError(t, err)
	require.Equal(t, uint64(3), last)
	parallel.Store(false)
	require.NoError(t, p.StoreLogs(logRange(4, 4)))
	require.NoError(t, p.waitWritten(5, nil), "index 5 was dropped, nothing to wait for")
	require.NoError(t, p.Close())
}

func TestParallelLogFailureSticks(t *testing.T) {
	p, inner, _ := newHeldParallelLog()
	inner.fail = errors.New("disk on fire")
	close(inner.release)
	require.NoError(t, p.StoreLogs(logRange(1, 2)))
	require.ErrorContains(t, p.waitWritten(2, nil), "disk on fire", "waiters learn of a failure")
	err := p.StoreLogs(logRange(3, 3))
	require.ErrorContains(t, err, "disk on fire")
	require.ErrorContains(t, err, "entries 1-2")
	_, err = p.LastIndex()
	require.ErrorContains(t, err, "disk on fire")
	require.Error(t, p.Close())
}

func TestParallelLogCloseWritesTheQueue(t *testing.T) {
	p, inner, _ := newHeldParallelLog()
	require.NoError(t, p.StoreLogs(logRange(1, 2)))
	closed := make(chan struct{})
	go func() {
		assert.NoError(t, p.Close())
		close(closed)
	}()
	require.False(t, closedWithin(closed, 50*time.Millisecond))
	close(inner.release)
	require.True(t, closedWithin(closed, 5*time.Second))
	last, err := inner.LastIndex()
	require.NoError(t, err)
	require.Equal(t, uint64(2), last)
	require.ErrorIs(t, p.StoreLogs(logRange(3, 3)), errLogClosed)
}

// fakePipeline is an AppendPipeline whose responses the test hands over.
type fakePipeline struct{ done chan raft.AppendFuture }

func (f *fakePipeline) AppendEntries(*raft.AppendEntriesRequest, *raft.AppendEntriesResponse) (raft.AppendFuture, error) {
	return nil, errors.New("not used")
}
func (f *fakePipeline) Consumer() <-chan raft.AppendFuture { return f.done }
func (f *fakePipeline) Close() error                       { return nil }

// doneFuture is a completed AppendEntries.
type doneFuture struct {
	req  raft.AppendEntriesRequest
	resp raft.AppendEntriesResponse
	err  error
}

func (f *doneFuture) Error() error                          { return f.err }
func (f *doneFuture) Start() time.Time                      { return time.Time{} }
func (f *doneFuture) Request() *raft.AppendEntriesRequest   { return &f.req }
func (f *doneFuture) Response() *raft.AppendEntriesResponse { return &f.resp }
func response(success bool, logs []*raft.Log) *doneFuture {
	return &doneFuture{req: raft.AppendEntriesRequest{Entries: logs}, resp: raft.AppendEntriesResponse{Success: success}}
}

// TestGatePipelineHoldsAcknowledgementsOfUnwrittenEntries: a follower's
// acknowledgement of entries the leader has not written yet reaches Raft
// only after the leader's write; failures and heartbeats pass at once, and
// order is kept.
func TestGatePipelineHoldsAcknowledgementsOfUnwrittenEntries(t *testing.T) {
	p, inner, _ := newHeldParallelLog()
	require.NoError(t, p.StoreLogs(logRange(1, 4)))

	fp := &fakePipeline{done: make(chan raft.AppendFuture, 8)}
	pipe := gateTransport{log: p}.wrapPipeline(fp)
	defer pipe.Close()

	heartbeat, refused, acked := response(true, nil), response(false, logRange(3, 4)), response(true, logRange(3, 4))
	fp.done <- heartbeat
	fp.done <- refused
	fp.done <- acked
	for _, want := range []*doneFuture{heartbeat, refused} {
		select {
		case f := <-pipe.Consumer():
			require.Same(t, want, f)
		case <-time.After(5 * time.Second):
			t.Fatal("a response that acknowledges nothing was held")
		}
	}
	select {
	case <-pipe.Consumer():
		t.Fatal("an acknowledgement of entries the leader has not written passed")
	case <-time.After(100 * time.Millisecond):
	}
	close(inner.release)
	select {
	case f := <-pipe.Consumer():
		require.Same(t, acked, f)
	case <-time.After(5 * time.Second):
		t.Fatal("the acknowledgement never passed after the write")
	}
	require.NoError(t, p.Close())
}

// TestLeaderAppendsInParallel: in a three-node cluster the leader's
// appends return before their write and the followers' do not; every
// acknowledged write is on every node; a single node appends synchronously.
func TestLeaderAppendsInParallel(t *testing.T) {
	nodes := openCluster(t, 3)
	l := leaderOf(nodes)
	ctx := context.Background()
	for i := 1; i <= 50; i++ {
		r, err := nodes[l].Write(ctx, 0, incr("ctr"))
		require.NoError(t, err)
		require.Equal(t, []command.Reply{command.Int(int64(i))}, r)
	}
	require.Positive(t, nodes[l].appends.handedOver.Load(), "the leader never appended in parallel")
	for i, n := range nodes {
		if i != l {
			require.Zero(t, n.appends.handedOver.Load(), "follower n%d appended in parallel", i+1)
		}
		require.Equal(t, "50", linearizableGet(t, n, "ctr"), "node n%d", i+1)
	}

	single := openNode(t, testConfig(t, t.TempDir()))
	for i := 0; i < 5; i++ {
		writeNow(t, single)
	}
	require.Zero(t, single.appends.handedOver.Load(), "a single voter must append synchronously")
}
