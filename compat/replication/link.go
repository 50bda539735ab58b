package replication

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/pikaraft/pikaraft/compat/binlog"
	"github.com/pikaraft/pikaraft/compat/replication/innerpb"
)

// Link states (Pika's SlaveState).
const (
	stateNone = iota
	stateFullSync
	stateBinlogSync
)

// maxMessageBytes caps the binlog bytes of one pushed message: the
// smallest max-conn-rbuf-size a replica can have (64 MiB).
const maxMessageBytes = 64 << 20

// link is one replica's stream of one database: its session, its state
// and, in binlog sync, the send window and the goroutine that pushes items
// from the binlog files.
type link struct {
	s       *Server
	sl      *slave
	db      int
	session int32

	mu       sync.Mutex
	state    int
	conn     *replConn
	consumer *binlog.Consumer
	window   []binlog.Position // end offsets of sent, unacked items
	sent     binlog.Position
	acked    binlog.Position
	lastRecv time.Time
	lastSend time.Time
	stop     chan struct{} // closes the current sender
	done     chan struct{} // closed when it has exited
	wake     chan struct{}
	halted   bool
}

func newLink(s *Server, sl *slave, db int, session int32) *link {
	return &link{s: s, sl: sl, db: db, session: session, consumer: s.cfg.Binlog.RegisterConsumer(db),
		wake: make(chan struct{}, 1), lastRecv: time.Now()}
}

func (l *link) isFullSync() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.state == stateFullSync
}

// startFullSync marks the link as in full sync: nothing is purged until
// the replica continues with binlog sync.
func (l *link) startFullSync() {
	l.stopSender()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.state, l.window = stateFullSync, nil
	l.lastRecv = time.Now()
	l.consumer.SetFullSync(true)
}

// activate starts streaming from pos (the first BinlogSync of a session).
func (l *link) activate(rc *replConn, pos binlog.Position) error {
	l.stopSender()
	r, err := binlog.OpenReader(l.s.cfg.Binlog.Dir(l.db), pos.Filenum, pos.Offset)
	if err != nil {
		return fmt.Errorf("open the binlog of %s at %s: %w", dbName(l.db), pos, err)
	}
	l.mu.Lock()
	if l.halted {
		l.mu.Unlock()
		r.Close()
		return nil
	}
	now := time.Now()
	l.state, l.conn = stateBinlogSync, rc
	l.window, l.sent, l.acked = nil, pos, pos
	l.lastRecv, l.lastSend = now, now
	l.consumer.SetFullSync(false)
	l.consumer.SetAcked(pos.Filenum)
	l.stop, l.done = make(chan struct{}), make(chan struct{})
	stop, done := l.stop, l.done
	l.mu.Unlock()
	l.s.cfg.Logger.Info("replication: binlog sync started", "replica", rc.c.RemoteAddr().String(), "db", dbName(l.db), "offset", pos.String(), "session", l.session)
	go l.run(r, stop, done)
	return nil
}

// ack handles a BinlogSync ack: a zero range is a keepalive answer;
// otherwise both ends must be items of the window (Pika closes the
// connection when they are not).
func (l *link) ack(start, end binlog.Position) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lastRecv = time.Now()
	if start == (binlog.Position{}) && end == (binlog.Position{}) {
		return nil
	}
	if l.state != stateBinlogSync {
		return nil
	}
	si, ei := -1, -1
	for i, p := range l.window {
		if p == start && si < 0 {
			si = i
		}
		if p == end {
			ei = i
		}
	}
	if si < 0 || ei < si {
		return fmt.Errorf("ack %s..%s of %s is not in the send window (%d items after %s): offsets differ from ours",
			start, end, dbName(l.db), len(l.window), l.acked)
	}
	l.window = append(l.window[:0], l.window[ei+1:]...)
	l.acked = end
	l.consumer.SetAcked(end.Filenum)
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return nil
}

// stopSender stops the pushing goroutine, if any, and waits for it.
func (l *link) stopSender() {
	l.mu.Lock()
	stop, done := l.stop, l.done
	l.stop, l.done = nil, nil
	l.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

// halt ends the link for good.
func (l *link) halt() {
	l.stopSender()
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.halted {
		l.halted = true
		l.state = stateNone
		l.consumer.Close()
	}
}

// run pushes binlog items and keepalives until stopped. A receive
// timeout drops the link; a read or send error closes the connection.
func (l *link) run(r *binlog.Reader, stop, done chan struct{}) {
	defer close(done)
	defer r.Close()
	tick := time.NewTicker(min(50*time.Millisecond, l.s.cfg.SendKeepAlive/4))
	defer tick.Stop()
	log := l.s.cfg.Logger.With("replica", l.conn.c.RemoteAddr().String(), "db", dbName(l.db))
	for {
		select {
		case <-stop:
			return
		case <-l.wake:
		case <-tick.C:
		}
		err := l.pump(r, stop)
		if errors.Is(err, errRecvTimeout) {
			log.Warn("replication: no message from the replica, dropping it from the db", "timeout", l.s.cfg.RecvTimeout)
			l.s.detach(l)
			go l.halt()
			return
		}
		if err != nil {
			log.Warn("replication: binlog sync stopped, closing the connection", "error", err)
			l.conn.c.Close()
			return
		}
	}
}

var errRecvTimeout = errors.New("receive timeout")

// pump fills the window from the binlog and sends what it read, or a
// keepalive when the replica has acked everything and nothing was sent
// for SendKeepAlive.
func (l *link) pump(r *binlog.Reader, stop chan struct{}) error {
	now := time.Now()
	l.mu.Lock()
	if now.Sub(l.lastRecv) > l.s.cfg.RecvTimeout {
		l.mu.Unlock()
		return errRecvTimeout
	}
	room := l.s.cfg.windowSize() - len(l.window)
	conn := l.conn
	l.mu.Unlock()
	for room > 0 {
		var batch []*innerpb.InnerResponse_BinlogSync
		var ends []binlog.Position
		size := 0
		for room > 0 && len(batch) < entriesPerMessage && size < maxMessageBytes {
			it, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return fmt.Errorf("read binlog: %w", err)
			}
			raw := binlog.AppendItem(nil, &it.Item)
			batch = append(batch, &innerpb.InnerResponse_BinlogSync{
				Slot: slotOf(dbName(l.db)),
				BinlogOffset: &innerpb.BinlogOffset{Filenum: proto.Uint32(it.End.Filenum), Offset: proto.Uint64(it.End.Offset),
					Term: proto.Uint32(it.Term), Index: proto.Uint64(it.Index)},
				Binlog:    raw,
				SessionId: proto.Int32(l.session),
			})
			ends = append(ends, it.End)
			size += len(raw)
			room--
		}
		if len(batch) == 0 {
			break
		}
		l.mu.Lock()
		l.window = append(l.window, ends...)
		l.sent = ends[len(ends)-1]
		l.lastSend = time.Now()
		l.mu.Unlock()
		if err := conn.send(&innerpb.InnerResponse{Type: innerpb.Type_kBinlogSync.Enum(), Code: innerpb.StatusCode_kOk.Enum(), BinlogSync: batch}); err != nil {
			return err
		}
		select {
		case <-stop:
			return nil
		default:
		}
	}
	l.mu.Lock()
	idle := len(l.window) == 0 && now.Sub(l.lastSend) >= l.s.cfg.SendKeepAlive
	if idle {
		l.lastSend = now
	}
	l.mu.Unlock()
	if !idle {
		return nil
	}
	zero := &innerpb.BinlogOffset{Filenum: proto.Uint32(0), Offset: proto.Uint64(0), Term: proto.Uint32(0), Index: proto.Uint64(0)}
	return conn.send(&innerpb.InnerResponse{Type: innerpb.Type_kBinlogSync.Enum(), Code: innerpb.StatusCode_kOk.Enum(),
		BinlogSync: []*innerpb.InnerResponse_BinlogSync{{Slot: slotOf(dbName(l.db)), BinlogOffset: zero, Binlog: []byte{}, SessionId: proto.Int32(l.session)}}})
}

// status reports the link for INFO: lag in bytes behind the producer
// (Pika's formula, from the sent position) when streaming.
func (l *link) status() (state int, sent binlog.Position) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.state, l.sent
}
