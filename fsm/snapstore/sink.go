package snapstore

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
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// copyBuffer is the buffer size for file copies.
const copyBuffer = 1 << 20

// Sink receives one snapshot, in one of two ways: a tar stream through
// Write (a snapshot installed from the leader: members are unpacked as they
// arrive), or files through LinkFile and WriteFile (a snapshot taken
// locally). Close makes it durable and visible; Cancel drops it.
type Sink struct {
	store *Store
	tmp   string
	meta  treeMeta

	streaming bool
	linking   bool
	pw        *io.PipeWriter
	unpacked  chan error // the unpacker's result (streaming)
	dirs      map[string]bool
	finished  bool
}

// ID returns the snapshot's ID.
func (s *Sink) ID() string { return s.meta.ID }

// Write takes the next bytes of the snapshot's tar stream.
func (s *Sink) Write(p []byte) (int, error) {
	if s.finished || s.linking || (s.streaming && s.pw == nil) {
		return 0, errors.New("snapstore: write to a closed, file-based or read-from sink")
	}
	if !s.streaming {
		s.streaming = true
		pr, pw := io.Pipe()
		s.pw, s.unpacked = pw, make(chan error, 1)
		go func() {
			err := s.unpack(pr)
			pr.CloseWithError(err)
			s.unpacked <- err
		}()
	}
	return s.pw.Write(p)
}

// ReadFrom reads the whole tar stream from r and unpacks it (io.Copy uses
// it: hashicorp/raft copies the leader's stream into the sink that way),
// without the pipe and goroutine hand-off of Write.
func (s *Sink) ReadFrom(r io.Reader) (int64, error) {
	if s.finished || s.linking || s.streaming {
		return 0, errors.New("snapstore: read into a closed, file-based or streaming sink")
	}
	s.streaming = true
	s.unpacked = make(chan error, 1)
	cr := &countingReader{r: r}
	err := s.unpack(cr)
	s.unpacked <- err
	return cr.n, err
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// unpack writes every member of the tar stream r under files/.
func (s *Sink) unpack(r io.Reader) error {
	p := &progress{r: r, log: s.store.log, id: s.meta.ID, start: time.Now()}
	p.last = p.start
	tr := tar.NewReader(p)
	buf := make([]byte, memberBuffer)
	var pages pageWindow
	defer pages.close()
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("snapstore: read snapshot stream: %w", err)
		}
		if h.Typeflag != tar.TypeReg {
			return fmt.Errorf("snapstore: member %q is not a regular file", h.Name)
		}
		f, err := s.create(h.Name)
		if err != nil {
			return err
		}
		n, crc, err := receiveMember(f, tr, buf, &pages)
		if err != nil {
			return fmt.Errorf("snapstore: write %s: %w", h.Name, err)
		}
		s.meta.Members = append(s.meta.Members, Member{Name: h.Name, Size: n, CRC32C: crc, HasCRC: true})
	}
	// Padding after the end-of-archive marker.
	if _, err := io.Copy(io.Discard, p); err != nil {
		return err
	}
	if err := pages.close(); err != nil {
		return fmt.Errorf("snapstore: close received files: %w", err)
	}
	p.done(len(s.meta.Members))
	return nil
}

// progress counts the bytes of a snapshot stream and logs how far it got
// every few seconds, and the rate at the end.
type progress struct {
	r     io.Reader
	log   *slog.Logger
	id    string
	n     int64
	start time.Time
	last  time.Time
}

func (p *progress) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n += int64(n)
	if now := time.Now(); now.Sub(p.last) >= 5*time.Second {
		p.last = now
		p.log.Info("snapstore: receiving snapshot", "id", p.id, "bytes_done", p.n,
			"elapsed", now.Sub(p.start).Round(time.Millisecond).String())
	}
	return n, err
}

func (p *progress) done(files int) {
	el := time.Since(p.start)
	p.log.Info("snapstore: snapshot received", "id", p.id, "bytes", p.n, "files", files,
		"elapsed", el.Round(time.Millisecond).String(), "mb_per_s", int(float64(p.n)/(1<<20)/max(el.Seconds(), 1e-3)))
}

// create makes the file for member name under files/, refusing names that
// would leave the directory.
func (s *Sink) create(name string) (*os.File, error) {
	dst, err := s.memberPath(name)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("snapstore: create %s: %w", name, err)
	}
	return f, nil
}

// memberPath checks name and creates its parent directories.
func (s *Sink) memberPath(name string) (string, error) {
	if name == "" || path.IsAbs(name) || path.Clean(name) != name || name == ".." || strings.HasPrefix(name, "../") {
		return "", fmt.Errorf("snapstore: bad member name %q", name)
	}
	dst := filepath.Join(s.tmp, filesDir, filepath.FromSlash(name))
	dir := filepath.Dir(dst)
	if !s.dirs[dir] {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", fmt.Errorf("snapstore: create dir for %s: %w", name, err)
		}
		if s.dirs == nil {
			s.dirs = map[string]bool{}
		}
		s.dirs[dir] = true
	}
	return dst, nil
}

// LinkFile adds the file at src as member name, hard-linking it (copying
// when the file system cannot link). The file must not change afterwards.
func (s *Sink) LinkFile(name, src string) error {
	if err := s.startLinking(); err != nil {
		return err
	}
	dst, err := s.memberPath(name)
	if err != nil {
		return err
	}
	if err := os.Link(src, dst); err != nil {
		if err := CopyFile(src, dst, false); err != nil {
			return fmt.Errorf("snapstore: add %s: %w", name, err)
		}
	}
	info, err := os.Stat(dst)
	if err != nil {
		return fmt.Errorf("snapstore: add %s: %w", name, err)
	}
	s.meta.Members = append(s.meta.Members, Member{Name: name, Size: info.Size()})
	return nil
}

// WriteFile adds member name with the given contents.
func (s *Sink) WriteFile(name string, data []byte) error {
	if err := s.startLinking(); err != nil {
		return err
	}
	f, err := s.create(name)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("snapstore: write %s: %w", name, err)
	}
	s.meta.Members = append(s.meta.Members, Member{Name: name, Size: int64(len(data)),
		CRC32C: crc32.Checksum(data, castagnoli), HasCRC: true})
	return nil
}

func (s *Sink) startLinking() error {
	if s.finished || s.streaming {
		return errors.New("snapstore: add a file to a closed or streaming sink")
	}
	s.linking = true
	return nil
}

// Close finishes the snapshot: every file and directory is synced, the
// metadata written, and the directory renamed into place. Older snapshots
// beyond the retain count are removed.
func (s *Sink) Close() error {
	if s.finished {
		return nil
	}
	s.finished = true
	if err := s.finish(); err != nil {
		_ = os.RemoveAll(s.tmp)
		return err
	}
	s.store.reap()
	return nil
}

func (s *Sink) finish() error {
	if s.streaming {
		if s.pw != nil {
			s.pw.Close()
		}
		if err := <-s.unpacked; err != nil {
			return err
		}
	}
	files := filepath.Join(s.tmp, filesDir)
	for _, m := range s.meta.Members {
		if err := syncPath(filepath.Join(files, filepath.FromSlash(m.Name))); err != nil {
			return err
		}
	}
	size, err := tarSize(s.meta.Members)
	if err != nil {
		return err
	}
	s.meta.Size = size
	raw, err := json.Marshal(&s.meta)
	if err != nil {
		return fmt.Errorf("snapstore: encode metadata: %w", err)
	}
	if err := os.WriteFile(filepath.Join(s.tmp, treeMetaName), raw, 0o644); err != nil {
		return fmt.Errorf("snapstore: write metadata: %w", err)
	}
	if err := syncPath(filepath.Join(s.tmp, treeMetaName)); err != nil {
		return err
	}
	for dir := range s.dirs {
		for d := dir; len(d) > len(s.tmp); d = filepath.Dir(d) {
			if err := syncPath(d); err != nil {
				return err
			}
		}
	}
	if err := syncPath(s.tmp); err != nil {
		return err
	}
	final := filepath.Join(s.store.dir, s.meta.ID)
	if err := os.Rename(s.tmp, final); err != nil {
		return fmt.Errorf("snapstore: finish %s: %w", s.meta.ID, err)
	}
	return syncPath(s.store.dir)
}

// Cancel drops the snapshot.
func (s *Sink) Cancel() error {
	if s.finished {
		return nil
	}
	s.finished = true
	if s.streaming {
		if s.pw != nil {
			s.pw.CloseWithError(errors.New("snapstore: snapshot cancelled"))
		}
		<-s.unpacked
	}
	if err := os.RemoveAll(s.tmp); err != nil {
		return fmt.Errorf("snapstore: cancel: %w", err)
	}
	return nil
}

// SyncPath fsyncs a file or directory (a directory after entries were
// created, renamed or removed in it).
func SyncPath(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("sync %s: %w", p, err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w", p, err)
	}
	return nil
}

// syncPath is SyncPath for this package's errors.
func syncPath(p string) error {
	if err := SyncPath(p); err != nil {
		return fmt.Errorf("snapstore: %w", err)
	}
	return nil
}

// CopyFile copies src to a new file dst (which must not exist), and
// fsyncs dst when sync is set.
func CopyFile(src, dst string, sync bool) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = io.CopyBuffer(out, in, make([]byte, copyBuffer))
	if err == nil && sync {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}
