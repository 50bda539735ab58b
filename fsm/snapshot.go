package fsm

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/hashicorp/raft"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Snapshot checkpoints the engine. It runs on the FSM goroutine, so the
// checkpoint matches the applied index Raft records for the snapshot; the
// checkpoint hard-links SST files, so it is quick, and the archive is written
// later by Persist, concurrently with Apply.
func (f *FSM) Snapshot() (raft.FSMSnapshot, error) {
	eng := f.eng.Load()
	dir := fmt.Sprintf("%s%s%d", f.path, snapshotDirInfix, time.Now().UnixNano())
	m := Manifest{
		Version:      manifestVersion,
		Applied:      eng.Applied(),
		Index:        f.applied.Load(),
		LeaderTimeMs: f.leaderTime.Load(),
		Databases:    eng.NumDBs(),
	}
	obs, err := f.obsSnapshot()
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	m.Observer = obs
	start := time.Now()
	// The WATCH version table goes into the checkpoint: a node that installs
	// it, or restarts from this snapshot and replays the entries after it,
	// has the versions every other node has (engine/watchversions.go). The
	// replay markers of the entries it holds go with the same write.
	markers, err := replayMarkerDeletes(eng)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	if err := eng.WriteWatchVersions(m.Index, markers); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	if err := eng.Checkpoint(dir); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	f.log.Info("snapshot: checkpoint taken", "index", m.Index, "applied", m.Applied.Index, "dir", dir,
		"took", time.Since(start).Round(time.Microsecond))
	return &snapshot{dir: dir, manifest: m, log: f.log, sums: f.sums}, nil
}

// snapshotDirInfix names checkpoint directories next to the data directory
// (<db-path>.snapshot-<n>): same file system, so checkpoints hard-link.
const snapshotDirInfix = ".snapshot-"

// snapshot is a checkpoint waiting to be streamed into a snapshot sink.
type snapshot struct {
	dir      string
	manifest Manifest
	log      *slog.Logger
	sums     *sumCache // CRCs of SSTs read for earlier snapshots (nil: none)
}

// Persist streams the checkpoint as a tar archive into sink, or, if sink
// takes files (snapshot_files.go), hard-links the checkpoint's files into it.
func (s *snapshot) Persist(sink raft.SnapshotSink) error {
	var err error
	if ls, ok := sink.(linkSink); ok {
		err = s.link(ls)
	} else {
		err = s.write(sink)
	}
	if err != nil {
		_ = sink.Cancel()
		return fmt.Errorf("snapshot %s: %w", sink.ID(), err)
	}
	if err := sink.Close(); err != nil {
		return fmt.Errorf("snapshot %s: close: %w", sink.ID(), err)
	}
	return nil
}

// Release removes the checkpoint directory.
func (s *snapshot) Release() {
	if err := os.RemoveAll(s.dir); err != nil {
		s.log.Warn("snapshot: remove checkpoint", "dir", s.dir, "error", err)
	}
}

type dataFile struct {
	rel  string
	size int64
}

// listFiles returns the regular files under dir, sorted.
func listFiles(dir string) ([]dataFile, int64, error) {
	var files []dataFile
	var total int64
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s is not a regular file", p)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		files = append(files, dataFile{rel: filepath.ToSlash(rel), size: info.Size()})
		total += info.Size()
		return nil
	})
	sort.Slice(files, func(i, j int) bool { return files[i].rel < files[j].rel })
	return files, total, err
}

func (s *snapshot) write(w io.Writer) error {
	files, total, err := listFiles(s.dir)
	if err != nil {
		return fmt.Errorf("list checkpoint: %w", err)
	}
	m := s.manifest
	m.Files, m.Bytes = len(files), total
	tw := tar.NewWriter(w)
	if err := writeJSON(tw, manifestName, m); err != nil {
		return err
	}
	p := newProgress(s.log, "snapshot: persisting", total)
	sums := make([]fileSum, 0, len(files))
	for _, df := range files {
		sum, err := s.writeFile(tw, df, p)
		if err != nil {
			return err
		}
		sums = append(sums, sum)
	}
	if err := writeJSON(tw, sumsName, sums); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("finish archive: %w", err)
	}
	p.done()
	return nil
}

func (s *snapshot) writeFile(tw *tar.Writer, df dataFile, p *progress) (fileSum, error) {
	fh, err := os.Open(filepath.Join(s.dir, filepath.FromSlash(df.rel)))
	if err != nil {
		return fileSum{}, fmt.Errorf("open %s: %w", df.rel, err)
	}
	defer fh.Close()
	hdr := &tar.Header{Name: dataPrefix + df.rel, Mode: 0o644, Size: df.size, Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return fileSum{}, fmt.Errorf("write header %s: %w", df.rel, err)
	}
	h := crc32.New(castagnoli)
	n, err := io.Copy(io.MultiWriter(tw, h, p), io.LimitReader(fh, df.size))
	if err != nil {
		return fileSum{}, fmt.Errorf("write %s: %w", df.rel, err)
	}
	if n != df.size {
		return fileSum{}, fmt.Errorf("write %s: file shrank from %d to %d bytes", df.rel, df.size, n)
	}
	return fileSum{Name: df.rel, Size: n, CRC32C: h.Sum32()}, nil
}

func writeJSON(tw *tar.Writer, name string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(raw)), Typeflag: tar.TypeReg}); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if _, err := tw.Write(raw); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// progress logs how far a snapshot transfer got, at most every few seconds.
type progress struct {
	log   *slog.Logger
	what  string
	total int64
	count int64
	start time.Time
	last  time.Time
}

func newProgress(log *slog.Logger, what string, total int64) *progress {
	now := time.Now()
	log.Info(what, "bytes_total", total)
	return &progress{log: log, what: what, total: total, start: now, last: now}
}

// Write counts bytes (progress is an io.Writer for io.MultiWriter).
func (p *progress) Write(b []byte) (int, error) {
	p.add(int64(len(b)))
	return len(b), nil
}

// add counts n more bytes done.
func (p *progress) add(n int64) {
	p.count += n
	if time.Since(p.last) >= 5*time.Second {
		p.last = time.Now()
		p.log.Info(p.what, "bytes_done", p.count, "bytes_total", p.total,
			"elapsed", time.Since(p.start).Round(time.Millisecond).String())
	}
}

func (p *progress) done() {
	p.log.Info(p.what+" done", "bytes", p.count, "elapsed", time.Since(p.start).Round(time.Millisecond).String())
}
