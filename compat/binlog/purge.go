package binlog

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// keepNewest is the number of newest files never purged (BinlogCloudPurge:
// file i is kept while i > producer filenum - 10).
const keepNewest = 10

// Consumer is a reader of the binlog — a classic replica — whose progress
// protects files from purging. While it is in full sync nothing is purged;
// otherwise files from its acked file number on are kept.
type Consumer struct {
	w        *Writer
	fullSync bool
	acked    uint32
}

// RegisterConsumer registers a consumer that has acked nothing yet (it
// protects every file until SetAcked).
func (w *Writer) RegisterConsumer() *Consumer {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := &Consumer{w: w}
	w.consumers[c] = struct{}{}
	return c
}

// SetFullSync marks the consumer as in (or out of) a full sync.
func (c *Consumer) SetFullSync(on bool) {
	c.w.mu.Lock()
	c.fullSync = on
	c.w.mu.Unlock()
}

// SetAcked records the file number of the consumer's acked position.
func (c *Consumer) SetAcked(filenum uint32) {
	c.w.mu.Lock()
	c.acked = filenum
	c.w.mu.Unlock()
}

// Close unregisters the consumer.
func (c *Consumer) Close() {
	c.w.mu.Lock()
	delete(c.w.consumers, c)
	c.w.mu.Unlock()
}

// PurgePolicy says which files a purge may remove (StableLog::PurgeFiles).
type PurgePolicy struct {
	// UpTo, when set, purges files numbered <= *UpTo (PURGELOGSTO).
	UpTo *uint32
	// ExpireLogsNums purges the oldest files while more than this many
	// remain (expire-logs-nums; clamped to >= 10). 0 disables it.
	ExpireLogsNums int
	// ExpireLogsDays purges files last modified more than this many days
	// before Now while more than 10 files remain (expire-logs-days).
	// 0 disables it.
	ExpireLogsDays int
	// Now is the time the age rule compares against.
	Now time.Time
	// Remove deletes one file (nil: os.Remove). The sink passes a
	// trash.Bin's, which frees a 100 MB file a chunk at a time.
	Remove func(path string) error
}

// Purge deletes old binlog files in ascending order and stops at the first
// file that may not be deleted: one that no rule selects, one of the 10
// newest, or one a consumer still needs. It returns the numbers deleted.
func (w *Writer) Purge(p PurgePolicy) ([]uint32, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	files, err := ListFiles(w.dir)
	if err != nil {
		return nil, err
	}
	nums := p.ExpireLogsNums
	if nums > 0 && nums < keepNewest {
		nums = keepNewest
	}
	days := p.ExpireLogsDays
	remainExpire := len(files) - nums
	remove := p.Remove
	if remove == nil {
		remove = os.Remove
	}
	var deleted []uint32
	for _, n := range files {
		path := filepath.Join(w.dir, FileName(n))
		selected := (p.UpTo != nil && n <= *p.UpTo) ||
			(nums > 0 && remainExpire > 0) ||
			(days > 0 && len(files)-len(deleted) > keepNewest && olderThan(path, p.Now, days))
		if !selected || !w.purgeAllowed(n) {
			break
		}
		if err := remove(path); err != nil {
			return deleted, fmt.Errorf("binlog: purge %s: %w", path, err)
		}
		deleted = append(deleted, n)
		remainExpire--
	}
	return deleted, nil
}

func olderThan(path string, now time.Time, days int) bool {
	st, err := os.Stat(path)
	if err != nil {
		return false
	}
	return st.ModTime().Before(now.Add(-time.Duration(days) * 24 * time.Hour))
}

// purgeAllowed is BinlogCloudPurge: never the 10 newest files (nor any file
// while fewer than 10 exist past it), never during a consumer's full sync,
// never a file at or after a consumer's acked file.
func (w *Writer) purgeAllowed(n uint32) bool {
	if uint64(n)+keepNewest > uint64(w.file) {
		return false
	}
	for c := range w.consumers {
		if c.fullSync || n >= c.acked {
			return false
		}
	}
	return true
}

// SafetyPurge returns the newest file that may be purged now, as INFO's
// safety_purge prints it: "write2file<M>", or "none".
func (w *Writer) SafetyPurge() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.file < keepNewest {
		return "none"
	}
	m := w.file - keepNewest
	for c := range w.consumers {
		if c.fullSync || c.acked == 0 {
			return "none"
		}
		if c.acked-1 < m {
			m = c.acked - 1
		}
	}
	return FileName(m)
}
