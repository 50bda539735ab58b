package fsm

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
)

// sumCache remembers the CRC-32C of SST files, which RocksDB never changes
// after writing them, so that a snapshot does not read every file of the
// data set again: a checkpoint hard-links the same SSTs snapshot after
// snapshot. Entries are keyed by inode, size and modification time (a
// hard link shares them), and dropped when a snapshot no longer has them.
type sumCache struct {
	mu   sync.Mutex
	sums map[fileID]uint32
}

// fileID identifies the contents of an unchanged file.
type fileID struct {
	dev, ino uint64
	size     int64
	mtimeNs  int64
}

func newSumCache() *sumCache { return &sumCache{sums: map[fileID]uint32{}} }

// checksum returns the size and CRC-32C of the file at path (name is its
// name in the snapshot), from the cache for an SST it has already read.
// It reports whether the file was read.
func (c *sumCache) checksum(path, name string, buf []byte, seen map[fileID]bool) (fileSum, bool, error) {
	if c == nil || !strings.HasSuffix(name, ".sst") {
		sum, err := checksumFile(path, name, buf)
		return sum, true, err
	}
	id, err := statID(path)
	if err != nil {
		return fileSum{}, false, fmt.Errorf("stat %s: %w", name, err)
	}
	seen[id] = true
	c.mu.Lock()
	crc, ok := c.sums[id]
	c.mu.Unlock()
	if ok {
		return fileSum{Name: name, Size: id.size, CRC32C: crc}, false, nil
	}
	sum, err := checksumFile(path, name, buf)
	if err != nil {
		return fileSum{}, false, err
	}
	if after, err := statID(path); err == nil && after == id && sum.Size == id.size {
		c.mu.Lock()
		c.sums[id] = sum.CRC32C
		c.mu.Unlock()
	}
	return sum, true, nil
}

// keep drops the entries not in seen (files no snapshot holds any more).
func (c *sumCache) keep(seen map[fileID]bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for id := range c.sums {
		if !seen[id] {
			delete(c.sums, id)
		}
	}
}

func statID(path string) (fileID, error) {
	info, err := os.Stat(path)
	if err != nil {
		return fileID{}, err
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, fmt.Errorf("no inode for %s", path)
	}
	return fileID{dev: uint64(st.Dev), ino: st.Ino, size: info.Size(), mtimeNs: info.ModTime().UnixNano()}, nil
}
