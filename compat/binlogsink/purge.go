package binlogsink

import (
	"errors"
	"fmt"
	"time"

	"github.com/pikaraft/pikaraft/compat/binlog"
	"github.com/pikaraft/pikaraft/compat/info"
)

// PurgeEvery is how often the automatic purge runs (Pika's server cron
// purges about every 5 s).
const PurgeEvery = 5 * time.Second

// ErrNoDB is returned by PurgeLogsTo for a database that does not exist.
var ErrNoDB = errors.New("no such database")

// StartPurger purges every database's old binlog files every interval by
// expire-logs-nums and expire-logs-days (0 disables a rule); see
// binlog.Writer.Purge for what is never purged. conf is read at each run,
// so CONFIG SET takes effect.
func (s *Sink) StartPurger(interval time.Duration, conf func() (nums, days int)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.purgeStop != nil {
		return
	}
	s.purgeStop, s.purgeDone = make(chan struct{}), make(chan struct{})
	go func(stop, done chan struct{}) {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case now := <-t.C:
				nums, days := conf()
				s.purgeAll(binlog.PurgePolicy{ExpireLogsNums: nums, ExpireLogsDays: days, Now: now,
					Remove: s.trash.Remove})
			}
		}
	}(s.purgeStop, s.purgeDone)
}

func (s *Sink) stopPurger() {
	s.mu.Lock()
	stop, done := s.purgeStop, s.purgeDone
	s.purgeStop = nil
	s.mu.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
}

// purgeAll applies p to every database and logs what it removed.
func (s *Sink) purgeAll(p binlog.PurgePolicy) {
	for db := 0; db < s.set.Databases(); db++ {
		gone, err := s.set.DB(db).Purge(p)
		if len(gone) > 0 {
			s.log.Info("binlog: purged", "db", db, "first", binlog.FileName(gone[0]),
				"last", binlog.FileName(gone[len(gone)-1]))
		}
		if err != nil {
			s.log.Warn("binlog: purge", "db", db, "error", err)
		}
	}
}

// PurgeLogsTo is PURGELOGSTO: it removes database db's binlog files up to
// write2file<filenum>, stopping at the first one that must be kept (one
// of the 10 newest, or one a replica still needs). It returns the file
// numbers removed.
func (s *Sink) PurgeLogsTo(db int, filenum uint32) ([]uint32, error) {
	w := s.set.DB(db)
	if w == nil {
		return nil, fmt.Errorf("purgelogsto db%d: %w", db, ErrNoDB)
	}
	gone, err := w.Purge(binlog.PurgePolicy{UpTo: &filenum, Now: time.Now(), Remove: s.trash.Remove})
	if len(gone) > 0 {
		s.log.Info("binlog: PURGELOGSTO", "db", db, "first", binlog.FileName(gone[0]),
			"last", binlog.FileName(gone[len(gone)-1]))
	}
	return gone, err
}

// BinlogOffsets reports every database's producer position for INFO.
func (s *Sink) BinlogOffsets() []info.BinlogOffset {
	out := make([]info.BinlogOffset, s.set.Databases())
	for db := range out {
		w := s.set.DB(db)
		p := w.Producer()
		out[db] = info.BinlogOffset{Filenum: p.Filenum, Offset: p.Offset, SafetyPurge: w.SafetyPurge()}
	}
	return out
}
