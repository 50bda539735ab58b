package fsm

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/pikaraft/pikaraft/fsm/snapstore"
)

// SnapshotFiles is a snapshot store that keeps snapshots unpacked as files
// (snapstore.Store). With one, a restore hard-links the files of the
// snapshot instead of unpacking its archive again, and Persist hard-links
// the checkpoint into the store instead of writing an archive.
type SnapshotFiles interface {
	// Lookup finds the stored snapshot whose member name holds exactly
	// contents, and returns the directory holding its members and the
	// members in archive order.
	Lookup(name string, contents []byte) (dir string, members []snapstore.Member, ok bool)
}

// SetSnapshotFiles tells the FSM about the snapshot store (before Raft
// starts).
func (f *FSM) SetSnapshotFiles(s SnapshotFiles) { f.files = s }

// linkSink is a snapshot sink that takes files instead of an archive
// (snapstore.Sink).
type linkSink interface {
	LinkFile(name, src string) error
	WriteFile(name string, data []byte) error
}

// link adds the checkpoint to sink as hard links, in archive order: the
// manifest, the data files, their checksums.
func (s *snapshot) link(sink linkSink) error {
	files, total, err := listFiles(s.dir)
	if err != nil {
		return fmt.Errorf("list checkpoint: %w", err)
	}
	m := s.manifest
	m.Files, m.Bytes = len(files), total
	raw, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode %s: %w", manifestName, err)
	}
	if err := sink.WriteFile(manifestName, raw); err != nil {
		return err
	}
	p := newProgress(s.log, "snapshot: linking", total)
	buf := make([]byte, 1<<20)
	sums := make([]fileSum, 0, len(files))
	seen := map[fileID]bool{}
	var read int64
	for _, df := range files {
		src := filepath.Join(s.dir, filepath.FromSlash(df.rel))
		sum, wasRead, err := s.sums.checksum(src, df.rel, buf, seen)
		if err != nil {
			return err
		}
		if wasRead {
			read += sum.Size
		}
		if sum.Size != df.size {
			return fmt.Errorf("%s changed size from %d to %d bytes", df.rel, df.size, sum.Size)
		}
		if err := sink.LinkFile(dataPrefix+df.rel, src); err != nil {
			return err
		}
		p.add(df.size)
		sums = append(sums, sum)
	}
	raw, err = json.Marshal(sums)
	if err != nil {
		return fmt.Errorf("encode %s: %w", sumsName, err)
	}
	if err := sink.WriteFile(sumsName, raw); err != nil {
		return err
	}
	s.sums.keep(seen)
	p.done()
	s.log.Info("snapshot: checksums", "bytes_read", read, "bytes_cached", total-read)
	return nil
}

// checksumFile returns the size and CRC-32C of the file at path.
func checksumFile(path, name string, buf []byte) (fileSum, error) {
	fh, err := os.Open(path)
	if err != nil {
		return fileSum{}, fmt.Errorf("open %s: %w", name, err)
	}
	defer fh.Close()
	h := crc32.New(castagnoli)
	n, err := io.CopyBuffer(h, fh, buf)
	if err != nil {
		return fileSum{}, fmt.Errorf("read %s: %w", name, err)
	}
	return fileSum{Name: name, Size: n, CRC32C: h.Sum32()}, nil
}

// linkSnapshot fills dir with the data files of an unpacked snapshot (src,
// members) after checking them against the manifest m and the snapshot's
// SUMS.json: SST files, which RocksDB never changes, are hard-linked; the
// few others (CURRENT, MANIFEST, OPTIONS, WAL) are copied so that opening
// the engine cannot change the stored snapshot.
func linkSnapshot(src string, members []snapstore.Member, m *Manifest, dir string, log *slog.Logger) error {
	byName := make(map[string]snapstore.Member, len(members))
	for _, mb := range members {
		byName[mb.Name] = mb
	}
	raw, err := os.ReadFile(filepath.Join(src, sumsName))
	if err != nil {
		return fmt.Errorf("read %s: %w", sumsName, err)
	}
	var want []fileSum
	if err := json.Unmarshal(raw, &want); err != nil {
		return fmt.Errorf("decode %s: %w", sumsName, err)
	}
	if len(want) != m.Files || len(members) != m.Files+2 {
		return fmt.Errorf("manifest lists %d files, checksums %d, snapshot holds %d", m.Files, len(want), len(members)-2)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	p := newProgress(log, "restore: linking", m.Bytes)
	buf := make([]byte, 1<<20)
	made := map[string]bool{}
	var copies []func() error
	for _, w := range want {
		mb, ok := byName[dataPrefix+w.Name]
		if !ok {
			return fmt.Errorf("file %s missing from snapshot", w.Name)
		}
		from := filepath.Join(src, filepath.FromSlash(mb.Name))
		got := fileSum{Name: w.Name, Size: mb.Size, CRC32C: mb.CRC32C}
		if !mb.HasCRC { // linked in by a local snapshot: read it
			if got, err = checksumFile(from, w.Name, buf); err != nil {
				return err
			}
		}
		if got != w {
			return fmt.Errorf("file %s: got %d bytes crc32c %08x, want %d bytes crc32c %08x",
				w.Name, got.Size, got.CRC32C, w.Size, w.CRC32C)
		}
		to := filepath.Join(dir, filepath.FromSlash(w.Name))
		if d := filepath.Dir(to); !made[d] {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return fmt.Errorf("create dir for %s: %w", w.Name, err)
			}
			made[d] = true
		}
		if strings.HasSuffix(w.Name, ".sst") && os.Link(from, to) == nil {
			p.add(w.Size)
			continue
		}
		copies = append(copies, func() error {
			if err := snapstore.CopyFile(from, to, true); err != nil {
				return fmt.Errorf("restore %s: %w", w.Name, err)
			}
			return nil
		})
		p.add(w.Size)
	}
	// The copies (CURRENT, MANIFEST, OPTIONS, WAL of every instance) and
	// the directory syncs each wait for an fsync: run them at once.
	if err := parallel(copies); err != nil {
		return err
	}
	syncs := make([]func() error, 0, len(made))
	synced := map[string]bool{}
	for d := range made {
		for ; len(d) > len(dir) && !synced[d]; d = filepath.Dir(d) {
			synced[d] = true
			sd := d
			syncs = append(syncs, func() error { return snapstore.SyncPath(sd) })
		}
	}
	if err := parallel(syncs); err != nil {
		return err
	}
	p.done()
	return snapstore.SyncPath(dir)
}

// parallel runs fns, at most 8 at a time, and returns their errors.
func parallel(fns []func() error) error {
	errs := make([]error, len(fns))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			errs[i] = fn()
			<-sem
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
