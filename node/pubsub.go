package node

import (
	"context"
	"sync"

	"github.com/hashicorp/raft"

	"github.com/pikaraft/pikaraft/resp"
)

// Cluster-wide pub/sub (see resp/pubsub_cluster.go): a PUBLISH or PUBSUB
// received by one node is sent to every other server of the Raft
// configuration over node RPC (opPublish, opPubSub), in parallel; each
// answers from its RESP server's subscriptions. Nothing goes through the
// Raft log and nothing is retried: a node that does not answer within the
// caller's deadline neither delivers nor counts.

var _ resp.Broadcaster = (*Node)(nil)

// SetPubSub gives the node its RESP server's local pub/sub, which serves
// the other nodes' PUBLISH and PUBSUB requests. Until it is set they get
// no receivers.
func (n *Node) SetPubSub(p resp.PubSubLocal) {
	n.mu.Lock()
	n.pubsub = p
	n.mu.Unlock()
}

func (n *Node) localPubSub() resp.PubSubLocal {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.pubsub
}

// PublishPeers delivers message on every other node and returns how many
// subscribers received it there.
func (n *Node) PublishPeers(ctx context.Context, channel string, message []byte) int64 {
	var total int64
	for _, r := range n.fanOut(ctx, &rpcRequest{Op: opPublish, Channel: channel, Message: message}) {
		total += r.Count
	}
	return total
}

// QueryPeers asks every other node for its pub/sub state.
func (n *Node) QueryPeers(ctx context.Context, q resp.PubSubQuery) []resp.PubSubAnswer {
	var out []resp.PubSubAnswer
	for _, r := range n.fanOut(ctx, &rpcRequest{Op: opPubSub, Query: &q}) {
		if r.Answer != nil {
			out = append(out, *r.Answer)
		}
	}
	return out
}

// fanOut sends req to every other server of the configuration at once and
// returns the answers that came back without error before ctx ended.
func (n *Node) fanOut(ctx context.Context, req *rpcRequest) []*rpcResponse {
	f := n.raft.GetConfiguration()
	if f.Error() != nil {
		return nil
	}
	self := n.trans.LocalAddr()
	var (
		mu  sync.Mutex
		out []*rpcResponse
		wg  sync.WaitGroup
	)
	for _, s := range f.Configuration().Servers {
		if s.Address == self || s.ID == raft.ServerID(n.cfg.ID) {
			continue
		}
		wg.Add(1)
		go func(addr string) {
			defer wg.Done()
			r := *req // call sets TimeoutMs
			resp, err := n.rpc.call(ctx, addr, &r)
			if err != nil || resp.Err != "" {
				n.log.Debug("pub/sub fan-out: peer did not answer", "peer", addr, "error", err)
				return
			}
			mu.Lock()
			out = append(out, resp)
			mu.Unlock()
		}(string(s.Address))
	}
	wg.Wait()
	return out
}

// handlePublish delivers a peer's PUBLISH to this node's subscribers.
func (n *Node) handlePublish(req *rpcRequest) *rpcResponse {
	p := n.localPubSub()
	if p == nil {
		return &rpcResponse{}
	}
	return &rpcResponse{Count: int64(p.Publish(req.Channel, req.Message))}
}

// handlePubSub answers a peer's PUBSUB query from this node's subscriptions.
func (n *Node) handlePubSub(req *rpcRequest) *rpcResponse {
	p := n.localPubSub()
	if p == nil || req.Query == nil {
		return &rpcResponse{Answer: &resp.PubSubAnswer{}}
	}
	a := p.QueryPubSub(*req.Query)
	return &rpcResponse{Answer: &a}
}
