package replication_test

import (
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/pikaraft/pikaraft/compat/replication/innerpb"
	"github.com/pikaraft/pikaraft/compat/replication/wire"
)

// TestSwitchMasterSameOffset: two masters with byte-identical binlogs (as
// every pikaraft node has); a replica of the first moves to the second
// (SLAVEOF other-node port) and continues at the same offset without a
// full sync.
func TestSwitchMasterSameOffset(t *testing.T) {
	a, b := startMaster(t, masterOpts{}), startMaster(t, masterOpts{})
	both := func(db int, args ...string) {
		a.do(db, args...)
		b.do(db, args...)
	}
	for i := 0; i < 200; i++ {
		both(i%2, "set", "k"+string(rune('a'+i%26)), "v")
		both(i%2, "sadd", "s", string(rune('a'+i%26)))
	}
	r := openReplica(t, replicaOpts{master: a.addr()})
	defer r.Close()
	r.Start()
	waitCaughtUp(t, r, a, 30*time.Second)
	for i := 0; i < 100; i++ {
		both(i%2, "rpush", "l", "x")
	}
	waitCaughtUp(t, r, a, 30*time.Second)
	require.Equal(t, a.set.DB(0).Producer(), b.set.DB(0).Producer())

	r.SetMaster(b.addr())
	for i := 0; i < 100; i++ {
		both(i%2, "hset", "h", "f"+string(rune('a'+i%26)), "v")
	}
	waitCaughtUp(t, r, b, 30*time.Second)
	require.Equal(t, 2, r.Stats().FullSyncs, "no full sync after the switch")
	requireSameData(t, r, b)
	require.Eventually(t, func() bool { return len(b.srv.Replicas()) == 1 && len(a.srv.Replicas()) == 0 }, 5*time.Second, 10*time.Millisecond)
}

// rawConn is a hand-driven replica connection.
type rawConn struct {
	t *testing.T
	c net.Conn
}

func dialRepl(t *testing.T, m *testMaster) *rawConn {
	c, err := net.Dial("tcp", "127.0.0.1:"+itoa(m.port+2000))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, c: c}
}

func (r *rawConn) send(m *innerpb.InnerRequest) { require.NoError(r.t, wire.WriteMsg(r.c, m)) }

func (r *rawConn) recv() *innerpb.InnerResponse {
	var m innerpb.InnerResponse
	_ = r.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	require.NoError(r.t, wire.ReadMsg(r.c, 0, &m))
	return &m
}

// recvType skips other messages (pushes of other dbs) until one of type typ.
func (r *rawConn) recvType(typ innerpb.Type) *innerpb.InnerResponse {
	for {
		if m := r.recv(); m.GetType() == typ {
			return m
		}
	}
}

// recvNonKeepalive skips keepalives.
func (r *rawConn) recvNonKeepalive() *innerpb.InnerResponse {
	for {
		m := r.recv()
		if m.GetType() != innerpb.Type_kBinlogSync || len(m.GetBinlogSync()[0].GetBinlog()) > 0 {
			return m
		}
	}
}

var testNode = &innerpb.Node{Ip: proto.String("127.0.0.1"), Port: proto.Int32(9510)}

func slot(db string) *innerpb.Slot {
	return &innerpb.Slot{DbName: proto.String(db), SlotId: proto.Uint32(0)}
}

func off(f uint32, o uint64) *innerpb.BinlogOffset {
	return &innerpb.BinlogOffset{Filenum: proto.Uint32(f), Offset: proto.Uint64(o)}
}

func off4(f uint32, o uint64, term uint32, idx uint64) *innerpb.BinlogOffset {
	return &innerpb.BinlogOffset{Filenum: proto.Uint32(f), Offset: proto.Uint64(o), Term: proto.Uint32(term), Index: proto.Uint64(idx)}
}

func (r *rawConn) metaSync() *innerpb.InnerResponse {
	r.send(&innerpb.InnerRequest{Type: innerpb.Type_kMetaSync.Enum(), MetaSync: &innerpb.InnerRequest_MetaSync{Node: testNode}})
	return r.recv()
}

func (r *rawConn) trySync(db string, f uint32, o uint64) *innerpb.InnerResponse {
	r.send(&innerpb.InnerRequest{Type: innerpb.Type_kTrySync.Enum(), TrySync: &innerpb.InnerRequest_TrySync{Node: testNode, Slot: slot(db), BinlogOffset: off(f, o)}})
	return r.recvType(innerpb.Type_kTrySync)
}

func (r *rawConn) binlogSync(db string, session int32, first bool, start, end *innerpb.BinlogOffset) {
	r.send(&innerpb.InnerRequest{Type: innerpb.Type_kBinlogSync.Enum(), BinlogSync: &innerpb.InnerRequest_BinlogSync{
		Node: testNode, DbName: proto.String(db), SlotId: proto.Uint32(0), AckRangeStart: start, AckRangeEnd: end,
		SessionId: proto.Int32(session), FirstSend: proto.Bool(first)}})
}

// TestTrySyncOffsetCheck: the reply codes of Pika's TrySyncOffsetCheck.
func TestTrySyncOffsetCheck(t *testing.T) {
	m := startMaster(t, masterOpts{})
	m.do(0, "set", "a", "1") // one item: 0..69 (the spec's worked example size + key/value)
	end := m.set.DB(0).Producer()
	rc := dialRepl(t, m)
	require.Equal(t, innerpb.StatusCode_kOk, rc.metaSync().GetCode())

	resp := rc.trySync("db0", 0, 0)
	require.Equal(t, innerpb.InnerResponse_TrySync_kOk, resp.GetTrySync().GetReplyCode())
	require.Equal(t, end.Offset, resp.GetTrySync().GetBinlogOffset().GetOffset(), "the master's producer offset")
	require.NotNil(t, resp.GetTrySync().SessionId)
	require.Equal(t, "db0", resp.GetTrySync().GetSlot().GetDbName())

	require.Equal(t, innerpb.InnerResponse_TrySync_kOk, rc.trySync("db0", 0, end.Offset).GetTrySync().GetReplyCode())
	require.Equal(t, innerpb.InnerResponse_TrySync_kSyncPointLarger, rc.trySync("db0", 0, end.Offset+1).GetTrySync().GetReplyCode())
	require.Equal(t, innerpb.InnerResponse_TrySync_kError, rc.trySync("db0", 0, 5).GetTrySync().GetReplyCode(), "not a record boundary")
	require.Equal(t, innerpb.InnerResponse_TrySync_kSyncPointLarger, rc.trySync("db0", 3, 0).GetTrySync().GetReplyCode())
	bad := rc.trySync("db9", 0, 0)
	require.Equal(t, innerpb.StatusCode_kError, bad.GetCode())
	require.Equal(t, "DB not found", bad.GetReply())
}

// TestStreamingAcksAndTimeouts drives a replica by hand: items arrive
// with their end offsets, keepalives when idle, an ack outside the window
// closes the connection, silence drops the replica, RemoveSlaveNode
// answers with the master's node.
func TestStreamingAcksAndTimeouts(t *testing.T) {
	m := startMaster(t, masterOpts{recv: 1500 * time.Millisecond})
	rc := dialRepl(t, m)
	require.Equal(t, innerpb.StatusCode_kOk, rc.metaSync().GetCode())
	// A second MetaSync from the same ip:port on another connection.
	other := dialRepl(t, m)
	dup := other.metaSync()
	require.Equal(t, innerpb.StatusCode_kOther, dup.GetCode())
	require.Equal(t, "Slave AlreadyExist", dup.GetReply())

	ts := rc.trySync("db0", 0, 0).GetTrySync()
	sess := ts.GetSessionId()
	rc.binlogSync("db0", sess, true, off4(0, 0, 0, 0), off4(0, 0, 0, 0))
	m.do(0, "set", "a", "1")
	m.do(0, "set", "b", "2")
	var got []*innerpb.InnerResponse_BinlogSync
	for len(got) < 2 {
		got = append(got, rc.recvNonKeepalive().GetBinlogSync()...)
	}
	require.Equal(t, m.set.DB(0).Producer().Offset, got[1].GetBinlogOffset().GetOffset())
	require.EqualValues(t, 1, got[0].GetBinlogOffset().GetTerm(), "the item's term")
	require.Equal(t, sess, got[0].GetSessionId())
	rc.binlogSync("db0", sess, false, got[0].GetBinlogOffset(), off4(0, got[1].GetBinlogOffset().GetOffset(), 1, 2))
	// Idle: keepalives with zero offsets and empty binlog.
	k := rc.recv()
	require.Equal(t, innerpb.Type_kBinlogSync, k.GetType())
	require.Empty(t, k.GetBinlogSync()[0].GetBinlog())
	require.Zero(t, k.GetBinlogSync()[0].GetBinlogOffset().GetOffset())
	rc.binlogSync("db0", sess, false, off4(0, 0, 0, 0), off4(0, 0, 0, 0))
	require.Len(t, m.srv.Replicas(), 1)

	// RemoveSlaveNode: the master answers with its own node.
	rc.send(&innerpb.InnerRequest{Type: innerpb.Type_kRemoveSlaveNode.Enum(), RemoveSlaveNode: []*innerpb.InnerRequest_RemoveSlaveNode{{Node: testNode, Slot: slot("db0")}}})
	rm := rc.recvType(innerpb.Type_kRemoveSlaveNode)
	require.Equal(t, innerpb.StatusCode_kOk, rm.GetCode())
	require.EqualValues(t, m.port, rm.GetRemoveSlaveNode()[0].GetNode().GetPort())
	require.Empty(t, m.srv.Replicas()[0].DBs)

	// Silence on a streaming db drops it after the receive timeout.
	ts = rc.trySync("db1", 0, 0).GetTrySync()
	rc.binlogSync("db1", ts.GetSessionId(), true, off4(0, 0, 0, 0), off4(0, 0, 0, 0))
	require.Eventually(t, func() bool { return len(m.srv.Replicas()[0].DBs) == 1 }, 2*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool { return len(m.srv.Replicas()[0].DBs) == 0 }, 5*time.Second, 50*time.Millisecond)

	// An ack of offsets the master never sent closes the connection.
	ts = rc.trySync("db1", 0, 0).GetTrySync()
	rc.binlogSync("db1", ts.GetSessionId(), true, off4(0, 0, 0, 0), off4(0, 0, 0, 0))
	rc.binlogSync("db1", ts.GetSessionId(), false, off4(0, 12345, 0, 1), off4(0, 12345, 0, 1))
	require.Eventually(t, func() bool {
		_ = rc.c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		var x innerpb.InnerResponse
		err := wire.ReadMsg(rc.c, 0, &x)
		return err != nil && !isTimeout(err)
	}, 5*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool { return len(m.srv.Replicas()) == 0 }, 5*time.Second, 10*time.Millisecond)
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

func itoa(i int) string { return strconv.Itoa(i) }
