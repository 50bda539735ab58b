package resp

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/resp/command"
)

// Cluster-wide pub/sub: PUBLISH and PUBSUB.
//
// PUBLISH delivers to the subscribers of this node, then fans the message
// out to every other node of the Raft configuration over node RPC (when the
// Cluster implements Broadcaster) and replies with the total number of
// receivers. Messages do not go through the Raft log: pub/sub is
// fire-and-forget in Redis too, and a node that cannot be reached within
// PublishTimeout simply does not deliver (its receivers are not counted).
// Messages from one connection reach each subscriber in the order they
// were published (PUBLISH returns after the fan-out). PUBSUB CHANNELS,
// NUMSUB and NUMPAT answer for the whole cluster the same way.

// PublishTimeout bounds the fan-out of one PUBLISH or PUBSUB to the peers.
const PublishTimeout = time.Second

// PubSubQuery is a PUBSUB introspection request: Kind is "channels" (Args:
// an optional pattern), "numsub" (Args: channels) or "numpat".
type PubSubQuery struct {
	Kind string
	Args [][]byte
}

// PubSubAnswer is one node's answer to a PubSubQuery: the active channels
// (or, for numpat, the subscribed patterns), or one subscriber count per
// channel (numsub).
type PubSubAnswer struct {
	Channels []string
	Counts   []int64
}

// Broadcaster is implemented by a Cluster whose nodes share pub/sub.
type Broadcaster interface {
	// PublishPeers delivers message to the subscribers of every other node
	// and returns how many received it.
	PublishPeers(ctx context.Context, channel string, message []byte) int64
	// QueryPeers asks every other node that answers in time.
	QueryPeers(ctx context.Context, q PubSubQuery) []PubSubAnswer
}

// PubSubLocal is what a node needs from its RESP server to serve the pub/sub
// requests of other nodes. *Server implements it.
type PubSubLocal interface {
	Publish(channel string, message []byte) int
	QueryPubSub(q PubSubQuery) PubSubAnswer
}

var _ PubSubLocal = (*Server)(nil)

func init() {
	command.Commands.Register(
		&command.Spec{Name: "publish", Arity: 3,
			Flags:      command.FlagConnState | command.FlagPubSub | command.FlagLoading | command.FlagStale | command.FlagFast,
			Categories: []string{"pubsub", "fast"}, Group: "pubsub", Since: "2.0.0",
			Summary: "Posts a message to a channel (delivered on every node).", Run: cmdPublish},
		&command.Spec{Name: "pubsub", Arity: -2,
			Flags:      command.FlagConnState | command.FlagPubSub | command.FlagLoading | command.FlagStale | command.FlagSlow,
			Categories: []string{"pubsub", "slow"}, Group: "pubsub", Since: "2.8.0",
			Summary: "A container for Pub/Sub commands.", Run: cmdPubsub},
	)
}

func cmdPublish(c *command.Ctx, argv [][]byte) command.Reply {
	conn := c.Conn.(*Conn)
	n := int64(conn.srv.Publish(string(argv[1]), argv[2]))
	if b, ok := conn.srv.cluster.(Broadcaster); ok {
		ctx, cancel := context.WithTimeout(conn.ctx, PublishTimeout)
		defer cancel()
		n += b.PublishPeers(ctx, string(argv[1]), argv[2])
	}
	return command.Int(n)
}

var pubsubHelp = []string{
	"PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"CHANNELS [<pattern>]",
	"    Return the currently active channels matching a <pattern> (default: '*').",
	"NUMPAT",
	"    Return number of subscriptions to patterns.",
	"NUMSUB [<channel> ...]",
	"    Return the number of subscribers for the specified channels, excluding",
	"    pattern subscriptions(default: no channels).",
	"SHARDCHANNELS [<pattern>]",
	"    Return the currently active shard level channels matching a <pattern> (default: '*').",
	"SHARDNUMSUB [<shardchannel> ...]",
	"    Return the number of subscribers for the specified shard level channel(s)",
	"HELP",
	"    Prints this help.",
}

func cmdPubsub(c *command.Ctx, argv [][]byte) command.Reply {
	conn := c.Conn.(*Conn)
	sub := strings.ToLower(string(argv[1]))
	wrong := func() command.Reply { return command.WrongArity("pubsub|" + sub) }
	switch sub {
	case "help":
		if len(argv) != 2 {
			return wrong()
		}
		out := make([]command.Reply, len(pubsubHelp))
		for i, l := range pubsubHelp {
			out[i] = command.Status(l)
		}
		return command.Array(out...)
	case "channels":
		if len(argv) > 3 {
			return wrong()
		}
		q := PubSubQuery{Kind: sub, Args: argv[2:]}
		seen := map[string]bool{}
		var out []command.Reply
		for _, a := range conn.srv.queryCluster(conn.ctx, q) {
			for _, ch := range a.Channels {
				if !seen[ch] {
					seen[ch] = true
					out = append(out, command.BulkString(ch))
				}
			}
		}
		return command.Array(out...)
	case "numsub":
		q := PubSubQuery{Kind: sub, Args: argv[2:]}
		counts := make([]int64, len(q.Args))
		for _, a := range conn.srv.queryCluster(conn.ctx, q) {
			for i := range counts {
				if i < len(a.Counts) {
					counts[i] += a.Counts[i]
				}
			}
		}
		out := make([]command.Reply, 0, 2*len(counts))
		for i, ch := range q.Args {
			out = append(out, command.Bulk(ch), command.Int(counts[i]))
		}
		return command.Array(out...)
	case "numpat":
		if len(argv) != 2 {
			return wrong()
		}
		// Redis counts distinct patterns: the union over the nodes.
		seen := map[string]bool{}
		for _, a := range conn.srv.queryCluster(conn.ctx, PubSubQuery{Kind: sub}) {
			for _, p := range a.Channels {
				seen[p] = true
			}
		}
		return command.Int(int64(len(seen)))
	case "shardchannels":
		if len(argv) > 3 {
			return wrong()
		}
		return command.Array() // no sharded pub/sub
	case "shardnumsub":
		out := make([]command.Reply, 0, 2*(len(argv)-2))
		for _, ch := range argv[2:] {
			out = append(out, command.Bulk(ch), command.Int(0))
		}
		return command.Array(out...)
	}
	return command.Err(fmt.Sprintf("ERR unknown subcommand '%s'. Try PUBSUB HELP.", argv[1]))
}

// queryCluster answers q on this node and on every other node that
// answers within PublishTimeout.
func (s *Server) queryCluster(ctx context.Context, q PubSubQuery) []PubSubAnswer {
	out := []PubSubAnswer{s.QueryPubSub(q)}
	if b, ok := s.cluster.(Broadcaster); ok {
		ctx, cancel := context.WithTimeout(ctx, PublishTimeout)
		defer cancel()
		out = append(out, b.QueryPeers(ctx, q)...)
	}
	return out
}

// QueryPubSub answers q from this server's own subscriptions.
func (s *Server) QueryPubSub(q PubSubQuery) PubSubAnswer {
	h := &s.ps
	h.mu.Lock()
	defer h.mu.Unlock()
	switch q.Kind {
	case "channels":
		var out []string
		for ch := range h.channels {
			if len(q.Args) == 0 || engine.GlobMatch(q.Args[0], []byte(ch), false) {
				out = append(out, ch)
			}
		}
		sort.Strings(out)
		return PubSubAnswer{Channels: out}
	case "numsub":
		counts := make([]int64, len(q.Args))
		for i, ch := range q.Args {
			counts[i] = int64(len(h.channels[string(ch)]))
		}
		return PubSubAnswer{Counts: counts}
	case "numpat":
		out := make([]string, 0, len(h.patterns))
		for p := range h.patterns {
			out = append(out, p)
		}
		return PubSubAnswer{Channels: out}
	}
	return PubSubAnswer{}
}
