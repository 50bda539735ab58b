package resp

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pikaraft/pikaraft/resp/command"
)

// Conn is one client connection and its state. Command handlers receive it
// as command.Ctx.Conn. Only the connection's own goroutine runs commands,
// so most state needs no lock; what CLIENT LIST shows from other
// connections is guarded by mu.
type Conn struct {
	srv   *Server
	nc    net.Conn
	id    int64
	addr  string
	laddr string
	fd    int
	born  time.Time

	ctx    context.Context
	cancel context.CancelFunc
	rd     *requestReader
	out    []byte
	// batch is the parsed commands of one process call, reused.
	batch [][][]byte
	// wmu serializes socket writes: replies from the connection's
	// goroutine and pub/sub messages from publishers (pubsub.go).
	wmu sync.Mutex
	// subs is the number of pub/sub subscriptions (kept by pubsubHub).
	subs   atomic.Int32
	killed atomic.Bool
	// busy is set while commands run: a client waiting for a slow write
	// is not idle.
	busy atomic.Bool

	// closeAfterReply stops the connection once pending replies are sent
	// (QUIT, CLIENT KILL of itself).
	closeAfterReply bool
	// multi is the open MULTI block, nil outside one.
	multi *multiState
	// watches are the WATCHed keys, sent with the next EXEC.
	watches []command.WatchedKey
	// pending is the run of consecutive reads or writes not yet executed.
	pending pendingRun
	// extraInput: bytes were read into rd while a blocking command waited;
	// inputErr: the read that watched for a disconnect failed (blocking.go).
	extraInput bool
	inputErr   error

	// readCtx is the handler context of a run of reads (runReads), reused
	// so that a read allocates none; it is cleared after the run.
	readCtx command.Ctx
	// touched is when the last command started (touch) or the last group
	// of writes ended: where a run of reads queued behind them starts.
	touched time.Time

	// db, proto, user and readonly are written only by the connection's
	// own goroutine (connection commands), with mu held for the readers on
	// other goroutines (CLIENT LIST, publishers); the connection's
	// goroutine reads them without mu (ownDB and the like).
	mu       sync.Mutex
	db       int
	proto    int
	name     string
	user     string // authenticated ACL user, "" before AUTH
	readonly bool
	multiLen int // commands queued in MULTI, -1 outside one (CLIENT LIST)
	lastCmd  string
	lastUsed time.Time
}

func newConn(s *Server, nc net.Conn, id int64) *Conn {
	ctx, cancel := context.WithCancel(s.ctx)
	c := &Conn{
		srv:      s,
		nc:       nc,
		id:       id,
		addr:     nc.RemoteAddr().String(),
		laddr:    nc.LocalAddr().String(),
		fd:       connFD(nc),
		born:     time.Now(),
		ctx:      ctx,
		cancel:   cancel,
		proto:    2,
		multiLen: -1,
		lastCmd:  "NULL",
		lastUsed: time.Now(),
	}
	if s.defaultNoPass() {
		c.user = "default"
	}
	c.rd = newRequestReader(readerLimits{
		maxBulk:      s.rt.getMaxBulk(),
		authRequired: func() bool { return c.ownUser() == "" },
	})
	return c
}

// connFD returns the socket's file descriptor for CLIENT LIST, or -1.
func connFD(nc net.Conn) int {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return -1
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	if err := raw.Control(func(f uintptr) { fd = int(f) }); err != nil {
		return -1
	}
	return fd
}

// ID returns the connection's unique id (CLIENT ID).
func (c *Conn) ID() int64 { return c.id }

// DB returns the selected database index.
func (c *Conn) DB() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.db
}

// Proto returns the RESP protocol version (2 or 3).
func (c *Conn) Proto() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.proto
}

// User returns the ACL user the connection is authenticated as, or "".
func (c *Conn) User() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.user
}

// ownDB, ownProto, ownUser and ownReadonly read the connection's state on
// its own goroutine, the only one that changes it, without mu.
func (c *Conn) ownDB() int        { return c.db }
func (c *Conn) ownProto() int     { return c.proto }
func (c *Conn) ownUser() string   { return c.user }
func (c *Conn) ownReadonly() bool { return c.readonly }

func (c *Conn) setUser(name string) {
	c.mu.Lock()
	c.user = name
	c.mu.Unlock()
}

func (c *Conn) idleSince(now time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return now.Sub(c.lastUsed)
}

// setMulti opens (m != nil) or ends the MULTI block.
func (c *Conn) setMulti(m *multiState) {
	c.multi = m
	c.mu.Lock()
	c.multiLen = -1
	if m != nil {
		c.multiLen = len(m.argvs)
	}
	c.mu.Unlock()
}

// kill closes the connection from any goroutine; its goroutine exits.
func (c *Conn) kill() {
	if c.killed.CompareAndSwap(false, true) {
		c.cancel()
		c.nc.Close()
	}
}

// readChunk is the least free buffer space offered to one socket read.
const readChunk = 16 * 1024

// flushThreshold makes a long pipeline write its replies as it goes
// instead of holding them all in memory.
const flushThreshold = 64 * 1024

// serve is the connection's goroutine: read, parse, run, reply.
func (c *Conn) serve() {
	defer c.kill()
	for {
		n, rerr := c.nc.Read(c.rd.spare(readChunk))
		if n > 0 {
			c.rd.commit(n)
			c.srv.stats.netInputBytes.Add(int64(n))
			if !c.process() {
				return
			}
		}
		// Bytes read while a blocking command waited (blocking.go).
		for c.extraInput && c.inputErr == nil {
			c.extraInput = false
			if !c.process() {
				return
			}
		}
		if rerr != nil || c.inputErr != nil {
			return
		}
	}
}

// process runs every complete command buffered and sends the replies; it
// returns false when the connection must close.
func (c *Conn) process() bool {
	c.rd.lim.maxBulk = c.srv.rt.getMaxBulk()
	batch, perr := c.parse()
	if len(batch) == 0 {
		// A client still sending a big request is not idle; otherwise
		// each command marks the connection used (touch).
		c.mu.Lock()
		c.lastUsed = time.Now()
		c.mu.Unlock()
	}
	c.dispatch(batch)
	clear(batch) // the commands may be collected once nothing else holds them
	c.batch = batch[:0]
	if perr != nil {
		var pe *protocolError
		if errors.As(perr, &pe) {
			c.reply(command.Err(pe.Error()))
		}
		c.srv.cfg.Logger.Debug("closing client after a protocol error",
			"client", c.addr, "err", perr)
		c.flush()
		return false
	}
	return c.flush() == nil && !c.closeAfterReply
}

// parse returns every complete command buffered, and the protocol error
// that stopped parsing, if any.
func (c *Conn) parse() ([][][]byte, error) {
	batch := c.batch[:0]
	for {
		argv, ok, err := c.rd.Next()
		if err != nil || !ok {
			return batch, err
		}
		batch = append(batch, argv)
	}
}

// reply appends r to the output in the connection's protocol.
func (c *Conn) reply(r command.Reply) {
	c.out = r.AppendRESP(c.out, c.ownProto())
	if len(c.out) >= flushThreshold {
		c.flush()
	}
}

// flush writes the buffered replies.
func (c *Conn) flush() error {
	if len(c.out) == 0 {
		return nil
	}
	c.wmu.Lock()
	n, err := c.nc.Write(c.out)
	c.wmu.Unlock()
	c.srv.stats.netOutputBytes.Add(int64(n))
	if cap(c.out) > 1<<20 {
		c.out = nil
	} else {
		c.out = c.out[:0]
	}
	return err
}
