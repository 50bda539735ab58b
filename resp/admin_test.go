package resp

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// fakeAdmin is a three-node cluster seen from node "n2" (a follower) or,
// with selfLeader, from the leader "n1".
type fakeAdmin struct {
	mu         sync.Mutex
	selfLeader bool
	calls      []string
	err        error
}

func (f *fakeAdmin) servers() []NodeStatus {
	return []NodeStatus{
		{ID: "n1", RaftAddr: "127.0.0.1:12221", ClientAddr: "127.0.0.1:9221", State: "leader", Suffrage: "voter", Reachable: true, Term: 4, AppliedIndex: 100},
		{ID: "n2", RaftAddr: "127.0.0.1:12222", ClientAddr: "127.0.0.1:9222", State: "follower", Suffrage: "voter", Reachable: true, Term: 4, AppliedIndex: 97, Lag: 3},
		{ID: "n3", RaftAddr: "127.0.0.1:12223", ClientAddr: "127.0.0.1:9223", Suffrage: "voter"},
	}
}

func (f *fakeAdmin) Leader(context.Context) (NodeStatus, bool) { return f.servers()[0], true }

func (f *fakeAdmin) Self() NodeStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.selfLeader {
		return f.servers()[0]
	}
	return f.servers()[1]
}

func (f *fakeAdmin) Status(context.Context) ClusterStatus {
	s := f.servers()
	return ClusterStatus{Self: f.Self(), Leader: s[0], Servers: s}
}

func (f *fakeAdmin) record(call string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
	return f.err
}

func (f *fakeAdmin) AddServer(_ context.Context, id, addr string, voter bool) error {
	kind := "nonvoter"
	if voter {
		kind = "voter"
	}
	return f.record("add " + id + " " + addr + " " + kind)
}
func (f *fakeAdmin) RemoveServer(_ context.Context, id string) error { return f.record("remove " + id) }
func (f *fakeAdmin) TransferLeadership(_ context.Context, id string) error {
	return f.record("transfer " + id)
}
func (f *fakeAdmin) Snapshot(context.Context) error { return f.record("snapshot") }
func (f *fakeAdmin) Checksum(context.Context) (uint64, string, error) {
	return 100, "abcd", f.record("checksum")
}

func (f *fakeAdmin) recorded() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// adminCluster is a testCluster that also implements Admin.
type adminCluster struct {
	*testCluster
	*fakeAdmin
}

func startAdminServer(t *testing.T, fa *fakeAdmin) (*Server, string) {
	t.Helper()
	srv, err := NewServer(ServerConfig{ClusterName: "mycluster"}, adminCluster{&testCluster{eng: sharedEngine}, fa}, newMemConfig())
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		require.NoError(t, srv.Close())
		require.NoError(t, <-done)
	})
	return srv, ln.Addr().String()
}

func TestSentinelDiscoveryReplies(t *testing.T) {
	_, addr := startAdminServer(t, &fakeAdmin{})
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		sc := redis.NewSentinelClient(&redis.Options{Addr: addr, Protocol: proto})
		defer sc.Close()
		got, err := sc.GetMasterAddrByName(ctx, "mycluster").Result()
		require.NoError(t, err)
		require.Equal(t, []string{"127.0.0.1", "9221"}, got)
		_, err = sc.GetMasterAddrByName(ctx, "other").Result()
		require.ErrorIs(t, err, redis.Nil, "an unknown master name is a null reply")

		m, err := sc.Master(ctx, "mycluster").Result()
		require.NoError(t, err)
		require.Equal(t, "mycluster", m["name"])
		require.Equal(t, "127.0.0.1", m["ip"])
		require.Equal(t, "9221", m["port"])
		require.Equal(t, "master", m["flags"])
		require.Equal(t, "2", m["quorum"], "a majority of three voters")
		require.Equal(t, "2", m["num-slaves"])
		_, err = sc.Master(ctx, "other").Result()
		require.EqualError(t, err, "ERR No such master with that name")

		reps, err := sc.Replicas(ctx, "mycluster").Result()
		require.NoError(t, err)
		require.Len(t, reps, 2)
		require.Equal(t, "9222", reps[0]["port"])
		require.Equal(t, "slave", reps[0]["flags"])
		require.Equal(t, "97", reps[0]["slave-repl-offset"])
		require.Equal(t, "9221", reps[0]["master-port"])
		require.Equal(t, "slave,s_down,disconnected", reps[1]["flags"], "n3 did not answer")

		sents, err := sc.Sentinels(ctx, "mycluster").Result()
		require.NoError(t, err)
		require.Len(t, sents, 2, "every node but the one answering")
		require.Equal(t, "9221", sents[0]["port"])
		require.Equal(t, "9223", sents[1]["port"])

		masters, err := sc.Masters(ctx).Result()
		require.NoError(t, err)
		require.Len(t, masters, 1)
	}
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
	defer c.Close()
	require.EqualError(t, c.Do(ctx, "sentinel", "monitor", "x", "127.0.0.1", "1", "2").Err(),
		"ERR unknown subcommand or wrong number of arguments for 'monitor'. Try SENTINEL HELP.")
	require.Equal(t, "n2", c.Do(ctx, "sentinel", "myid").Val())
}

func TestRoleAndInfoReplication(t *testing.T) {
	fa := &fakeAdmin{}
	_, addr := startAdminServer(t, fa)
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
	defer c.Close()
	role, err := c.Do(ctx, "role").Slice()
	require.NoError(t, err)
	require.Equal(t, []any{"slave", "127.0.0.1", int64(9221), "connected", int64(97)}, role)
	info, err := c.Info(ctx, "replication").Result()
	require.NoError(t, err)
	require.Contains(t, info, "# Replication(SLAVE)\r\nrole:slave\r\nReplicationID:\r\nmaster_host:127.0.0.1\r\nmaster_port:9221\r\nmaster_link_status:up\r\n")
	info, err = c.Info(ctx, "raft").Result()
	require.NoError(t, err)
	require.Contains(t, info, "raft_state:follower\r\n")
	require.Contains(t, info, "raft_leader_id:n1\r\n")

	fa.mu.Lock()
	fa.selfLeader = true
	fa.mu.Unlock()
	role, err = c.Do(ctx, "role").Slice()
	require.NoError(t, err)
	require.Equal(t, []any{"master", int64(100), []any{[]any{"127.0.0.1", "9222", "97"}}}, role,
		"the leader lists the followers that answer, with their applied index")
	info, err = c.Info(ctx, "replication").Result()
	require.NoError(t, err)
	require.Contains(t, info, "role:master\r\nReplicationID:\r\nconnected_slaves:1\r\nslave0:ip=127.0.0.1,port=9222,conn_fd=0,lag=(db0:3)(db1:3)\r\n")
}

func TestRaftAdminCommands(t *testing.T) {
	fa := &fakeAdmin{}
	_, addr := startAdminServer(t, fa)
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: 3})
	defer c.Close()

	st, err := c.Do(ctx, "raft", "status").Result()
	require.NoError(t, err)
	m := st.(map[any]any)
	require.Equal(t, "n2", m["id"])
	require.Equal(t, "follower", m["state"])
	require.Equal(t, "n1", m["leader_id"])
	require.Equal(t, "127.0.0.1:9221", m["leader_client_addr"])
	servers := m["servers"].([]any)
	require.Len(t, servers, 3)
	require.Equal(t, int64(3), servers[1].(map[any]any)["lag"])
	require.Equal(t, "unknown", servers[2].(map[any]any)["state"])
	require.Equal(t, false, servers[2].(map[any]any)["reachable"])

	peers, err := c.Do(ctx, "raft", "peers").Result()
	require.NoError(t, err)
	require.Len(t, peers, 3)
	require.Equal(t, true, peers.([]any)[0].(map[any]any)["leader"])

	require.NoError(t, c.Do(ctx, "raft", "add", "n4", "127.0.0.1:12224").Err())
	require.NoError(t, c.Do(ctx, "raft", "add", "n5", "127.0.0.1:12225", "NONVOTER").Err())
	require.EqualError(t, c.Do(ctx, "raft", "add", "n6", "127.0.0.1:12226", "maybe").Err(), "ERR syntax error")
	require.NoError(t, c.Do(ctx, "raft", "remove", "n4").Err())
	require.NoError(t, c.Do(ctx, "raft", "transfer").Err())
	require.NoError(t, c.Do(ctx, "raft", "transfer", "n3").Err())
	require.NoError(t, c.Do(ctx, "raft", "snapshot").Err())
	sum, err := c.Do(ctx, "raft", "checksum").Slice()
	require.NoError(t, err)
	require.Equal(t, []any{int64(100), "abcd"}, sum)
	require.NoError(t, c.Do(ctx, "slaveof", "no", "one").Err())
	require.Equal(t, []string{
		"add n4 127.0.0.1:12224 voter", "add n5 127.0.0.1:12225 nonvoter", "remove n4",
		"transfer ", "transfer n3", "snapshot", "checksum", "transfer n2",
	}, fa.recorded(), "SLAVEOF NO ONE hands leadership to this node")

	require.EqualError(t, c.Do(ctx, "slaveof", "127.0.0.1", "9221").Err(),
		"ERR pikaraft nodes replicate through Raft: add a node with RAFT ADD, or use SLAVEOF NO ONE to make this node the leader")
	require.EqualError(t, c.Do(ctx, "raft", "bogus").Err(), "ERR unknown subcommand or wrong number of arguments for 'bogus'. Try RAFT HELP.")
	fa.mu.Lock()
	fa.err = errors.New("TRYAGAIN no leader available, try again after the election")
	fa.mu.Unlock()
	require.EqualError(t, c.Do(ctx, "raft", "remove", "n3").Err(), "TRYAGAIN no leader available, try again after the election")
}

func TestClusterCommandsWithoutAdmin(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	c := ts.dial(t)
	require.Equal(t, "-ERR cluster administration is not available on this server\r\n", c.do("raft", "status"))
	require.Equal(t, "-ERR cluster administration is not available on this server\r\n", c.do("sentinel", "masters"))
	require.Equal(t, "*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n", c.do("role"), "a standalone server is a master")
	require.Equal(t, "+OK\r\n", c.do("multi"))
	require.Equal(t, "-ERR Command not allowed inside a transaction\r\n", c.do("raft", "snapshot"))
}

func TestPubSubSwitchMaster(t *testing.T) {
	srv, addr := startAdminServer(t, &fakeAdmin{})
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		c := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto})
		ps := c.Subscribe(ctx, "+switch-master", "+replica-reconf-done")
		_, err := ps.Receive(ctx) // first subscription confirmation
		require.NoError(t, err)
		pps := c.PSubscribe(ctx, "+switch-*")
		_, err = pps.Receive(ctx)
		require.NoError(t, err)
		require.Eventually(t, func() bool {
			return srv.Publish("+switch-master", []byte("mycluster 127.0.0.1 9221 127.0.0.1 9222")) == 2
		}, 5*time.Second, 10*time.Millisecond)
		msg, err := receiveMessage(ctx, ps)
		require.NoError(t, err)
		require.Equal(t, "+switch-master", msg.Channel)
		require.Equal(t, "mycluster 127.0.0.1 9221 127.0.0.1 9222", msg.Payload)
		pmsg, err := receiveMessage(ctx, pps)
		require.NoError(t, err)
		require.Equal(t, "+switch-*", pmsg.Pattern)
		require.Equal(t, "+switch-master", pmsg.Channel)
		require.NoError(t, ps.Close())
		require.NoError(t, pps.Close())
		require.Eventually(t, func() bool { return srv.Publish("+switch-master", []byte("x")) == 0 },
			5*time.Second, 10*time.Millisecond, "closed subscribers are forgotten")
		c.Close()
	}
}

func receiveMessage(ctx context.Context, ps *redis.PubSub) (*redis.Message, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for {
		m, err := ps.Receive(ctx)
		if err != nil {
			return nil, err
		}
		if msg, ok := m.(*redis.Message); ok {
			return msg, nil
		}
	}
}

func TestSubscribeModeRESP2(t *testing.T) {
	ts := startServer(t, ServerConfig{})
	c := ts.dial(t)
	c.send(encodeCommand("subscribe", "a", "b"))
	require.Equal(t, "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n", c.read())
	require.Equal(t, "*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n", c.read())
	require.Equal(t, "-ERR Can't execute 'tget': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
		c.do("tget", "k"))
	require.Equal(t, "*2\r\n$4\r\npong\r\n$0\r\n\r\n", c.do("ping"))
	require.Equal(t, 1, ts.srv.Publish("b", []byte("hi")))
	require.Equal(t, "*3\r\n$7\r\nmessage\r\n$1\r\nb\r\n$2\r\nhi\r\n", c.read())
	c.send(encodeCommand("unsubscribe"))
	require.Equal(t, "*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n", c.read())
	require.Equal(t, "*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:0\r\n", c.read())
	require.Equal(t, "*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n", c.do("unsubscribe"), "nothing left to leave")
	require.Equal(t, "$-1\r\n", c.do("tget", "k"), "out of subscribe mode")
	require.Equal(t, "*3\r\n$10\r\npsubscribe\r\n$2\r\nx*\r\n:1\r\n", c.do("psubscribe", "x*"))
	require.Equal(t, "+RESET\r\n", c.do("reset"))
	require.Equal(t, 0, ts.srv.Publish("xy", []byte("gone")), "RESET drops subscriptions")
}
