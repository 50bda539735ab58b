package fsm

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/pikaraft/pikaraft/resp/command"
)

// Entry is the payload of one Raft log entry: the commands of one client
// request (one command, or the commands of a MULTI/EXEC block) and
// everything needed to execute them the same way on every node.
type Entry struct {
	// DB is the logical database the commands run against.
	DB int
	// Cmds are the commands as the client sent them (argv each).
	Cmds [][][]byte
	// LeaderTimeMs is the proposing leader's clock (Unix ms), never behind
	// the last leader time it had applied.
	LeaderTimeMs int64
	// Seed seeds every random choice; command i uses Seed+i.
	Seed uint64
	// ClientID and Seq identify a forwarded request so that a retry is
	// applied at most once (HasClient reports whether they are set).
	ClientID, Seq uint64
	HasClient     bool
	// Txn marks a MULTI/EXEC block with WATCHed keys: the FSM runs the
	// commands only if none of Watches changed (command.WatchesHold), and
	// the entry's response is ONE reply, the EXEC reply: an array of the
	// commands' replies, or a nil array when the transaction aborted.
	Txn     bool
	Watches []command.WatchedKey
}

// entryVersion is the first byte of every encoded entry. A new layout gets
// a new version; old versions stay decodable forever (they live in logs and
// snapshots).
const entryVersion = 1

const (
	flagClient = 1 << 0
	flagTxn    = 1 << 1
)

// Limits that keep Decode from allocating more than the input can hold.
const (
	maxCmds = 1 << 20
	maxArgs = 1 << 24
)

// ErrBadEntry is returned by Decode for anything that is not a valid entry.
var ErrBadEntry = errors.New("bad log entry")

// Encode returns the binary form of e:
//
//	version u8 | flags u8 | db uvarint | leader_time varint | seed u64 LE
//	| [client_id uvarint | seq uvarint]   (flags&1)
//	| [nwatch uvarint | per watch: db uvarint, key len uvarint, key,
//	   version uvarint, deadline varint]   (flags&2)
//	| ncmds uvarint | per cmd: nargs uvarint | per arg: len uvarint, bytes
func (e *Entry) Encode() []byte {
	size := 2 + 3*binary.MaxVarintLen64 + 8 + 2*binary.MaxVarintLen64
	for _, c := range e.Cmds {
		size += binary.MaxVarintLen32
		for _, a := range c {
			size += binary.MaxVarintLen32 + len(a)
		}
	}
	b := make([]byte, 0, size)
	var flags byte
	if e.HasClient {
		flags |= flagClient
	}
	if e.Txn {
		flags |= flagTxn
		for _, w := range e.Watches {
			size += 4*binary.MaxVarintLen64 + len(w.Key)
		}
	}
	b = append(b, entryVersion, flags)
	b = binary.AppendUvarint(b, uint64(e.DB))
	b = binary.AppendVarint(b, e.LeaderTimeMs)
	b = binary.LittleEndian.AppendUint64(b, e.Seed)
	if e.HasClient {
		b = binary.AppendUvarint(b, e.ClientID)
		b = binary.AppendUvarint(b, e.Seq)
	}
	if e.Txn {
		b = binary.AppendUvarint(b, uint64(len(e.Watches)))
		for _, w := range e.Watches {
			b = binary.AppendUvarint(b, uint64(w.DB))
			b = binary.AppendUvarint(b, uint64(len(w.Key)))
			b = append(b, w.Key...)
			b = binary.AppendUvarint(b, w.Version)
			b = binary.AppendVarint(b, int64(w.Deadline))
		}
	}
	b = binary.AppendUvarint(b, uint64(len(e.Cmds)))
	for _, c := range e.Cmds {
		b = binary.AppendUvarint(b, uint64(len(c)))
		for _, a := range c {
			b = binary.AppendUvarint(b, uint64(len(a)))
			b = append(b, a...)
		}
	}
	return b
}

// decoder reads an encoded entry, failing on the first inconsistency.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s at %d bytes from the end", ErrBadEntry, what, len(d.b))
	}
}

func (d *decoder) byte(what string) byte {
	if d.err != nil || len(d.b) < 1 {
		d.fail(what)
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(what)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint(what string) int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail(what)
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) u64(what string) uint64 {
	if d.err != nil || len(d.b) < 8 {
		d.fail(what)
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

// count reads a length that must not exceed limit nor the bytes left (each
// counted item takes at least minSize bytes).
func (d *decoder) count(what string, limit uint64, minSize int) int {
	v := d.uvarint(what)
	if d.err != nil {
		return 0
	}
	if v > limit || (minSize > 0 && v > uint64(len(d.b)/minSize)) {
		d.fail(what + " too large")
		return 0
	}
	return int(v)
}

func (d *decoder) bytes(n int, what string) []byte {
	if d.err != nil || n > len(d.b) {
		d.fail(what)
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

// watches reads the watched keys of a transaction entry.
func (d *decoder) watches() []command.WatchedKey {
	n := d.count("watch count", maxArgs, 4)
	if d.err != nil || n == 0 {
		return nil
	}
	out := make([]command.WatchedKey, n)
	for i := 0; i < n && d.err == nil; i++ {
		db := d.uvarint("watch db")
		if db > 1<<16 {
			d.fail("watch db out of range")
		}
		out[i].DB = int(db)
		out[i].Key = d.bytes(d.count("watch key length", uint64(len(d.b)), 0), "watch key")
		out[i].Version = d.uvarint("watch version")
		dl := d.varint("watch deadline")
		if dl < -1<<31 || dl > 1<<31-1 {
			d.fail("watch deadline out of range")
		}
		out[i].Deadline = int32(dl)
	}
	return out
}

// Decode parses an encoded entry. It never panics: any malformed input is
// an ErrBadEntry. The returned arguments alias data.
func Decode(data []byte) (*Entry, error) {
	d := &decoder{b: data}
	if v := d.byte("version"); d.err == nil && v != entryVersion {
		return nil, fmt.Errorf("%w: unknown version %d", ErrBadEntry, v)
	}
	flags := d.byte("flags")
	if d.err == nil && flags&^byte(flagClient|flagTxn) != 0 {
		return nil, fmt.Errorf("%w: unknown flags %#x", ErrBadEntry, flags)
	}
	e := &Entry{}
	db := d.uvarint("db")
	if db > 1<<16 {
		d.fail("db out of range")
	}
	e.DB = int(db)
	e.LeaderTimeMs = d.varint("leader time")
	e.Seed = d.u64("seed")
	if flags&flagClient != 0 {
		e.HasClient = true
		e.ClientID = d.uvarint("client id")
		e.Seq = d.uvarint("sequence")
	}
	if flags&flagTxn != 0 {
		e.Txn = true
		e.Watches = d.watches()
	}
	ncmds := d.count("command count", maxCmds, 1)
	if d.err == nil && ncmds > 0 {
		e.Cmds = make([][][]byte, ncmds)
	}
	for i := 0; i < ncmds && d.err == nil; i++ {
		nargs := d.count("argument count", maxArgs, 1)
		if d.err != nil {
			break
		}
		argv := make([][]byte, nargs)
		for j := 0; j < nargs && d.err == nil; j++ {
			n := d.count("argument length", uint64(len(d.b)), 0)
			argv[j] = d.bytes(n, "argument")
		}
		e.Cmds[i] = argv
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail("trailing bytes")
	}
	if d.err != nil {
		return nil, d.err
	}
	return e, nil
}
