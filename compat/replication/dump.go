package replication

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pikaraft/pikaraft/compat/binlog"
	"github.com/pikaraft/pikaraft/engine"
)

// dumpKinds are the instance directories a Pika 3.5.5 master lists for a
// full sync (DB::GetBgSaveMetaData), in its order. streams/ is in the dump
// but never listed, so a classic replica never receives it.
var dumpKinds = []string{"strings", "hashes", "lists", "zsets", "sets"}

// InfoFileName is the dump file naming the binlog position of the copy.
const InfoFileName = "info"

// dump is a finished full-sync dump: <dump-path><prefix><YYYYMMDD>/db<i>/.
type dump struct {
	name  string
	dir   string
	pos   []binlog.Position
	uuid  []string          // md5 hex of each db's info file
	files [][]string        // each db's file list, info last
	index []map[string]bool // the same as sets
}

// dumps makes and serves dumps: one at a time, reused while a replica can
// continue from its position (Pika's TryDBSync), expired by dump-expire.
type dumps struct {
	cfg  *Config
	busy func() bool // a replica is in full sync

	mu      sync.Mutex
	cur     *dump
	running bool
	wg      sync.WaitGroup
}

func newDumps(cfg *Config, busy func() bool) *dumps { return &dumps{cfg: cfg, busy: busy} }

// get returns the current dump and whether a new one is being made.
func (d *dumps) get() (*dump, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cur, d.running
}

// wait waits for a dump being made.
func (d *dumps) wait() { d.wg.Wait() }

// ensure starts a new dump unless the current one serves db: it exists,
// its binlog file is still there and the replica is not more than 50
// files past it (kDBSyncMaxGap, compared as Pika does).
func (d *dumps) ensure(db int, replicaFile uint32) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.running {
		return
	}
	if c := d.cur; c != nil {
		p := c.pos[db]
		_, err := os.Stat(filepath.Join(d.cfg.Binlog.Dir(db), binlog.FileName(p.Filenum)))
		if err == nil && !(replicaFile > p.Filenum && replicaFile-p.Filenum > dbSyncMaxGap) {
			return
		}
	}
	d.running = true
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		nd, err := d.make()
		d.mu.Lock()
		defer d.mu.Unlock()
		d.running = false
		if err != nil {
			d.cfg.Logger.Error("replication: dump for full sync failed", "error", err)
			return
		}
		d.cur = nd
	}()
}

// make writes a new dump: checkpoint, strip pikaraft's column family,
// info files; it replaces a dump of the same day.
func (d *dumps) make() (*dump, error) {
	start := time.Now()
	name := d.cfg.DumpPrefix + d.cfg.Now().Format("20060102")
	final := filepath.Join(d.cfg.DumpPath, name)
	tmp := final + ".tmp"
	log := d.cfg.Logger.With("dump", final)
	log.Info("replication: making a dump for full sync")
	if err := os.RemoveAll(tmp); err != nil {
		return nil, fmt.Errorf("dump: %w", err)
	}
	if err := os.MkdirAll(d.cfg.DumpPath, 0o755); err != nil {
		return nil, fmt.Errorf("dump: %w", err)
	}
	pos, err := d.cfg.Checkpointer.Checkpoint(tmp)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("dump: checkpoint: %w", err)
	}
	if len(pos) != d.cfg.Databases {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("dump: checkpoint gave %d positions for %d databases", len(pos), d.cfg.Databases)
	}
	if err := engine.StripForPika(tmp); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("dump: %w", err)
	}
	nd := &dump{name: name, dir: final, pos: pos}
	secs := int(time.Since(start).Seconds())
	for db := 0; db < d.cfg.Databases; db++ {
		info := FormatInfo(secs, d.cfg.Host, d.cfg.Port, pos[db])
		if err := os.WriteFile(filepath.Join(tmp, dbName(db), InfoFileName), []byte(info), 0o644); err != nil {
			os.RemoveAll(tmp)
			return nil, fmt.Errorf("dump: %w", err)
		}
		sum := md5.Sum([]byte(info))
		files, err := listDumpFiles(filepath.Join(tmp, dbName(db)))
		if err != nil {
			os.RemoveAll(tmp)
			return nil, err
		}
		set := map[string]bool{}
		for _, f := range files {
			set[f] = true
		}
		nd.uuid, nd.files, nd.index = append(nd.uuid, hex.EncodeToString(sum[:])), append(nd.files, files), append(nd.index, set)
	}
	old := ""
	if _, err := os.Stat(final); err == nil {
		old = fmt.Sprintf("%s.old-%d", final, time.Now().UnixNano())
		if err := os.Rename(final, old); err != nil {
			os.RemoveAll(tmp)
			return nil, fmt.Errorf("dump: %w", err)
		}
	}
	if err := os.Rename(tmp, final); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("dump: %w", err)
	}
	if old != "" {
		os.RemoveAll(old) // open files being served survive the removal
	}
	attrs := []any{"took", time.Since(start).Round(time.Millisecond)}
	for db, p := range pos {
		attrs = append(attrs, dbName(db), p.String())
	}
	log.Info("replication: dump ready", attrs...)
	return nd, nil
}

// FormatInfo is the text of a dump's info file (DB::DoBgSave): the bgsave
// duration, the master's host and port, the binlog file number and offset.
func FormatInfo(secs int, host string, port int, p binlog.Position) string {
	return fmt.Sprintf("%ds\n%s\n%d\n%d\n%d\n", secs, host, port, p.Filenum, p.Offset)
}

// listDumpFiles lists a db's dump files as the master announces them.
func listDumpFiles(dbDir string) ([]string, error) {
	var out []string
	for _, k := range dumpKinds {
		ents, err := os.ReadDir(filepath.Join(dbDir, k))
		if err != nil {
			return nil, fmt.Errorf("dump: list %s: %w", k, err)
		}
		for _, e := range ents {
			if e.Type().IsRegular() {
				out = append(out, k+"/"+e.Name())
			}
		}
	}
	return append(out, InfoFileName), nil
}

// expireLoop removes expired dumps every 10 s.
func (d *dumps) expireLoop(stop <-chan struct{}) {
	t := time.NewTicker(10 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			d.expire()
		}
	}
}

// expire deletes dumps older than dump-expire days (0 keeps them), never
// the current one and never while a replica is in full sync (Pika's
// AutoDeleteExpiredDump). The age comes from the date in the name.
func (d *dumps) expire() []string {
	days := d.cfg.Settings.Int("dump-expire", 0)
	if days <= 0 || d.busy() {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.running {
		return nil
	}
	ents, err := os.ReadDir(d.cfg.DumpPath)
	if err != nil {
		return nil
	}
	now := d.cfg.Now()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.Local)
	var removed []string
	for _, e := range ents {
		n := e.Name()
		if !e.IsDir() || !strings.HasPrefix(n, d.cfg.DumpPrefix) || (d.cur != nil && n == d.cur.name) {
			continue
		}
		day, err := time.ParseInLocation("20060102", strings.TrimPrefix(n, d.cfg.DumpPrefix), time.Local)
		if err != nil {
			continue
		}
		if int64(today.Sub(day).Hours()/24) >= days {
			if err := os.RemoveAll(filepath.Join(d.cfg.DumpPath, n)); err != nil {
				d.cfg.Logger.Warn("replication: removing an expired dump failed", "dump", n, "error", err)
				continue
			}
			d.cfg.Logger.Info("replication: expired dump removed", "dump", n, "dump_expire_days", days)
			removed = append(removed, n)
		}
	}
	slices.Sort(removed)
	return removed
}
