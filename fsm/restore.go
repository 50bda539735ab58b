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
)

// Directories next to the data directory used while a snapshot is restored:
// the archive is unpacked into <db-path>.restore, verified, and swapped in by
// renaming <db-path> to <db-path>.old and <db-path>.restore to <db-path>.
const (
	restoreSuffix = ".restore"
	oldSuffix     = ".old"
)

// Restore replaces the engine's data with a snapshot archive: receive into a
// temporary directory next to the data directory, verify sizes, checksums
// and the applied position, close the engine, swap the directories by
// rename, reopen. Raft calls it on the FSM goroutine, with no Apply running.
func (f *FSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	tmp := f.path + restoreSuffix
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("restore: clear %s: %w", tmp, err)
	}
	m, err := f.receiveOrLink(rc, tmp)
	if err == nil {
		start := time.Now()
		err = verifyEngine(tmp, f.opts, m)
		f.log.Info("restore: received data checked", "elapsed", time.Since(start).Round(time.Millisecond).String())
	}
	if err != nil {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	start := time.Now()
	f.eng.Load().HotCache().BeginAll() // the cached values go with the old data
	err = f.swap(tmp)
	f.endWrites()
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	f.log.Info("restore: engine reopened", "elapsed", time.Since(start).Round(time.Millisecond).String())
	f.leaderTime.Store(m.LeaderTimeMs)
	f.eng.Load().SetExpiryHorizon(m.LeaderTimeMs)
	f.applied.Store(m.Index)
	f.obsRestored(m)
	f.mu.Lock()
	close(f.advance)
	f.advance = make(chan struct{})
	f.mu.Unlock()
	f.log.Info("restore: snapshot installed", "index", m.Index, "applied", m.Applied.Index, "bytes", m.Bytes)
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

// verifyEngine opens the received directory and checks its applied position.
func verifyEngine(dir string, opts engine.Options, m *Manifest) error {
	e, err := engine.Open(dir, opts)
	if err != nil {
		return fmt.Errorf("open received data: %w", err)
	}
	got := e.Applied()
	if err := e.Close(); err != nil {
		return fmt.Errorf("close received data: %w", err)
	}
	if got != m.Applied {
		return fmt.Errorf("received data is at position %+v, manifest says %+v", got, m.Applied)
	}
	return nil
}

// swap closes the engine, moves tmp into place and reopens it, holding
// the engine guard (see AcquireEngine) so that no reader uses the engine
// while it is closed.
func (f *FSM) swap(tmp string) error {
	old := f.path + oldSuffix
	f.swapMu.Lock()
	defer f.swapMu.Unlock()
	if err := f.eng.Load().Close(); err != nil {
		return fmt.Errorf("close engine: %w", err)
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("clear %s: %w", old, err)
	}
	if err := os.Rename(f.path, old); err != nil {
		return fmt.Errorf("move old data aside: %w", err)
	}
	if err := os.Rename(tmp, f.path); err != nil {
		return fmt.Errorf("move received data in place: %w", err)
	}
	if err := syncDir(filepath.Dir(f.path)); err != nil {
		return err
	}
	eng, err := engine.Open(f.path, f.opts)
	if err != nil {
		return fmt.Errorf("reopen engine: %w", err)
	}
	f.eng.Store(eng)
	if err := os.RemoveAll(old); err != nil {
		f.log.Warn("restore: remove old data", "dir", old, "error", err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// OpenEngine opens the engine at path after finishing or rolling back a
// restore that a crash interrupted, and removes stale checkpoints.
func OpenEngine(path string, opts engine.Options) (*engine.Engine, error) {
	old := path + oldSuffix
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
