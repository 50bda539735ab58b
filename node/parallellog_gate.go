package node

import (
	"sync"

	"github.com/hashicorp/raft"

	"github.com/pikaraft/pikaraft/fsm"
)

// gateTransport is the Raft transport of a node whose leader appends in
// parallel (parallellog.go): a follower's successful AppendEntries
// response reaches Raft only once the leader's own write covers the
// response's entries, so a commit never counts the leader for an entry
// that is not on its disk.
type gateTransport struct {
	*raft.NetworkTransport
	log *parallelLog
}

// AppendEntries implements raft.Transport.
func (t gateTransport) AppendEntries(id raft.ServerID, target raft.ServerAddress, args *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) error {
	if err := t.NetworkTransport.AppendEntries(id, target, args, resp); err != nil {
		return err
	}
	if resp.Success && len(args.Entries) > 0 {
		// Not written: as if the response were lost (Raft retries).
		return t.log.waitWritten(args.Entries[len(args.Entries)-1].Index, nil)
	}
	return nil
}

// AppendEntriesPipeline implements raft.Transport.
func (t gateTransport) AppendEntriesPipeline(id raft.ServerID, target raft.ServerAddress) (raft.AppendPipeline, error) {
	p, err := t.NetworkTransport.AppendEntriesPipeline(id, target)
	if err != nil {
		return nil, err
	}
	return t.wrapPipeline(p), nil
}

// wrapPipeline returns p with its successful responses gated.
func (t gateTransport) wrapPipeline(p raft.AppendPipeline) raft.AppendPipeline {
	g := &gatePipeline{
		AppendPipeline: p,
		log:            t.log,
		out:            make(chan raft.AppendFuture, gatePipelineBuffer),
		stop:           make(chan struct{}),
	}
	go g.run()
	return g
}

// gatePipelineBuffer is the capacity of a gatePipeline's consumer channel,
// as NetworkTransport's own (rpcMaxPipeline).
const gatePipelineBuffer = 128

// gatePipeline passes on the responses of a pipeline, each successful one
// with entries once the leader's write covers them.
type gatePipeline struct {
	raft.AppendPipeline
	log      *parallelLog
	out      chan raft.AppendFuture
	stop     chan struct{}
	stopOnce sync.Once
}

func (g *gatePipeline) run() {
	in := g.AppendPipeline.Consumer()
	for {
		var f raft.AppendFuture
		select {
		case f = <-in:
		case <-g.stop:
			return
		}
		// The transport hands over completed futures: Error does not block.
		if req := f.Request(); f.Error() == nil && f.Response().Success && len(req.Entries) > 0 {
			if g.log.waitWritten(req.Entries[len(req.Entries)-1].Index, g.stop) != nil {
				// Closed, or the leader's write failed: no response of this
				// pipeline passes any more (the leader steps down at its
				// next append).
				return
			}
		}
		select {
		case g.out <- f:
		case <-g.stop:
			return
		}
	}
}

// Consumer implements raft.AppendPipeline.
func (g *gatePipeline) Consumer() <-chan raft.AppendFuture { return g.out }

// Close implements raft.AppendPipeline.
func (g *gatePipeline) Close() error {
	g.stopOnce.Do(func() { close(g.stop) })
	return g.AppendPipeline.Close()
}

// gateFSM is the node's FSM as Raft sees it: it applies entries only once
// they are on this node's disk (parallellog.go), so nothing is applied or
// answered that a crash of the leader could lose. Entries whose write
// failed are never applied: their results are the error.
type gateFSM struct {
	*fsm.FSM
	log *parallelLog
}

// Apply implements raft.FSM.
func (g gateFSM) Apply(l *raft.Log) interface{} {
	if err := g.log.waitWritten(l.Index, nil); err != nil {
		return err
	}
	return g.FSM.Apply(l)
}

// ApplyBatch implements raft.BatchingFSM.
func (g gateFSM) ApplyBatch(logs []*raft.Log) []interface{} {
	if len(logs) > 0 {
		if err := g.log.waitWritten(logs[len(logs)-1].Index, nil); err != nil {
			out := make([]interface{}, len(logs))
			for i := range out {
				out[i] = err
			}
			return out
		}
	}
	return g.FSM.ApplyBatch(logs)
}
