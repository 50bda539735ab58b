package replica

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/pikaraft/pikaraft/compat/binlog"
	"github.com/pikaraft/pikaraft/compat/replication/innerpb"
	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/resp/command"
)

// applyBatch handles one BinlogSync message (Pika's
// PikaReplBgWorker::HandleBGWorkerWriteBinlog): per database, append each
// item's content to our binlog, apply it, then ack with the first item's
// master offset and our own producer offset.
func (l *link) applyBatch(entries []*innerpb.InnerResponse_BinlogSync) error {
	r := l.r
	byDB := map[int][]*innerpb.InnerResponse_BinlogSync{}
	var order []int
	for _, e := range entries {
		db, ok := dbIndex(e.GetSlot().GetDbName(), r.cfg.Databases)
		if !ok {
			continue
		}
		if _, seen := byDB[db]; !seen {
			order = append(order, db)
		}
		byDB[db] = append(byDB[db], e)
	}
	for _, db := range order {
		es := byDB[db]
		st := r.state(db)
		if st != Connected && st != WaitDBSync {
			continue
		}
		if es[0].GetSessionId() != l.sess[db] {
			r.cfg.Logger.Warn("replica: session changed, TrySync again", "db", db)
			r.setState(db, TryConnect)
			continue
		}
		l.recv[db] = time.Now()
		start, last, err := r.applyItems(db, es)
		if err != nil {
			return err
		}
		ack := &innerpb.InnerRequest_BinlogSync{Node: l.node, DbName: proto.String(fmt.Sprintf("db%d", db)), SlotId: proto.Uint32(0),
			SessionId: proto.Int32(l.sess[db]), FirstSend: proto.Bool(false)}
		if start == nil {
			zero := &innerpb.BinlogOffset{Filenum: proto.Uint32(0), Offset: proto.Uint64(0), Term: proto.Uint32(0), Index: proto.Uint64(0)}
			ack.AckRangeStart, ack.AckRangeEnd = zero, proto.Clone(zero).(*innerpb.BinlogOffset)
			r.count(func(s *Stats) { s.KeepaliveAcks++ })
		} else {
			p := r.Producer(db)
			_, index, _ := r.logs.DB(db).Last()
			ack.AckRangeStart = proto.Clone(start).(*innerpb.BinlogOffset)
			ack.AckRangeEnd = &innerpb.BinlogOffset{Filenum: proto.Uint32(p.Filenum), Offset: proto.Uint64(p.Offset),
				Term: proto.Uint32(last.GetTerm()), Index: proto.Uint64(index)}
			r.count(func(s *Stats) { s.Acks++ })
		}
		if err := l.send(&innerpb.InnerRequest{Type: innerpb.Type_kBinlogSync.Enum(), BinlogSync: ack}); err != nil {
			return err
		}
	}
	return nil
}

// applyItems appends and applies the non-empty entries; it returns the
// offset of the first one and of the last (nil, nil for keepalives only).
func (r *Replica) applyItems(db int, es []*innerpb.InnerResponse_BinlogSync) (first, last *innerpb.BinlogOffset, err error) {
	r.batchMu.Lock()
	defer r.batchMu.Unlock()
	w := r.logs.DB(db)
	for _, e := range es {
		if len(e.GetBinlog()) == 0 {
			continue
		}
		it, err := binlog.DecodeItem(e.GetBinlog())
		if err != nil {
			return nil, nil, fmt.Errorf("replica: db%d: %w", db, err)
		}
		argv, err := binlog.ParseRESP(it.Content)
		if err != nil || len(argv) == 0 {
			return nil, nil, fmt.Errorf("replica: db%d: item content is not one command: %v", db, err)
		}
		_, index, _ := w.Last()
		if _, err := w.Append(0, index+1, it.ExecTime, it.Content); err != nil {
			return nil, nil, fmt.Errorf("replica: db%d: %w", db, err)
		}
		r.apply(db, argv)
		if first == nil {
			first = e.GetBinlogOffset()
		}
		last = e.GetBinlogOffset()
	}
	if first != nil {
		if err := w.Flush(); err != nil {
			return nil, nil, fmt.Errorf("replica: db%d: %w", db, err)
		}
		n := int64(0)
		for _, e := range es {
			if len(e.GetBinlog()) > 0 {
				n++
			}
		}
		r.count(func(s *Stats) { s.ItemsApplied += n })
	}
	return first, last, nil
}

// apply runs one command on the engine at local time, as a Pika replica
// does; a failing command is logged, not fatal (Pika logs it too).
func (r *Replica) apply(db int, argv [][]byte) {
	r.engMu.RLock()
	defer r.engMu.RUnlock()
	d, err := r.eng.DB(db)
	if err != nil {
		r.cfg.Logger.Error("replica: apply", "db", db, "error", err)
		return
	}
	now := time.Now().UnixMilli()
	reply := command.Commands.Exec(&command.Ctx{Engine: r.eng, DB: d, W: engine.Writer{NowMs: now}, NowMs: now}, argv)
	if reply.Type == command.TypeError {
		r.cfg.Logger.Warn("replica: command from the master failed", "db", db, "command", string(argv[0]), "reply", reply.Str)
	}
}
