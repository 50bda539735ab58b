package resp

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// peerCluster is a testCluster whose "other nodes" are fixed answers.
type peerCluster struct {
	*testCluster
	published []string
}

func (p *peerCluster) PublishPeers(_ context.Context, channel string, message []byte) int64 {
	p.published = append(p.published, channel+"="+string(message))
	return 2
}

func (p *peerCluster) QueryPeers(_ context.Context, q PubSubQuery) []PubSubAnswer {
	switch q.Kind {
	case "channels":
		return []PubSubAnswer{{Channels: []string{"remote", "news"}}}
	case "numsub":
		c := make([]int64, len(q.Args))
		for i := range c {
			c[i] = 10
		}
		return []PubSubAnswer{{Counts: c}}
	case "numpat":
		return []PubSubAnswer{{Channels: []string{"n*", "other*"}}}
	}
	return nil
}

func TestPublishAndPubsubLocal(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	ctx := context.Background()
	sub := redis.NewClient(&redis.Options{Addr: ts.addr})
	defer sub.Close()
	ps := sub.Subscribe(ctx, "news")
	defer ps.Close()
	pps := sub.PSubscribe(ctx, "n*")
	defer pps.Close()
	_, err := ps.Receive(ctx)
	require.NoError(t, err)
	_, err = pps.Receive(ctx)
	require.NoError(t, err)

	c := redis.NewClient(&redis.Options{Addr: ts.addr})
	defer c.Close()
	require.Equal(t, int64(2), c.Publish(ctx, "news", "hello").Val(), "one channel and one pattern subscriber")
	m, err := ps.ReceiveMessage(ctx)
	require.NoError(t, err)
	require.Equal(t, "hello", m.Payload)
	m, err = pps.ReceiveMessage(ctx)
	require.NoError(t, err)
	require.Equal(t, "n*", m.Pattern)
	require.Equal(t, int64(0), c.Publish(ctx, "other", "x").Val())

	require.Equal(t, []string{"news"}, c.PubSubChannels(ctx, "*").Val())
	require.Empty(t, c.PubSubChannels(ctx, "x*").Val())
	require.Equal(t, map[string]int64{"news": 1, "nobody": 0}, c.PubSubNumSub(ctx, "news", "nobody").Val())
	require.Equal(t, int64(1), c.PubSubNumPat(ctx).Val())

	raw := ts.dial(t)
	require.Equal(t, "-ERR unknown subcommand 'foo'. Try PUBSUB HELP.\r\n", raw.do("PUBSUB", "foo"))
	require.Equal(t, "-ERR wrong number of arguments for 'pubsub|numpat' command\r\n", raw.do("PUBSUB", "NUMPAT", "x"))
	require.Equal(t, "*0\r\n", raw.do("PUBSUB", "NUMSUB"))
	require.Equal(t, "-ERR wrong number of arguments for 'publish' command\r\n", raw.do("PUBLISH", "a"))
}

func TestPublishCountsEveryNode(t *testing.T) {
	pc := &peerCluster{testCluster: &testCluster{eng: sharedEngine}}
	srv, err := NewServer(ServerConfig{}, pc, newMemConfig())
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go srv.Serve(ln)
	defer srv.Close()
	ctx := context.Background()
	sub := redis.NewClient(&redis.Options{Addr: ln.Addr().String()})
	defer sub.Close()
	ps := sub.PSubscribe(ctx, "n*")
	defer ps.Close()
	_, err = ps.Receive(ctx)
	require.NoError(t, err)

	c := redis.NewClient(&redis.Options{Addr: ln.Addr().String(), ReadTimeout: 2 * time.Second})
	defer c.Close()
	require.Equal(t, int64(3), c.Publish(ctx, "news", "m").Val(), "1 here + 2 on the peers")
	require.Equal(t, []string{"news=m"}, pc.published)
	require.ElementsMatch(t, []string{"remote", "news"}, c.PubSubChannels(ctx, "*").Val())
	require.Equal(t, map[string]int64{"a": 10}, c.PubSubNumSub(ctx, "a").Val())
	require.Equal(t, int64(2), c.PubSubNumPat(ctx).Val(), "distinct patterns over the nodes")
}
