package replica

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/pikaraft/pikaraft/compat/binlog"
	"github.com/pikaraft/pikaraft/compat/replication/innerpb"
	"github.com/pikaraft/pikaraft/compat/replication/throttle"
	"github.com/pikaraft/pikaraft/compat/replication/wire"
	"github.com/pikaraft/pikaraft/engine"
)

// ErrRefused is a refusal that stops the replica (ERROR state): a bad
// masterauth, another replication id, other databases.
var ErrRefused = errors.New("replica: refused by the master")

// Replica follows a master.
type Replica struct {
	cfg     Config
	limiter *throttle.Limiter

	engMu sync.RWMutex // held for writing while a dump is swapped in
	eng   *engine.Engine
	logs  *binlog.Set
	// batchMu is held for writing while one batch of received items is
	// appended, applied and counted, so Producer never shows a position
	// whose items are not yet applied and counted in Stats.
	batchMu sync.RWMutex

	mu     sync.Mutex
	master string
	replID string
	states []State
	err    error
	stats  Stats
	conn   net.Conn

	stop chan struct{}
	done chan struct{}
}

// Open opens (creating) the replica's engine and binlog under cfg.Dir.
func Open(cfg Config) (*Replica, error) {
	if err := cfg.fill(); err != nil {
		return nil, err
	}
	eng, err := engine.Open(filepath.Join(cfg.Dir, "db"), engine.Options{Databases: cfg.Databases})
	if err != nil {
		return nil, fmt.Errorf("replica: %w", err)
	}
	logs, err := binlog.OpenSet(filepath.Join(cfg.Dir, "log"), cfg.Databases, binlog.Options{FileSize: cfg.BinlogFileSize})
	if err != nil {
		eng.Close()
		return nil, fmt.Errorf("replica: %w", err)
	}
	r := &Replica{cfg: cfg, eng: eng, logs: logs, master: cfg.Master, replID: cfg.ReplicationID,
		states: make([]State, cfg.Databases), stop: make(chan struct{}), done: make(chan struct{})}
	r.limiter = throttle.New(cfg.Throttle)
	return r, nil
}

// Start runs the replication in the background.
func (r *Replica) Start() { go r.run() }

// Close stops replicating and closes the engine and the binlog.
func (r *Replica) Close() error {
	select {
	case <-r.stop:
	default:
		close(r.stop)
	}
	r.mu.Lock()
	if r.conn != nil {
		r.conn.Close()
	}
	r.mu.Unlock()
	<-r.done
	err := r.logs.Close()
	r.engMu.Lock()
	defer r.engMu.Unlock()
	if cerr := r.eng.Close(); err == nil {
		err = cerr
	}
	return err
}

// View runs fn with the engine (not while a dump is being swapped in).
func (r *Replica) View(fn func(*engine.Engine) error) error {
	r.engMu.RLock()
	defer r.engMu.RUnlock()
	return fn(r.eng)
}

// Producer returns database db's binlog producer position; every item
// before it has been applied.
func (r *Replica) Producer(db int) binlog.Position {
	r.batchMu.RLock()
	defer r.batchMu.RUnlock()
	return r.logs.DB(db).Producer()
}

// States returns every database's state.
func (r *Replica) States() []State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]State(nil), r.states...)
}

// Err returns the error that stopped the replica, if any.
func (r *Replica) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Stats returns the counters.
func (r *Replica) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stats
}

// ReplicationID returns the replication id (adopted from the master).
func (r *Replica) ReplicationID() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.replID
}

// SetMaster points the replica at another master (SLAVEOF host port):
// the link is closed and the next one continues from the same offsets.
func (r *Replica) SetMaster(addr string) {
	r.mu.Lock()
	r.master = addr
	if r.conn != nil {
		r.conn.Close()
	}
	r.mu.Unlock()
}

func (r *Replica) setState(db int, s State) {
	r.mu.Lock()
	r.states[db] = s
	r.mu.Unlock()
}

func (r *Replica) state(db int) State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.states[db]
}

func (r *Replica) count(fn func(*Stats)) {
	r.mu.Lock()
	fn(&r.stats)
	r.mu.Unlock()
}

func (r *Replica) stopped() bool {
	select {
	case <-r.stop:
		return true
	default:
		return false
	}
}

// run connects again and again until Close or a refusal.
func (r *Replica) run() {
	defer close(r.done)
	for !r.stopped() {
		err := r.session()
		if r.stopped() {
			return
		}
		if errors.Is(err, ErrRefused) {
			r.mu.Lock()
			r.err = err
			for i := range r.states {
				r.states[i] = Error
			}
			r.mu.Unlock()
			r.cfg.Logger.Error("replica: stopped", "error", err)
			return
		}
		r.cfg.Logger.Info("replica: link down, reconnecting", "error", err)
		select {
		case <-r.stop:
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// localIP learns the local address by connecting to the master's client
// port (PikaReplClient::SendMetaSync).
func (r *Replica) localIP(master string) (string, error) {
	if r.cfg.LocalIP != "" {
		return r.cfg.LocalIP, nil
	}
	c, err := net.DialTimeout("tcp", master, 1500*time.Millisecond)
	if err != nil {
		return "", fmt.Errorf("learn the local ip: %w", err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.TCPAddr).IP.String(), nil
}

// shift returns host:port+n of a host:port address.
func shift(addr string, n int) (string, error) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return "", fmt.Errorf("master port %q: %w", p, err)
	}
	return net.JoinHostPort(h, strconv.Itoa(port+n)), nil
}

// link is one connection's life: MetaSync then the per-db state machine.
type link struct {
	r      *Replica
	c      net.Conn
	master string
	node   *innerpb.Node
	sess   []int32
	recv   []time.Time
	events chan event
	wmu    sync.Mutex
	stop   chan struct{}
	wg     sync.WaitGroup
}

// event is the end of a file transfer.
type event struct {
	db  int
	err error
}

func (r *Replica) session() error {
	r.mu.Lock()
	master := r.master
	r.mu.Unlock()
	ip, err := r.localIP(master)
	if err != nil {
		return err
	}
	addr, err := shift(master, 2000)
	if err != nil {
		return err
	}
	c, err := net.DialTimeout("tcp", addr, 3*time.Second)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", addr, err)
	}
	r.mu.Lock()
	r.conn = c
	r.mu.Unlock()
	l := &link{r: r, c: c, master: master, node: &innerpb.Node{Ip: proto.String(ip), Port: proto.Int32(int32(r.cfg.LocalPort))},
		sess: make([]int32, r.cfg.Databases), recv: make([]time.Time, r.cfg.Databases),
		events: make(chan event, r.cfg.Databases), stop: make(chan struct{})}
	defer func() {
		close(l.stop)
		c.Close()
		l.wg.Wait()
		for db := range r.cfg.Databases {
			if r.state(db) != Error {
				r.setState(db, NoConnect)
			}
		}
	}()
	msgs := make(chan *innerpb.InnerResponse, 16)
	rerr := make(chan error, 1)
	go func() {
		for {
			var m innerpb.InnerResponse
			if err := wire.ReadMsg(c, 0, &m); err != nil {
				rerr <- err
				return
			}
			select {
			case msgs <- &m:
			case <-l.stop:
				return
			}
		}
	}()
	if err := l.metaSync(msgs, rerr); err != nil {
		return err
	}
	return l.loop(msgs, rerr)
}

func (l *link) send(m *innerpb.InnerRequest) error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	_ = l.c.SetWriteDeadline(time.Now().Add(30 * time.Second))
	return wire.WriteMsg(l.c, m)
}

// metaSync registers with the master and settles the replication id.
func (l *link) metaSync(msgs <-chan *innerpb.InnerResponse, rerr <-chan error) error {
	r := l.r
	ms := &innerpb.InnerRequest_MetaSync{Node: l.node}
	if r.cfg.MasterAuth != "" {
		ms.Auth = proto.String(r.cfg.MasterAuth)
	}
	if err := l.send(&innerpb.InnerRequest{Type: innerpb.Type_kMetaSync.Enum(), MetaSync: ms}); err != nil {
		return err
	}
	var m *innerpb.InnerResponse
	select {
	case m = <-msgs:
	case err := <-rerr:
		return err
	case <-time.After(10 * time.Second):
		return errors.New("no MetaSync reply in 10 s")
	case <-r.stop:
		return nil
	}
	if m.GetType() != innerpb.Type_kMetaSync {
		return fmt.Errorf("expected a MetaSync reply, got %s", m.GetType())
	}
	switch m.GetCode() {
	case innerpb.StatusCode_kOk:
	case innerpb.StatusCode_kOther:
		return fmt.Errorf("MetaSync: %s", m.GetReply())
	default:
		return fmt.Errorf("%w: MetaSync: %s", ErrRefused, m.GetReply())
	}
	meta := m.GetMetaSync()
	if len(meta.GetDbsInfo()) != r.cfg.Databases {
		return fmt.Errorf("%w: the master has %d databases, this replica %d", ErrRefused, len(meta.GetDbsInfo()), r.cfg.Databases)
	}
	for i, d := range meta.GetDbsInfo() {
		if d.GetDbName() != fmt.Sprintf("db%d", i) {
			return fmt.Errorf("%w: master database %q", ErrRefused, d.GetDbName())
		}
	}
	id := meta.GetReplicationId()
	if id == "" {
		return errors.New("MetaSync: the master sent no replication id")
	}
	force := r.cfg.ForceFullSync
	r.mu.Lock()
	switch {
	case r.replID == "":
		r.replID, force = id, true
	case r.replID != id:
		local := r.replID
		r.mu.Unlock()
		return fmt.Errorf("%w: replication id %s of the master is inconsistent with ours %s", ErrRefused, id, local)
	}
	r.cfg.ForceFullSync = false
	for db := range r.states {
		if force {
			r.states[db] = TryDBSync
		} else {
			r.states[db] = TryConnect
		}
	}
	r.mu.Unlock()
	r.cfg.Logger.Info("replica: MetaSync done", "master", l.master, "run_id", meta.GetRunId(), "replication_id", id, "full_sync", force)
	return nil
}

// loop runs the per-database state machine until the link ends.
func (l *link) loop(msgs <-chan *innerpb.InnerResponse, rerr <-chan error) error {
	r := l.r
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := l.step(); err != nil {
			return err
		}
		select {
		case <-r.stop:
			return nil
		case err := <-rerr:
			return err
		case m := <-msgs:
			if err := l.handle(m); err != nil {
				return err
			}
		case ev := <-l.events:
			l.transferDone(ev)
		case <-tick.C:
			now := time.Now()
			for db := range r.cfg.Databases {
				if r.state(db) == Connected && now.Sub(l.recv[db]) > r.cfg.RecvTimeout {
					r.cfg.Logger.Warn("replica: nothing from the master, trying to reconnect the db", "db", db)
					r.setState(db, TryConnect)
				}
			}
		}
	}
}

func slotOf(db int) *innerpb.Slot {
	return &innerpb.Slot{DbName: proto.String(fmt.Sprintf("db%d", db)), SlotId: proto.Uint32(0)}
}

func offsetOf(p binlog.Position) *innerpb.BinlogOffset {
	return &innerpb.BinlogOffset{Filenum: proto.Uint32(p.Filenum), Offset: proto.Uint64(p.Offset)}
}

// step sends TrySync / DBSync for the databases that need one.
func (l *link) step() error {
	r := l.r
	for db := range r.cfg.Databases {
		switch r.state(db) {
		case TryConnect:
			r.setState(db, WaitReply)
			if err := l.send(&innerpb.InnerRequest{Type: innerpb.Type_kTrySync.Enum(), TrySync: &innerpb.InnerRequest_TrySync{
				Node: l.node, Slot: slotOf(db), BinlogOffset: offsetOf(r.Producer(db))}}); err != nil {
				return err
			}
		case TryDBSync:
			if err := r.prepareDBSync(db); err != nil {
				return err
			}
			r.setState(db, WaitReply)
			if err := l.send(&innerpb.InnerRequest{Type: innerpb.Type_kDBSync.Enum(), DbSync: &innerpb.InnerRequest_DBSync{
				Node: l.node, Slot: slotOf(db), BinlogOffset: offsetOf(r.Producer(db))}}); err != nil {
				return err
			}
		}
	}
	return nil
}

func dbIndex(name string, n int) (int, bool) {
	for i := range n {
		if name == fmt.Sprintf("db%d", i) {
			return i, true
		}
	}
	return 0, false
}

// handle processes one master message.
func (l *link) handle(m *innerpb.InnerResponse) error {
	r := l.r
	switch m.GetType() {
	case innerpb.Type_kTrySync:
		ts := m.GetTrySync()
		db, ok := dbIndex(ts.GetSlot().GetDbName(), r.cfg.Databases)
		if !ok || m.GetCode() != innerpb.StatusCode_kOk {
			r.cfg.Logger.Error("replica: TrySync failed", "db", ts.GetSlot().GetDbName(), "reply", m.GetReply())
			if ok {
				r.setState(db, Error)
			}
			return nil
		}
		switch ts.GetReplyCode() {
		case innerpb.InnerResponse_TrySync_kOk:
			l.sess[db] = ts.GetSessionId()
			p := r.Producer(db)
			off := &innerpb.BinlogOffset{Filenum: proto.Uint32(p.Filenum), Offset: proto.Uint64(p.Offset), Term: proto.Uint32(0), Index: proto.Uint64(0)}
			l.recv[db] = time.Now()
			r.setState(db, Connected)
			r.cfg.Logger.Info("replica: incremental sync", "db", db, "offset", p.String(), "session", l.sess[db])
			return l.send(&innerpb.InnerRequest{Type: innerpb.Type_kBinlogSync.Enum(), BinlogSync: &innerpb.InnerRequest_BinlogSync{
				Node: l.node, DbName: proto.String(fmt.Sprintf("db%d", db)), SlotId: proto.Uint32(0),
				AckRangeStart: off, AckRangeEnd: proto.Clone(off).(*innerpb.BinlogOffset),
				SessionId: proto.Int32(l.sess[db]), FirstSend: proto.Bool(true)}})
		case innerpb.InnerResponse_TrySync_kSyncPointBePurged:
			r.cfg.Logger.Info("replica: the master purged our position, full sync", "db", db)
			r.setState(db, TryDBSync)
		default:
			r.cfg.Logger.Error("replica: TrySync refused", "db", db, "reply_code", ts.GetReplyCode().String())
			r.setState(db, Error)
		}
	case innerpb.Type_kDBSync:
		ds := m.GetDbSync()
		db, ok := dbIndex(ds.GetSlot().GetDbName(), r.cfg.Databases)
		if !ok || m.GetCode() != innerpb.StatusCode_kOk {
			r.cfg.Logger.Error("replica: DBSync failed", "reply", m.GetReply())
			if ok {
				r.setState(db, Error)
			}
			return nil
		}
		l.sess[db] = ds.GetSessionId()
		r.setState(db, WaitDBSync)
		l.startTransfer(db)
	case innerpb.Type_kBinlogSync:
		return l.applyBatch(m.GetBinlogSync())
	case innerpb.Type_kMetaSync, innerpb.Type_kRemoveSlaveNode:
	default:
		r.cfg.Logger.Warn("replica: unexpected message", "type", m.GetType().String())
	}
	return nil
}

// prepareDBSync empties the database's receive directory (Pika's
// SendDBSyncRequest).
func (r *Replica) prepareDBSync(db int) error {
	dir := r.syncDir(db)
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("replica: %w", err)
	}
	return os.MkdirAll(dir, 0o755)
}

func (r *Replica) syncDir(db int) string {
	return filepath.Join(r.cfg.Dir, "dbsync", fmt.Sprintf("db%d", db))
}
