package resp

import (
	"bytes"
	"errors"

	"github.com/pikaraft/pikaraft/resp/command"
)

// Why not redcon's reader: redcon v1.6.2's Reader re-parses the whole
// pending buffer on every read, loops `count` times over a multibulk header
// before it has the data (`*3000000000` spins the CPU for seconds per read),
// computes `i+size+2` without overflow checks (`$9223372036854775807`
// indexes out of range and panics the process), and has no bulk or
// multibulk limits. requestReader below is an incremental parser that
// follows Redis 7's processMultibulkBuffer/processInlineBuffer: the same
// limits, the same error texts, and memory that grows only with the bytes
// a client actually sent.

// Protocol limits that are not configurable (Redis 7 values).
const (
	// inlineMaxSize bounds an inline request line and the header lines of
	// a multibulk request (Redis PROTO_INLINE_MAX_SIZE).
	inlineMaxSize = 64 * 1024
	// maxMultibulkLen is the largest multibulk count accepted.
	maxMultibulkLen = 1024 * 1024 * 1024
	// unauthMaxMultibulk and unauthMaxBulk are the limits for clients that
	// still have to authenticate (Redis 7 "unauthenticated ... length").
	unauthMaxMultibulk = 10
	unauthMaxBulk      = 16384
	// DefaultProtoMaxBulkLen is Redis's default proto-max-bulk-len (512 MB).
	DefaultProtoMaxBulkLen = 512 * 1024 * 1024
	// DefaultQueryBufferLimit bounds the bytes of one request (Redis's
	// client-query-buffer-limit, 1 GB); a client over it is disconnected.
	DefaultQueryBufferLimit = 1024 * 1024 * 1024
	// bigArg is the size from which an argument keeps the read buffer
	// instead of being copied out of it (Redis PROTO_MBULK_BIG_ARG).
	bigArg = 32 * 1024
)

// protocolError is a malformed request. Its text is the full Redis error
// ("ERR Protocol error: ..."); the connection is closed after it is sent.
type protocolError struct{ msg string }

func (e *protocolError) Error() string { return "ERR Protocol error: " + e.msg }

func protoErr(msg string) error { return &protocolError{msg: msg} }

// errQueryBufferLimit closes a connection silently, as Redis does for a
// client over client-query-buffer-limit.
var errQueryBufferLimit = errors.New("query buffer limit reached")

// readerLimits are the limits a requestReader enforces; authRequired is
// consulted per request because AUTH changes it.
type readerLimits struct {
	maxBulk      int64
	maxQuery     int64
	authRequired func() bool
}

// requestReader turns bytes from a client into commands. Feed appends
// input; Next returns complete commands one by one. It keeps the state of a
// partly received multibulk request, so every byte is examined once.
type requestReader struct {
	lim readerLimits
	buf []byte // unparsed input is buf[pos:]
	pos int

	// state of the multibulk request being read
	inMulti  bool
	argsLeft int64 // arguments still to read
	bulkLen  int64 // length of the argument being read, -1 before its header
	args     [][]byte
	reqBytes int64 // bytes of the current request so far

	// arena and slots are blocks that small arguments and argv slices are
	// carved from (copyArg, argvSlots), so a short command costs no
	// allocation of its own. A block is never rewritten, only replaced
	// when full: an argv stays valid for as long as anything holds it
	// (a MULTI queue, a blocked command), as with one allocation per
	// argument.
	arena []byte
	slots [][]byte
}

// Block sizes of the argument arena. Arguments from arenaMaxArg bytes up
// get an allocation of their own, as do argvs of more than slotsMaxArgs.
const (
	arenaBlock   = 8 * 1024
	arenaMaxArg  = 1024
	slotsBlock   = 512
	slotsMaxArgs = 64
)

func newRequestReader(lim readerLimits) *requestReader {
	if lim.maxBulk <= 0 {
		lim.maxBulk = DefaultProtoMaxBulkLen
	}
	if lim.maxQuery <= 0 {
		lim.maxQuery = DefaultQueryBufferLimit
	}
	if lim.authRequired == nil {
		lim.authRequired = func() bool { return false }
	}
	return &requestReader{lim: lim, bulkLen: -1}
}

// Feed appends input bytes.
func (r *requestReader) Feed(p []byte) {
	r.compact(len(p))
	r.buf = append(r.buf, p...)
}

// spare returns a slice of free buffer space of at least min bytes for a
// read straight into the buffer; commit(n) then adds n bytes of it.
func (r *requestReader) spare(min int) []byte {
	r.compact(min)
	if cap(r.buf)-len(r.buf) < min {
		nb := make([]byte, len(r.buf), 2*cap(r.buf)+min)
		copy(nb, r.buf)
		r.buf = nb
	}
	return r.buf[len(r.buf):cap(r.buf)]
}

func (r *requestReader) commit(n int) { r.buf = r.buf[:len(r.buf)+n] }

// Buffered reports how many unparsed bytes are held.
func (r *requestReader) Buffered() int { return len(r.buf) - r.pos }

// compact drops consumed bytes when that makes room for n more bytes.
func (r *requestReader) compact(n int) {
	if r.pos == 0 {
		return
	}
	if r.pos == len(r.buf) {
		r.buf, r.pos = r.buf[:0], 0
		if cap(r.buf) > 1<<20 { // do not keep a huge buffer after a big request
			r.buf = nil
		}
		return
	}
	if cap(r.buf)-len(r.buf) < n || r.pos > len(r.buf)/2 {
		m := copy(r.buf, r.buf[r.pos:])
		r.buf, r.pos = r.buf[:m], 0
	}
}

// Next returns the next complete command. ok is false when more input is
// needed. After an error the reader must not be used again.
func (r *requestReader) Next() (argv [][]byte, ok bool, err error) {
	for r.pos < len(r.buf) {
		if !r.inMulti && r.buf[r.pos] != '*' {
			argv, ok, err = r.inline()
		} else {
			argv, ok, err = r.multibulk()
		}
		if err != nil || !ok {
			return nil, false, err
		}
		if len(argv) > 0 {
			return argv, true, nil
		}
		// an empty inline line or "*0": nothing to run, keep going
	}
	return nil, false, nil
}

// inline reads a telnet-style request line.
func (r *requestReader) inline() ([][]byte, bool, error) {
	data := r.buf[r.pos:]
	nl := bytes.IndexByte(data, '\n')
	if nl < 0 {
		if len(data) > inlineMaxSize {
			return nil, false, protoErr("too big inline request")
		}
		return nil, false, nil
	}
	line := data[:nl]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	r.pos += nl + 1
	args, ok := splitArgs(line)
	if !ok {
		return nil, false, protoErr("unbalanced quotes in request")
	}
	return args, true, nil
}

// multibulk reads (the rest of) a "*<n>\r\n$<len>\r\n<data>\r\n..." request.
func (r *requestReader) multibulk() ([][]byte, bool, error) {
	if !r.inMulti {
		line, ok, err := r.line("too big mbulk count string")
		if !ok || err != nil {
			return nil, false, err
		}
		n, valid := command.ParseInt(line[1:])
		if !valid || n > maxMultibulkLen {
			return nil, false, protoErr("invalid multibulk length")
		}
		if n > unauthMaxMultibulk && r.lim.authRequired() {
			return nil, false, protoErr("unauthenticated multibulk length")
		}
		if n <= 0 {
			return nil, true, nil // Redis ignores "*0" and "*-1"
		}
		r.inMulti, r.argsLeft, r.bulkLen = true, n, -1
		r.args = r.argvSlots(n)
		r.reqBytes = int64(len(line)) + 2
	}
	for r.argsLeft > 0 {
		if r.bulkLen < 0 {
			line, ok, err := r.line("too big bulk count string")
			if !ok || err != nil {
				return nil, false, err
			}
			if len(line) == 0 || line[0] != '$' {
				got := byte('\r')
				if len(line) > 0 {
					got = line[0]
				}
				return nil, false, protoErr("expected '$', got '" + string(got) + "'")
			}
			n, valid := command.ParseInt(line[1:])
			if !valid || n < 0 || n > r.lim.maxBulk {
				return nil, false, protoErr("invalid bulk length")
			}
			if n > unauthMaxBulk && r.lim.authRequired() {
				return nil, false, protoErr("unauthenticated bulk length")
			}
			r.bulkLen = n
			r.reqBytes += int64(len(line)) + 2
		}
		if r.reqBytes+r.bulkLen > r.lim.maxQuery {
			return nil, false, errQueryBufferLimit
		}
		// As in Redis the two bytes after the data are skipped unchecked.
		if int64(len(r.buf)-r.pos) < r.bulkLen+2 {
			return nil, false, nil
		}
		end := r.pos + int(r.bulkLen)
		if r.bulkLen >= bigArg {
			// Hand the buffer itself to the argument and move the few bytes
			// after it to a fresh buffer: no second copy of a big value.
			r.args = append(r.args, r.buf[r.pos:end:end])
			rest := r.buf[end+2:]
			r.buf = append(make([]byte, 0, max(len(rest), 4096)), rest...)
			r.pos = 0
		} else {
			r.args = append(r.args, r.copyArg(r.buf[r.pos:end]))
			r.pos = end + 2
		}
		r.reqBytes += r.bulkLen + 2
		r.bulkLen = -1
		r.argsLeft--
	}
	args := r.args
	r.inMulti, r.args, r.reqBytes = false, nil, 0
	return args, true, nil
}

// copyArg returns a copy of a small argument, carved from the arena. The
// copy's capacity is its length, so appending to it never reaches the
// next argument.
func (r *requestReader) copyArg(b []byte) []byte {
	if len(b) >= arenaMaxArg {
		return append(make([]byte, 0, len(b)), b...)
	}
	if cap(r.arena)-len(r.arena) < len(b) {
		r.arena = make([]byte, 0, arenaBlock)
	}
	start := len(r.arena)
	r.arena = append(r.arena, b...)
	return r.arena[start:len(r.arena):len(r.arena)]
}

// argvSlots returns an empty argv with room for n arguments, carved from
// the slots block when n is small.
func (r *requestReader) argvSlots(n int64) [][]byte {
	if n > slotsMaxArgs {
		return make([][]byte, 0, min(n, 1024))
	}
	if int64(cap(r.slots)-len(r.slots)) < n {
		r.slots = make([][]byte, 0, slotsBlock)
	}
	start := len(r.slots)
	r.slots = r.slots[:start+int(n)]
	return r.slots[start:start:len(r.slots)]
}

// line returns the next CRLF-terminated header line (without CRLF) and
// consumes it. A line that is not terminated within inlineMaxSize bytes is
// the error tooBig.
func (r *requestReader) line(tooBig string) ([]byte, bool, error) {
	data := r.buf[r.pos:]
	cr := bytes.IndexByte(data, '\r')
	if cr < 0 || cr+1 >= len(data) {
		if len(data) > inlineMaxSize {
			return nil, false, protoErr(tooBig)
		}
		return nil, false, nil
	}
	if cr > inlineMaxSize {
		return nil, false, protoErr(tooBig)
	}
	if data[cr+1] != '\n' {
		if data[0] == '*' {
			return nil, false, protoErr("invalid multibulk length")
		}
		return nil, false, protoErr("invalid bulk length")
	}
	r.pos += cr + 2
	return data[:cr], true, nil
}
