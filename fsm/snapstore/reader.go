package snapstore

import (
	"archive/tar"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// Reader is an open directory snapshot. Reading it produces the snapshot's
// tar stream (what Raft sends to a follower); Dir and Members give the
// files themselves (what the FSM restores from).
type Reader struct {
	dir     string
	members []Member

	once sync.Once
	pr   *io.PipeReader
	done chan struct{}
}

func newReader(dir string, members []Member) *Reader {
	return &Reader{dir: dir, members: members}
}

// Dir returns the directory holding the members, by archive name.
func (r *Reader) Dir() string { return r.dir }

// Members returns the members in archive order.
func (r *Reader) Members() []Member { return append([]Member(nil), r.members...) }

// Read reads the tar stream.
func (r *Reader) Read(p []byte) (int, error) {
	r.once.Do(r.start)
	return r.pr.Read(p)
}

// Close stops the stream.
func (r *Reader) Close() error {
	if r.pr != nil {
		r.pr.Close()
		<-r.done
	}
	return nil
}

func (r *Reader) start() {
	pr, pw := io.Pipe()
	r.pr, r.done = pr, make(chan struct{})
	go func() {
		defer close(r.done)
		pw.CloseWithError(r.stream(pw))
	}()
}

// stream writes the members as a tar stream to w.
func (r *Reader) stream(w io.Writer) error {
	bw := bufio.NewWriterSize(w, copyBuffer)
	tw := tar.NewWriter(bw)
	buf := make([]byte, copyBuffer)
	for _, m := range r.members {
		if err := tw.WriteHeader(header(m)); err != nil {
			return fmt.Errorf("snapstore: stream %s: %w", m.Name, err)
		}
		f, err := os.Open(filepath.Join(r.dir, filepath.FromSlash(m.Name)))
		if err != nil {
			return fmt.Errorf("snapstore: stream: %w", err)
		}
		n, err := io.CopyBuffer(tw, io.LimitReader(f, m.Size), buf)
		f.Close()
		if err == nil && n != m.Size {
			err = fmt.Errorf("file shrank from %d to %d bytes", m.Size, n)
		}
		if err != nil {
			return fmt.Errorf("snapstore: stream %s: %w", m.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("snapstore: stream: %w", err)
	}
	return bw.Flush()
}

// header is the tar header of a member, as the FSM writes it.
func header(m Member) *tar.Header {
	return &tar.Header{Name: m.Name, Mode: 0o644, Size: m.Size, Typeflag: tar.TypeReg}
}

// tarSize returns the length of the tar stream of members.
func tarSize(members []Member) (int64, error) {
	var total int64
	for _, m := range members {
		var hdr bytes.Buffer
		if err := tar.NewWriter(&hdr).WriteHeader(header(m)); err != nil {
			return 0, fmt.Errorf("snapstore: header of %s: %w", m.Name, err)
		}
		total += int64(hdr.Len()) + (m.Size+511)/512*512
	}
	return total + 1024, nil // two zero blocks end the archive
}
