package info

import (
	"strings"
	"sync"
	"time"

	"github.com/pikaraft/pikaraft/engine"
)

// Pika's KeyScanInfo durations before a scan has a result.
const (
	durNever      = -3 // never scanned: no "# Duration" line
	durWaiting    = -2 // queued behind another db
	durProcessing = -1 // counting now
)

// dbScan is the last keyspace count of one database (Pika's KeyScanInfo).
type dbScan struct {
	startTime string // "YYYY-mm-dd HH:MM:SS" of the last scan's start, "0" before
	duration  int    // seconds, or one of the dur* states
	stats     map[engine.Kind]engine.KindStats
}

// keyScanner runs "INFO keyspace 1" counts in the background, one at a
// time, and keeps the last result per database.
type keyScanner struct {
	mu   sync.Mutex
	dbs  map[int]*dbScan
	busy bool
	stop bool
}

func newKeyScanner() *keyScanner { return &keyScanner{dbs: map[int]*dbScan{}} }

// get returns a copy of db's last result.
func (s *keyScanner) get(db int) dbScan {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.dbs[db]; ok {
		return *d
	}
	return dbScan{startTime: "0", duration: durNever}
}

// running reports whether a scan is in progress (is_scaning_keyspace).
func (s *keyScanner) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.busy
}

// halt stops a running scan after the database it is counting.
func (s *keyScanner) halt() {
	s.mu.Lock()
	s.stop = true
	s.mu.Unlock()
}

// start counts the keys of dbs in the background, unless a scan runs.
func (s *keyScanner) start(in *Info, dbs map[int]bool) {
	e := in.engine()
	if e == nil {
		return
	}
	s.mu.Lock()
	if s.busy {
		s.mu.Unlock()
		return
	}
	s.busy, s.stop = true, false
	var order []int
	for db := 0; db < e.NumDBs(); db++ {
		if dbs[db] {
			order = append(order, db)
			s.slot(db).duration = durWaiting
		}
	}
	s.mu.Unlock()
	go s.run(in, e, order)
}

// slot returns db's record, creating it (mu held).
func (s *keyScanner) slot(db int) *dbScan {
	d, ok := s.dbs[db]
	if !ok {
		d = &dbScan{startTime: "0", duration: durNever}
		s.dbs[db] = d
	}
	return d
}

func (s *keyScanner) run(in *Info, e *engine.Engine, order []int) {
	defer func() {
		s.mu.Lock()
		s.busy = false
		s.mu.Unlock()
	}()
	for _, db := range order {
		s.mu.Lock()
		if s.stop {
			s.slot(db).duration = durNever
			s.mu.Unlock()
			continue
		}
		start := in.src.Now()
		d := s.slot(db)
		d.startTime = start.Format("2006-01-02 15:04:05")
		d.duration = durProcessing
		s.mu.Unlock()

		var stats []engine.KindStats
		h, err := e.DB(db)
		if err == nil {
			stats, err = h.KeyStats(start.UnixMilli())
		}
		s.mu.Lock()
		if err == nil {
			d.stats = map[engine.Kind]engine.KindStats{}
			for _, st := range stats {
				d.stats[st.Kind] = st
			}
		}
		d.duration = int(in.src.Now().Sub(start) / time.Second)
		s.mu.Unlock()
	}
}

// keyspaceKinds are the types Pika's INFO keyspace prints, in its order.
var keyspaceKinds = []struct {
	kind engine.Kind
	name string
}{
	{engine.KindStrings, "Strings"}, {engine.KindHashes, "Hashes"}, {engine.KindLists, "Lists"},
	{engine.KindZSets, "Zsets"}, {engine.KindSets, "Sets"},
}

// keyspace is Pika's "# Keyspace" section: the header, then, for the dbs of
// INFO all / INFO keyspace <arg>, the last scan's counts. "INFO keyspace 1"
// starts a new scan after printing (Render); "off" stops one.
func (in *Info) keyspace(req *request, b *strings.Builder) {
	if req.off {
		in.scan.halt()
		b.WriteString("OK\r\n")
		return
	}
	line(b, "# Keyspace")
	if req.startLine {
		line(b, "# Start async statistics")
	} else {
		line(b, "# Use \"info keyspace 1\" to do async statistics")
	}
	for db := 0; db < in.numDBs(); db++ {
		if !req.scanDBs[db] {
			continue
		}
		d := in.scan.get(db)
		line(b, "# Time:%s", d.startTime)
		switch {
		case d.duration == durWaiting:
			line(b, "# Duration: In Waiting")
		case d.duration == durProcessing:
			line(b, "# Duration: In Processing")
		case d.duration >= 0:
			line(b, "# Duration: %ds", d.duration)
		}
		for _, k := range keyspaceKinds {
			st := d.stats[k.kind]
			line(b, "db%d %s_keys=%d, expires=%d, invalid_keys=%d", db, k.name, st.Keys, st.Expires, st.Invalid)
		}
		b.WriteString("\r\n")
	}
}

// KeyCounts returns the last keyspace scan's counts of db, per kind, and
// whether a scan has completed for it.
func (in *Info) KeyCounts(db int) (map[engine.Kind]engine.KindStats, bool) {
	d := in.scan.get(db)
	return d.stats, d.stats != nil
}
