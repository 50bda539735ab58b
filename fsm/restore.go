package fsm

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/fsm/snapstore"
)

// Directories next to the data directory used while a snapshot is restored:
// the archive is unpacked into <db-path>.restore and swapped in by renaming
// <db-path> to <db-path>.prev and <db-path>.restore to <db-path>. Once the
// new data opened at the snapshot's position, <db-path>.prev is renamed to
// <db-path>.old and removed (with Config.Trash: renamed to <db-path>.old.trash
// and deleted in the background); until then a crash rolls back to it
// (OpenEngine).
const (
	restoreSuffix = ".restore"
	prevSuffix    = ".prev"
	oldSuffix     = ".old"
)

// Restore replaces the engine's data with a snapshot archive: receive into a
// temporary directory next to the data directory, verify sizes and
// checksums, close the engine, swap the directories by rename, reopen and
// check the applied position (rolling back to the old data if the new data
// does not open at the manifest's position). Raft calls it on the FSM
// goroutine, with no Apply running.
func (f *FSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	tmp := f.path + restoreSuffix
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("restore: clear %s: %w", tmp, err)
	}
	m, err := f.receiveOrLink(rc, tmp)
	if err != nil {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	start := time.Now()
	f.eng.Load().HotCache().BeginAll() // the cached values go with the old data
	err = f.swap(tmp, m)
	f.endWrites()
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	f.log.Info("restore: engine reopened", "elapsed", time.Since(start).Round(time.Millisecond).String())
	start = time.Now()
	f.leaderTime.Store(m.LeaderTimeMs)
	f.eng.Load().SetExpiryHorizon(m.LeaderTimeMs)
	f.applied.Store(m.Index)
	f.obsRestored(m)
	f.mu.Lock()
	close(f.advance)
	f.advance = make(chan struct{})
	f.mu.Unlock()
	f.log.Info("restore: snapshot installed", "index", m.Index, "applied", m.Applied.Index, "bytes", m.Bytes,
		"observer", time.Since(start).Round(time.Millisecond).String())
	return nil
}

// receiveOrLink puts the data of the snapshot archive r into dir: from the
// snapshot store's unpacked copy of the same snapshot when it has one
// (snapshot_files.go), else by unpacking the archive.
func (f *FSM) receiveOrLink(r io.Reader, dir string) (*Manifest, error) {
	tr := tar.NewReader(r)
	raw, m, err := readManifestRaw(tr)
	if err != nil {
		return nil, err
	}
	if f.files != nil {
		if src, members, ok := f.files.Lookup(manifestName, raw); ok {
			if err := linkSnapshot(src, members, m, dir, f.log); err != nil {
				return nil, err
			}
			return m, nil
		}
	}
	return receive(tr, m, dir, f.log)
}

// receive unpacks the rest of a snapshot archive, after its manifest m,
// into dir and checks it against the manifest and checksums.
func receive(tr *tar.Reader, m *Manifest, dir string, log *slog.Logger) (*Manifest, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	p := newProgress(log, "restore: receiving", m.Bytes)
	got := map[string]fileSum{}
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("read archive: %w", err)
		}
		if h.Name == sumsName {
			if err := checkSums(tr, h, m, got); err != nil {
				return nil, err
			}
			break
		}
		sum, err := receiveFile(tr, h, dir, p)
		if err != nil {
			return nil, err
		}
		got[sum.Name] = sum
	}
	if _, err := tr.Next(); err != io.EOF {
		return nil, fmt.Errorf("archive continues after %s", sumsName)
	}
	p.done()
	return m, nil
}

// receiveFile writes one data member under dir, refusing anything that is
// not a regular file inside dir.
func receiveFile(tr *tar.Reader, h *tar.Header, dir string, p *progress) (fileSum, error) {
	rel, ok := strings.CutPrefix(h.Name, dataPrefix)
	if !ok || h.Typeflag != tar.TypeReg || rel == "" || path.IsAbs(rel) ||
		path.Clean(rel) != rel || rel == ".." || strings.HasPrefix(rel, "../") {
		return fileSum{}, fmt.Errorf("unexpected archive member %q", h.Name)
	}
	dst := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fileSum{}, fmt.Errorf("create dir for %s: %w", rel, err)
	}
	fh, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return fileSum{}, fmt.Errorf("create %s: %w", rel, err)
	}
	hash := crc32.New(castagnoli)
	n, err := io.Copy(io.MultiWriter(fh, hash, p), tr)
	if err == nil {
		err = fh.Sync()
	}
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fileSum{}, fmt.Errorf("write %s: %w", rel, err)
	}
	return fileSum{Name: rel, Size: n, CRC32C: hash.Sum32()}, nil
}

// checkSums compares the received files with SUMS.json and the manifest.
func checkSums(tr *tar.Reader, h *tar.Header, m *Manifest, got map[string]fileSum) error {
	if h.Size > 64<<20 {
		return errors.New("checksum list too large")
	}
	var want []fileSum
	if err := json.NewDecoder(io.LimitReader(tr, h.Size)).Decode(&want); err != nil {
		return fmt.Errorf("decode %s: %w", sumsName, err)
	}
	if len(want) != m.Files || len(got) != m.Files {
		return fmt.Errorf("manifest lists %d files, checksums %d, received %d", m.Files, len(want), len(got))
	}
	for _, w := range want {
		g, ok := got[w.Name]
		if !ok {
			return fmt.Errorf("file %s missing from archive", w.Name)
		}
		if g != w {
			return fmt.Errorf("file %s: got %d bytes crc32c %08x, want %d bytes crc32c %08x",
				w.Name, g.Size, g.CRC32C, w.Size, w.CRC32C)
		}
	}
	return nil
}

// swap closes the engine, moves tmp into place and opens it, holding the
// engine guard (see AcquireEngine) so that no reader uses the engine while
// it is closed. The new data must open at the manifest's applied position;
// if it does not, the old data is put back and reopened.
func (f *FSM) swap(tmp string, m *Manifest) error {
	prev, old := f.path+prevSuffix, f.path+oldSuffix
	f.swapMu.Lock()
	defer f.swapMu.Unlock()
	if _, err := os.Stat(prev); err == nil {
		return fmt.Errorf("%s exists: an earlier restore was not finished", prev)
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("clear %s: %w", old, err)
	}
	if err := f.eng.Load().Close(); err != nil {
		return fmt.Errorf("close engine: %w", err)
	}
	if err := os.Rename(f.path, prev); err != nil {
		return f.reopen(fmt.Errorf("move old data aside: %w", err))
	}
	if err := os.Rename(tmp, f.path); err != nil {
		return f.rollBack(tmp, fmt.Errorf("move received data in place: %w", err))
	}
	if err := snapstore.SyncPath(filepath.Dir(f.path)); err != nil {
		return f.rollBack(tmp, err)
	}
	eng, err := engine.Open(f.path, f.opts)
	if err != nil {
		return f.rollBack(tmp, fmt.Errorf("open received data: %w", err))
	}
	if got := eng.Applied(); got != m.Applied {
		_ = eng.Close()
		return f.rollBack(tmp, fmt.Errorf("received data is at position %+v, manifest says %+v", got, m.Applied))
	}
	f.eng.Store(eng)
	// The new data is proven: the old data becomes garbage (a crash from
	// here on keeps the new data, see OpenEngine).
	if err := os.Rename(prev, old); err != nil {
		f.log.Warn("restore: keep old data", "dir", prev, "error", err)
		return nil
	}
	if err := f.removeOld(old); err != nil {
		f.log.Warn("restore: remove old data", "dir", old, "error", err)
	}
	return nil
}

// removeOld deletes the old data after a restore: through the trash bin if
// there is one (the old data can be gigabytes, freed at once).
func (f *FSM) removeOld(old string) error {
	if f.trash != nil {
		return f.trash.Remove(old)
	}
	return os.RemoveAll(old)
}

// rollBack puts the old data (<db-path>.prev) back after a failed swap,
// moving whatever is at the data path to tmp, removes tmp, and reopens the
// old data. It returns cause (with any error of the roll back).
func (f *FSM) rollBack(tmp string, cause error) error {
	if _, err := os.Stat(f.path); err == nil {
		if err := os.Rename(f.path, tmp); err != nil {
			return errors.Join(cause, fmt.Errorf("roll back: move received data away: %w", err))
		}
	}
	if err := os.Rename(f.path+prevSuffix, f.path); err != nil {
		return errors.Join(cause, fmt.Errorf("roll back: move old data back: %w", err))
	}
	if err := os.RemoveAll(tmp); err != nil {
		f.log.Warn("restore: remove refused data", "dir", tmp, "error", err)
	}
	return f.reopen(cause)
}

// reopen opens the data path again after a failed swap and returns cause
// (with the open's error, if any).
func (f *FSM) reopen(cause error) error {
	eng, err := engine.Open(f.path, f.opts)
	if err != nil {
		return errors.Join(cause, fmt.Errorf("reopen old data: %w", err))
	}
	f.eng.Store(eng)
	return cause
}

// OpenEngine opens the engine at path after finishing or rolling back a
// restore that a crash interrupted, and removes stale checkpoints.
func OpenEngine(path string, opts engine.Options) (*engine.Engine, error) {
	prev, old := path+prevSuffix, path+oldSuffix
	if _, err := os.Stat(prev); err == nil {
		// A restore swapped in new data but a crash came before it was
		// proven to open at the snapshot's position: roll back to the old
		// data. The node restores the snapshot again (it is in the
		// snapshot store) if the engine is behind it.
		if _, err := os.Stat(path); err == nil {
			if err := os.RemoveAll(path + restoreSuffix); err != nil {
				return nil, fmt.Errorf("remove %s: %w", path+restoreSuffix, err)
			}
			if err := os.Rename(path, path+restoreSuffix); err != nil {
				return nil, fmt.Errorf("roll back unfinished restore: %w", err)
			}
		}
		if err := os.Rename(prev, path); err != nil {
			return nil, fmt.Errorf("roll back unfinished restore: %w", err)
		}
	}
	if _, err := os.Stat(old); err == nil {
		if _, err := os.Stat(path); err == nil {
			// The swap finished; only the cleanup was lost.
			if err := os.RemoveAll(old); err != nil {
				return nil, fmt.Errorf("remove %s: %w", old, err)
			}
		} else if err := os.Rename(old, path); err != nil {
			// The swap stopped half way: roll back. The node restores the
			// snapshot again if the engine is behind it.
			return nil, fmt.Errorf("roll back interrupted restore: %w", err)
		}
	}
	stale, _ := filepath.Glob(path + snapshotDirInfix + "*")
	for _, dir := range append(stale, path+restoreSuffix) {
		if err := os.RemoveAll(dir); err != nil {
			return nil, fmt.Errorf("remove %s: %w", dir, err)
		}
	}
	eng, err := engine.Open(path, opts)
	if err != nil {
		return nil, fmt.Errorf("open engine: %w", err)
	}
	return eng, nil
}
