package replication

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/pikaraft/pikaraft/compat/binlog"
	"github.com/pikaraft/pikaraft/compat/replication/innerpb"
	"github.com/pikaraft/pikaraft/compat/replication/wire"
)

// Replies with Pika's wording (src/pika_repl_server_conn.cc).
const (
	replyBadAuth      = "Auth with master error, Invalid masterauth"
	replyAlreadyExist = "Slave AlreadyExist"
	replyNoDB         = "DB not found"
)

// writeTimeout bounds one send to a replica.
const writeTimeout = 30 * time.Second

// replConn is one replica connection on P+2000; replies and binlog pushes
// share it.
type replConn struct {
	c   net.Conn
	id  int64 // printed as conn_fd in INFO
	wmu sync.Mutex
}

// send writes one response frame.
func (rc *replConn) send(m *innerpb.InnerResponse) error {
	b, err := wire.Marshal(m)
	if err != nil {
		return err
	}
	rc.wmu.Lock()
	defer rc.wmu.Unlock()
	_ = rc.c.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := rc.c.Write(wire.AppendFrame(make([]byte, 0, 4+len(b)), b)); err != nil {
		rc.c.Close()
		return fmt.Errorf("send %s to %s: %w", m.GetType(), rc.c.RemoteAddr(), err)
	}
	return nil
}

// slave is a registered classic replica (by its ip and main port).
type slave struct {
	ip    string
	port  int
	conn  *replConn
	links map[int]*link // by database
}

func nodeKey(n *innerpb.Node) string {
	return net.JoinHostPort(n.GetIp(), strconv.Itoa(int(n.GetPort())))
}

// serveRepl reads requests until the connection ends, then forgets the
// replicas registered through it (Pika's DeleteSlave(fd)).
func (s *Server) serveRepl(c net.Conn) {
	rc := &replConn{c: c, id: s.connSeq.Add(1)}
	log := s.cfg.Logger.With("replica_conn", c.RemoteAddr().String())
	defer s.dropConn(rc)
	for {
		_ = c.SetReadDeadline(time.Now().Add(s.cfg.IdleTimeout))
		var req innerpb.InnerRequest
		if err := wire.ReadMsg(c, 0, &req); err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				log.Info("replication: replica connection closed", "error", err)
			}
			return
		}
		if err := s.handle(rc, &req); err != nil {
			log.Warn("replication: closing replica connection", "error", err)
			return
		}
	}
}

// handle answers one request; an error closes the connection.
func (s *Server) handle(rc *replConn, req *innerpb.InnerRequest) error {
	switch req.GetType() {
	case innerpb.Type_kMetaSync:
		if req.MetaSync == nil {
			return errors.New("MetaSync request without meta_sync")
		}
		return s.handleMetaSync(rc, req.MetaSync)
	case innerpb.Type_kTrySync:
		if req.TrySync == nil {
			return errors.New("TrySync request without try_sync")
		}
		return s.handleTrySync(rc, req.TrySync)
	case innerpb.Type_kDBSync:
		if req.DbSync == nil {
			return errors.New("DBSync request without db_sync")
		}
		return s.handleDBSync(rc, req.DbSync)
	case innerpb.Type_kBinlogSync:
		if req.BinlogSync == nil {
			return errors.New("BinlogSync request without binlog_sync")
		}
		return s.handleBinlogSync(rc, req.BinlogSync)
	case innerpb.Type_kRemoveSlaveNode:
		return s.handleRemoveSlaveNode(rc, req.RemoveSlaveNode)
	}
	s.cfg.Logger.Warn("replication: unknown request type ignored", "type", req.GetType().String())
	return nil
}

func (s *Server) handleMetaSync(rc *replConn, m *innerpb.InnerRequest_MetaSync) error {
	resp := &innerpb.InnerResponse{Type: innerpb.Type_kMetaSync.Enum()}
	node := m.GetNode()
	key := nodeKey(node)
	log := s.cfg.Logger.With("replica", key)
	if pass := s.cfg.Settings.String("requirepass"); pass != "" && m.GetAuth() != pass {
		log.Warn("replication: MetaSync refused: masterauth does not match requirepass")
		resp.Code, resp.Reply = innerpb.StatusCode_kError.Enum(), proto.String(replyBadAuth)
		return rc.send(resp)
	}
	s.mu.Lock()
	if old, ok := s.slaves[key]; ok && old.conn != rc {
		s.mu.Unlock()
		log.Info("replication: MetaSync from a replica still registered on another connection")
		resp.Code, resp.Reply = innerpb.StatusCode_kOther.Enum(), proto.String(replyAlreadyExist)
		return rc.send(resp)
	} else if !ok {
		s.slaves[key] = &slave{ip: node.GetIp(), port: int(node.GetPort()), conn: rc, links: map[int]*link{}}
	}
	s.mu.Unlock()
	ms := &innerpb.InnerResponse_MetaSync{
		ClassicMode:   proto.Bool(true),
		RunId:         proto.String(s.cfg.RunID),
		ReplicationId: proto.String(s.cfg.ReplicationID),
	}
	for i := 0; i < s.cfg.Databases; i++ {
		ms.DbsInfo = append(ms.DbsInfo, &innerpb.InnerResponse_MetaSync_DBInfo{DbName: proto.String(dbName(i)), SlotNum: proto.Int32(1)})
	}
	resp.Code, resp.MetaSync = innerpb.StatusCode_kOk.Enum(), ms
	log.Info("replication: replica registered (MetaSync)")
	return rc.send(resp)
}

func slotOf(name string) *innerpb.Slot {
	return &innerpb.Slot{DbName: proto.String(name), SlotId: proto.Uint32(0)}
}

func (s *Server) handleTrySync(rc *replConn, m *innerpb.InnerRequest_TrySync) error {
	resp := &innerpb.InnerResponse{Type: innerpb.Type_kTrySync.Enum()}
	name := m.GetSlot().GetDbName()
	db, ok := parseDBName(name, s.cfg.Databases)
	if !ok {
		resp.Code, resp.Reply = innerpb.StatusCode_kError.Enum(), proto.String(replyNoDB)
		return rc.send(resp)
	}
	prod := s.producer(db)
	want := binlog.Position{Filenum: m.GetBinlogOffset().GetFilenum(), Offset: m.GetBinlogOffset().GetOffset()}
	ts := &innerpb.InnerResponse_TrySync{
		Slot:         slotOf(name),
		BinlogOffset: &innerpb.BinlogOffset{Filenum: proto.Uint32(prod.Filenum), Offset: proto.Uint64(prod.Offset)},
	}
	resp.Code, resp.TrySync = innerpb.StatusCode_kOk.Enum(), ts
	log := s.cfg.Logger.With("replica", nodeKey(m.GetNode()), "db", name, "offset", want.String(), "producer", prod.String())
	code := s.offsetCheck(db, prod, want)
	ts.ReplyCode = code.Enum()
	if code == innerpb.InnerResponse_TrySync_kOk {
		l := s.link(rc, m.GetNode(), db)
		ts.SessionId = proto.Int32(l.session)
		log.Info("replication: TrySync accepted, incremental sync", "session", l.session)
	} else {
		log.Info("replication: TrySync refused", "reply_code", code.String())
	}
	return rc.send(resp)
}

// offsetCheck is Pika's TrySyncOffsetCheck: can db continue from want?
func (s *Server) offsetCheck(db int, prod, want binlog.Position) innerpb.InnerResponse_TrySync_ReplyCode {
	if prod.Less(want) {
		return innerpb.InnerResponse_TrySync_kSyncPointLarger
	}
	dir := s.cfg.Binlog.Dir(db)
	if _, err := os.Stat(filepath.Join(dir, binlog.FileName(want.Filenum))); err != nil {
		return innerpb.InnerResponse_TrySync_kSyncPointBePurged
	}
	r, err := binlog.OpenReader(dir, want.Filenum, want.Offset)
	if err != nil {
		return innerpb.InnerResponse_TrySync_kError
	}
	defer r.Close()
	if r.ValidEnd() != want {
		return innerpb.InnerResponse_TrySync_kError
	}
	return innerpb.InnerResponse_TrySync_kOk
}

func (s *Server) handleDBSync(rc *replConn, m *innerpb.InnerRequest_DBSync) error {
	resp := &innerpb.InnerResponse{Type: innerpb.Type_kDBSync.Enum()}
	name := m.GetSlot().GetDbName()
	db, ok := parseDBName(name, s.cfg.Databases)
	if !ok {
		resp.Code, resp.Reply = innerpb.StatusCode_kError.Enum(), proto.String(replyNoDB)
		return rc.send(resp)
	}
	l := s.link(rc, m.GetNode(), db)
	l.startFullSync()
	s.dumps.ensure(db, m.GetBinlogOffset().GetFilenum())
	s.cfg.Logger.Info("replication: full sync requested (DBSync)", "replica", nodeKey(m.GetNode()), "db", name, "session", l.session)
	resp.Code = innerpb.StatusCode_kOk.Enum()
	resp.DbSync = &innerpb.InnerResponse_DBSync{Slot: slotOf(name), SessionId: proto.Int32(l.session)}
	return rc.send(resp)
}

func (s *Server) handleBinlogSync(rc *replConn, m *innerpb.InnerRequest_BinlogSync) error {
	db, ok := parseDBName(m.GetDbName(), s.cfg.Databases)
	if !ok {
		return fmt.Errorf("BinlogSync for unknown db %q", m.GetDbName())
	}
	s.mu.Lock()
	var l *link
	if sl := s.slaves[nodeKey(m.GetNode())]; sl != nil {
		l = sl.links[db]
	}
	s.mu.Unlock()
	if l == nil || l.session != m.GetSessionId() {
		s.cfg.Logger.Info("replication: BinlogSync with an unknown session ignored", "replica", nodeKey(m.GetNode()), "db", m.GetDbName(), "session", m.GetSessionId())
		return nil
	}
	start, end := toPos(m.GetAckRangeStart()), toPos(m.GetAckRangeEnd())
	if m.GetFirstSend() {
		if start != end {
			return fmt.Errorf("first BinlogSync of %s with start %s != end %s", m.GetDbName(), start, end)
		}
		return l.activate(rc, start)
	}
	return l.ack(start, end)
}

func (s *Server) handleRemoveSlaveNode(rc *replConn, ms []*innerpb.InnerRequest_RemoveSlaveNode) error {
	resp := &innerpb.InnerResponse{Type: innerpb.Type_kRemoveSlaveNode.Enum(), Code: innerpb.StatusCode_kOk.Enum()}
	for _, m := range ms {
		name := m.GetSlot().GetDbName()
		if db, ok := parseDBName(name, s.cfg.Databases); ok {
			s.removeLink(nodeKey(m.GetNode()), db)
			s.cfg.Logger.Info("replication: replica left a db (RemoveSlaveNode)", "replica", nodeKey(m.GetNode()), "db", name)
		}
		resp.RemoveSlaveNode = append(resp.RemoveSlaveNode, &innerpb.InnerResponse_RemoveSlaveNode{
			Node: &innerpb.Node{Ip: proto.String(s.cfg.Host), Port: proto.Int32(int32(s.cfg.Port))},
			Slot: slotOf(name),
		})
	}
	return rc.send(resp)
}

// link returns the replica's link for db, creating it (and the replica's
// registration) with a new session id if needed; an existing link keeps
// its session (Pika's TrySyncUpdateSlaveNode).
func (s *Server) link(rc *replConn, node *innerpb.Node, db int) *link {
	key := nodeKey(node)
	s.mu.Lock()
	defer s.mu.Unlock()
	sl := s.slaves[key]
	if sl == nil {
		sl = &slave{ip: node.GetIp(), port: int(node.GetPort()), conn: rc, links: map[int]*link{}}
		s.slaves[key] = sl
	}
	if l := sl.links[db]; l != nil {
		return l
	}
	l := newLink(s, sl, db, s.sessions[db])
	s.sessions[db]++
	sl.links[db] = l
	return l
}

// removeLink forgets one replica's db and stops its stream.
func (s *Server) removeLink(key string, db int) {
	s.mu.Lock()
	var l *link
	if sl := s.slaves[key]; sl != nil {
		l = sl.links[db]
		delete(sl.links, db)
	}
	s.mu.Unlock()
	if l != nil {
		l.halt()
	}
}

// detach removes l from its replica if it is still registered (the
// sender calls it on a receive timeout).
func (s *Server) detach(l *link) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sl := s.slaves[net.JoinHostPort(l.sl.ip, strconv.Itoa(l.sl.port))]; sl != nil && sl.links[l.db] == l {
		delete(sl.links, l.db)
	}
}

// dropConn forgets every replica registered through rc.
func (s *Server) dropConn(rc *replConn) {
	var links []*link
	s.mu.Lock()
	for key, sl := range s.slaves {
		if sl.conn != rc {
			continue
		}
		for _, l := range sl.links {
			links = append(links, l)
		}
		delete(s.slaves, key)
		s.cfg.Logger.Info("replication: replica disconnected", "replica", key)
	}
	s.mu.Unlock()
	for _, l := range links {
		l.halt()
	}
}

func toPos(o *innerpb.BinlogOffset) binlog.Position {
	return binlog.Position{Filenum: o.GetFilenum(), Offset: o.GetOffset()}
}
