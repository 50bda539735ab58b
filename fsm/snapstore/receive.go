package snapstore

import (
	"hash/crc32"
	"io"
	"os"
)

// memberBuffer is the size of the buffer a received member is copied
// through: reads of the stream fill it, then one write(2) empties it into
// the page cache while it is still in the CPU cache. It is no smaller than
// hashicorp/raft's 256 KB connection buffer, so a read that finds that
// buffer empty goes straight to the socket instead of through it.
const memberBuffer = 256 << 10

// receiveMember writes everything r holds into f through buf, and returns its
// size and CRC-32C. The copy is done on the caller's goroutine: handing
// chunks to a writer goroutine overlapped the socket reads with the file
// writes but cost more (goroutine wake-ups) than it saved (BENCHMARKS,
// "Session 16").
func receiveMember(f *os.File, r io.Reader, buf []byte) (int64, uint32, error) {
	hash := crc32.New(castagnoli)
	var n int64
	for {
		m, rerr := fill(r, buf)
		n += int64(m)
		if m > 0 {
			if _, err := f.Write(buf[:m]); err != nil {
				return n, 0, err
			}
			hash.Write(buf[:m])
		}
		if rerr == io.EOF {
			return n, hash.Sum32(), nil
		}
		if rerr != nil {
			return n, 0, rerr
		}
	}
}

// fill reads from r until buf is full or r fails; io.EOF means r ended.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
