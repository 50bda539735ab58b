package resp

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"time"

	"github.com/pikaraft/pikaraft/resp/command"
)

// Blocking commands: BLPOP, BRPOP, BRPOPLPUSH, BLMOVE and XREAD BLOCK.
//
// The connection's goroutine waits in the Cluster (Blocker) while another
// goroutine keeps reading the socket, so a client that disconnects stops
// waiting (nothing is popped for it afterwards) and bytes it pipelines
// meanwhile are kept for after the reply.

// Blocker is implemented by a Cluster that can wait for data.
type Blocker interface {
	// Block runs a blocking list command (argv) against database db: it
	// pops at once if it can, else waits up to timeout (0 = forever) for
	// a push, each attempt being a Raft entry. It returns the command's
	// reply (nil when the timeout passed) or an error to send, e.g. when
	// the leader changed while it waited.
	Block(ctx context.Context, db int, argv [][]byte, timeout time.Duration) (command.Reply, error)
	// WaitKeys returns a channel that is closed the next time this node
	// applies a write to one of keys of db, and a function that releases it.
	WaitKeys(db int, keys [][]byte) (<-chan struct{}, func())
}

// runBlocking runs a blocking list command outside MULTI.
func (c *Conn) runBlocking(spec *command.Spec, argv [][]byte) command.Reply {
	timeout, err := command.BlockTimeout(argv)
	if err != nil {
		return command.ErrReply(err)
	}
	b, ok := c.srv.cluster.(Blocker)
	if !ok {
		return c.runWrites([][][]byte{argv})[0] // one attempt, no waiting
	}
	ctx, stop := c.waitInput()
	defer stop()
	start := time.Now()
	r, err := b.Block(ctx, c.DB(), argv, timeout)
	c.recordCall(spec, argv, time.Since(start))
	if err != nil {
		return command.ErrReply(err)
	}
	return r
}

// waitInput flushes the replies so far and watches the socket while the
// connection's goroutine waits: the returned context ends when the client
// disconnects. stop ends the watch; bytes read meanwhile stay in the
// request buffer (extraInput).
func (c *Conn) waitInput() (context.Context, func()) {
	c.flush()
	ctx, cancel := context.WithCancel(c.ctx)
	var stopping atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			n, err := c.io.Read(c.rd.spare(readChunk))
			if n > 0 {
				c.rd.commit(n)
				c.srv.stats.netInputBytes.Add(int64(n))
				c.extraInput = true
			}
			if err != nil {
				var ne net.Error
				if !(stopping.Load() && errors.As(err, &ne) && ne.Timeout()) {
					c.inputErr = err
					cancel()
				}
				return
			}
		}
	}()
	return ctx, func() {
		stopping.Store(true)
		_ = c.nc.SetReadDeadline(time.Now())
		<-done
		_ = c.nc.SetReadDeadline(time.Time{})
		cancel()
	}
}

// runXReadBlock waits for an XREAD BLOCK: it runs the read (plain, the same
// XREAD without BLOCK, "$" replaced by the streams' last IDs at the start)
// again each time this node applies a write to one of keys, until it
// returns entries or timeout (0 = forever) passes.
func (c *Conn) runXReadBlock(spec *command.Spec, timeout time.Duration, keys, plain [][]byte) command.Reply {
	b, ok := c.srv.cluster.(Blocker)
	if !ok {
		r, _ := c.readOnce(spec, plain, false)
		return r
	}
	ctx, stop := c.waitInput()
	defer stop()
	var timer <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		timer = t.C
	}
	resolve := true
	for {
		ch, release := b.WaitKeys(c.DB(), keys)
		r, resolved := c.readOnce(spec, plain, resolve)
		if r.Type != command.TypeNilArray {
			release()
			return r
		}
		plain, resolve = resolved, false
		select {
		case <-ch:
		case <-timer:
			release()
			return command.NilArray()
		case <-ctx.Done():
			release()
			return command.ErrReply(ctx.Err())
		}
		release()
	}
}

// readOnce runs one read command at the connection's consistency. With
// resolve, "$" IDs of an XREAD are first replaced by the last IDs; the
// argv actually run is returned.
func (c *Conn) readOnce(spec *command.Spec, argv [][]byte, resolve bool) (command.Reply, [][]byte) {
	c.mu.Lock()
	stale := c.readonly
	c.mu.Unlock()
	now, err := c.srv.cluster.ReadTime(c.ctx, stale)
	if err != nil {
		return command.ErrReply(err), argv
	}
	ctx, release, rerr := c.dataCtx()
	if rerr != nil {
		return *rerr, argv
	}
	defer release()
	ctx.NowMs = now
	if resolve {
		if argv, err = command.ResolveLastIDs(ctx.DB, argv); err != nil {
			return command.ErrReply(err), argv
		}
	}
	return c.safeRun(spec, ctx, argv), argv
}
