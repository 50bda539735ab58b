package binlogsink

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"syscall"

	"github.com/pikaraft/pikaraft/engine"
)

// journal holds the binlog items of the apply batch in progress in a
// memory-mapped file (MAP_SHARED), so that they reach the page cache with
// a memory copy, not a system call. A process killed in the middle of a
// batch — after the engine committed commands whose items were still in
// the binlog writers' buffers — leaves them here; the next start appends
// them to the binlog (the writers skip what they already hold). It also
// records the last command whose items were produced, which tells the
// next start which command, if any, the engine committed but the binlog
// never saw. It protects against a process crash, not a power loss (the
// engine does not fsync either; Snapshot fsyncs the binlog).
//
// Layout: a 32-byte header — magic, last command (index u64, sub u32),
// bytes of records in use (u64) — then records: content length u32,
// index u64, sub u32, term u32, exec time u32, db u32, content.
type journal struct {
	f    *os.File
	mem  []byte
	used int // bytes of records after the header
}

const (
	journalMagic   = "PKRJRNL1"
	journalHeader  = 32
	journalRecHead = 28
	journalMinSize = 1 << 20
	offLastIndex   = 8
	offLastSub     = 16
	offUsed        = 24
)

// record is one binlog item kept in the journal.
type record struct {
	pos      engine.Pos
	term     uint32
	execTime uint32
	db       int
	content  []byte
}

// openJournal maps path (creating it) and returns it with the records and
// last command it holds.
func openJournal(path string) (*journal, []record, engine.Pos, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, engine.Pos{}, fmt.Errorf("binlog journal: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, engine.Pos{}, fmt.Errorf("binlog journal: %w", err)
	}
	size := int(st.Size())
	fresh := size < journalMinSize
	if fresh {
		size = journalMinSize
		if err := f.Truncate(int64(size)); err != nil {
			f.Close()
			return nil, nil, engine.Pos{}, fmt.Errorf("binlog journal: size: %w", err)
		}
	}
	j := &journal{f: f}
	if err := j.mmap(size); err != nil {
		f.Close()
		return nil, nil, engine.Pos{}, err
	}
	if !bytes.Equal(j.mem[:8], []byte(journalMagic)) {
		// New (or foreign) file: start empty.
		clear(j.mem[:journalHeader])
		copy(j.mem, journalMagic)
		return j, nil, engine.Pos{}, nil
	}
	last := engine.Pos{Index: binary.LittleEndian.Uint64(j.mem[offLastIndex:]),
		Sub: binary.LittleEndian.Uint32(j.mem[offLastSub:])}
	recs := j.records()
	if n := len(recs); n > 0 && last.Less(recs[n-1].pos) {
		last = recs[n-1].pos
	}
	return j, recs, last, nil
}

func (j *journal) mmap(size int) error {
	mem, err := syscall.Mmap(int(j.f.Fd()), 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		return fmt.Errorf("binlog journal: mmap: %w", err)
	}
	j.mem = mem
	return nil
}

// records decodes the records in use; a torn or damaged tail ends them.
func (j *journal) records() []record {
	used := binary.LittleEndian.Uint64(j.mem[offUsed:])
	end := uint64(len(j.mem))
	if used > end-journalHeader {
		used = end - journalHeader
	}
	data := j.mem[journalHeader : journalHeader+used]
	var out []record
	for len(data) >= journalRecHead {
		n := int(binary.LittleEndian.Uint32(data))
		if n > len(data)-journalRecHead {
			break
		}
		out = append(out, record{
			pos: engine.Pos{Index: binary.LittleEndian.Uint64(data[4:]),
				Sub: binary.LittleEndian.Uint32(data[12:])},
			term:     binary.LittleEndian.Uint32(data[16:]),
			execTime: binary.LittleEndian.Uint32(data[20:]),
			db:       int(binary.LittleEndian.Uint32(data[24:])),
			content:  append([]byte(nil), data[journalRecHead:journalRecHead+n]...),
		})
		data = data[journalRecHead+n:]
	}
	return out
}

// add appends records and then publishes them (the used count is stored
// after the bytes, so a crash never exposes a half-written record).
func (j *journal) add(recs []record) error {
	need := 0
	for _, r := range recs {
		need += journalRecHead + len(r.content)
	}
	if journalHeader+j.used+need > len(j.mem) {
		if err := j.grow(journalHeader + j.used + need); err != nil {
			return err
		}
	}
	at := journalHeader + j.used
	for _, r := range recs {
		d := j.mem[at:]
		binary.LittleEndian.PutUint32(d, uint32(len(r.content)))
		binary.LittleEndian.PutUint64(d[4:], r.pos.Index)
		binary.LittleEndian.PutUint32(d[12:], r.pos.Sub)
		binary.LittleEndian.PutUint32(d[16:], r.term)
		binary.LittleEndian.PutUint32(d[20:], r.execTime)
		binary.LittleEndian.PutUint32(d[24:], uint32(r.db))
		copy(d[journalRecHead:], r.content)
		at += journalRecHead + len(r.content)
	}
	j.used = at - journalHeader
	binary.LittleEndian.PutUint64(j.mem[offUsed:], uint64(j.used))
	return nil
}

// setLast records the last command whose items were produced.
func (j *journal) setLast(p engine.Pos) {
	binary.LittleEndian.PutUint64(j.mem[offLastIndex:], p.Index)
	binary.LittleEndian.PutUint32(j.mem[offLastSub:], p.Sub)
}

// reset drops the records (the binlog writers hold them now).
func (j *journal) reset() {
	j.used = 0
	binary.LittleEndian.PutUint64(j.mem[offUsed:], 0)
}

// grow remaps the file with room for at least n bytes.
func (j *journal) grow(n int) error {
	size := len(j.mem) * 2
	for size < n {
		size *= 2
	}
	if err := j.f.Truncate(int64(size)); err != nil {
		return fmt.Errorf("binlog journal: grow: %w", err)
	}
	if err := syscall.Munmap(j.mem); err != nil {
		return fmt.Errorf("binlog journal: unmap: %w", err)
	}
	j.mem = nil
	return j.mmap(size)
}

// sync writes the mapping to disk.
func (j *journal) sync() error {
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("binlog journal: sync: %w", err)
	}
	return nil
}

func (j *journal) close() error {
	var err error
	if j.mem != nil {
		err = syscall.Munmap(j.mem)
		j.mem = nil
	}
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	return err
}
