package snapstore

import (
	"archive/tar"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"
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

// Read reads the tar stream. Use either Read or WriteTo, not both.
func (r *Reader) Read(p []byte) (int, error) {
	r.once.Do(r.start)
	return r.pr.Read(p)
}

// WriteTo writes the whole tar stream to w (io.Copy uses it: hashicorp/raft
// copies a snapshot into the follower's connection that way). File
// contents are handed to w's ReadFrom when it has one, so a buffered TCP
// connection sends them with sendfile(2) instead of copying them through
// user space. Use either Read or WriteTo, not both.
func (r *Reader) WriteTo(w io.Writer) (int64, error) {
	started := false
	r.once.Do(func() { started = true })
	if !started {
		return 0, errors.New("snapstore: WriteTo after Read")
	}
	return r.stream(w)
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
		bw := bufio.NewWriterSize(pw, copyBuffer)
		_, err := r.stream(bw)
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err)
	}()
}

// stream writes the members as a tar stream to w: the bytes archive/tar's
// Writer produces (header, contents, zero padding to 512 bytes; two zero
// blocks at the end), with the contents copied straight from the files.
func (r *Reader) stream(w io.Writer) (int64, error) {
	var total int64
	write := func(b []byte) error {
		n, err := w.Write(b)
		total += int64(n)
		return err
	}
	for _, m := range r.members {
		hdr, err := headerBytes(m)
		if err != nil {
			return total, err
		}
		if err := write(hdr); err != nil {
			return total, fmt.Errorf("snapstore: stream %s: %w", m.Name, err)
		}
		n, err := copyMember(w, filepath.Join(r.dir, filepath.FromSlash(m.Name)), m.Size)
		total += n
		if err != nil {
			return total, fmt.Errorf("snapstore: stream %s: %w", m.Name, err)
		}
		if err := write(zeros[:padding(m.Size)]); err != nil {
			return total, fmt.Errorf("snapstore: stream %s: %w", m.Name, err)
		}
	}
	if err := write(zeros[:2*blockSize]); err != nil {
		return total, fmt.Errorf("snapstore: stream: %w", err)
	}
	return total, nil
}

// copyMember copies the size bytes of the file at path to w.
func copyMember(w io.Writer, path string, size int64) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	// The whole file is read once, in order: ask for a bigger read-ahead.
	_ = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_SEQUENTIAL)
	// io.Copy hands the limited *os.File to w's ReadFrom (sendfile on a
	// TCP connection), or copies through a buffer.
	n, err := io.Copy(w, &io.LimitedReader{R: f, N: size})
	if err == nil && n != size {
		err = fmt.Errorf("file shrank from %d to %d bytes", size, n)
	}
	return n, err
}

// blockSize is the tar block size.
const blockSize = 512

var zeros = make([]byte, 2*blockSize)

// padding returns the number of zero bytes after size bytes of contents.
func padding(size int64) int64 { return (blockSize - size%blockSize) % blockSize }

// headerBytes returns the encoded tar header of a member.
func headerBytes(m Member) ([]byte, error) {
	var b bytes.Buffer
	if err := tar.NewWriter(&b).WriteHeader(header(m)); err != nil {
		return nil, fmt.Errorf("snapstore: header of %s: %w", m.Name, err)
	}
	return b.Bytes(), nil
}

// header is the tar header of a member, as the FSM writes it.
func header(m Member) *tar.Header {
	return &tar.Header{Name: m.Name, Mode: 0o644, Size: m.Size, Typeflag: tar.TypeReg}
}

// tarSize returns the length of the tar stream of members.
func tarSize(members []Member) (int64, error) {
	var total int64
	for _, m := range members {
		hdr, err := headerBytes(m)
		if err != nil {
			return 0, err
		}
		total += int64(len(hdr)) + m.Size + padding(m.Size)
	}
	return total + 2*blockSize, nil // two zero blocks end the archive
}
