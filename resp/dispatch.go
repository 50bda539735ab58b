package resp

import (
	"fmt"
	"time"

	"github.com/pikaraft/pikaraft/resp/command"
)

// Fixed error replies of the dispatcher (Redis 7 wording).
var (
	errNoAuth   = command.Err("NOAUTH Authentication required.")
	errNotInTxn = command.Err("ERR Command not allowed inside a transaction")
)

// runKind is what a pending run of commands is made of.
type runKind uint8

const (
	runNone runKind = iota
	runReads
	runWrites
)

// pendingRun is a run of consecutive data commands of one pipeline, all
// reads or all writes, executed together: reads share one ReadTime, writes
// go to Cluster.Write in groups of up to ServerConfig.PipelineWrites.
type pendingRun struct {
	kind  runKind
	specs []*command.Spec
	argvs [][][]byte
}

// dispatch runs the commands of one read from the socket, in order, and
// appends their replies to the output.
func (c *Conn) dispatch(batch [][][]byte) {
	c.busy.Store(true)
	defer c.busy.Store(false)
	for _, argv := range batch {
		if c.closeAfterReply || c.killed.Load() {
			break
		}
		c.srv.stats.commandsProcessed.Add(1)
		spec, rej := c.check(argv)
		c.touch(spec)
		if rej != nil {
			c.flushPending()
			if c.multi != nil {
				c.multi.dirty = true
			}
			c.reply(*rej)
			continue
		}
		c.feedMonitors(spec, argv)
		if c.multi != nil && !isTxnControl(spec.Name) {
			c.flushPending()
			c.multi.add(spec, argv)
			c.setMulti(c.multi)
			c.reply(command.Status("QUEUED"))
			continue
		}
		switch {
		case spec.Flags&command.FlagConnState != 0:
			c.flushPending()
			start := time.Now()
			r := c.runLocal(spec, argv)
			c.recordCall(spec, argv, time.Since(start))
			c.reply(r)
		case spec.IsWrite() && spec.Flags&command.FlagBlocking != 0:
			c.flushPending()
			c.reply(c.runBlocking(spec, argv))
		case spec.IsWrite():
			c.addPending(runWrites, spec, argv)
		case spec.Flags&command.FlagBlocking != 0 && c.xreadBlock(spec, argv):
		default:
			c.addPending(runReads, spec, argv)
		}
	}
	c.flushPending()
}

// xreadBlock runs an XREAD BLOCK (and reports true), or reports false
// for a read that does not block.
func (c *Conn) xreadBlock(spec *command.Spec, argv [][]byte) bool {
	timeout, keys, plain, ok := command.XReadBlocking(argv)
	if !ok {
		return false
	}
	c.flushPending()
	start := time.Now()
	r := c.runXReadBlock(spec, timeout, keys, plain)
	c.recordCall(spec, argv, time.Since(start))
	c.reply(r)
	return true
}

// touch records activity for CLIENT LIST (idle, cmd) and the idle timeout.
func (c *Conn) touch(spec *command.Spec) {
	c.touched = time.Now()
	c.mu.Lock()
	c.lastUsed = c.touched
	if spec != nil {
		c.lastCmd = spec.Name
	}
	c.mu.Unlock()
}

// check finds the command and applies every check that precedes running or
// queueing it, in Redis's order: existence, arity, authentication,
// ACL permission (acl_check.go), MULTI compatibility.
func (c *Conn) check(argv [][]byte) (*command.Spec, *command.Reply) {
	spec, ok := command.Commands.Lookup(argv[0])
	if !ok {
		r := command.UnknownCommand(argv)
		return nil, &r
	}
	if !spec.CheckArity(len(argv)) {
		r := command.WrongArity(spec.Name)
		return nil, &r
	}
	if r := c.checkACL(spec, argv); r != nil {
		return nil, r
	}
	if c.multi != nil && spec.Flags&command.FlagNoMulti != 0 {
		return nil, &errNotInTxn
	}
	if c.srv.ps.subscribed(c) && !subscribeModeAllowed(spec.Name) && c.ownProto() == 2 {
		r := command.Err(fmt.Sprintf("ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context", spec.Name))
		return nil, &r
	}
	return spec, nil
}

// isTxnControl reports whether a command runs at once inside MULTI
// instead of being queued (as in Redis).
func isTxnControl(name string) bool {
	switch name {
	case "exec", "discard", "multi", "watch", "quit", "reset":
		return true
	}
	return false
}

func (c *Conn) addPending(kind runKind, spec *command.Spec, argv [][]byte) {
	if c.pending.kind != kind {
		c.flushPending()
		c.pending.kind = kind
	}
	c.pending.specs = append(c.pending.specs, spec)
	c.pending.argvs = append(c.pending.argvs, argv)
}

// flushPending executes the pending run and replies to each command.
func (c *Conn) flushPending() {
	p := &c.pending
	switch p.kind {
	case runReads:
		c.runReads(p.specs, p.argvs)
	case runWrites:
		for i, end := 0, 0; i < len(p.argvs); i = end {
			end = c.writeGroupEnd(p.argvs, i)
			start := time.Now()
			replies := c.runWrites(p.argvs[i:end])
			// One proposal for the group: each command is charged its share.
			// Reads queued behind the group start now (runReads).
			c.touched = time.Now()
			share := c.touched.Sub(start) / time.Duration(end-i)
			for j, r := range replies {
				c.recordCall(p.specs[i+j], p.argvs[i+j], share)
				c.reply(r)
			}
		}
	}
	p.kind = runNone
	clear(p.specs)
	clear(p.argvs)
	p.specs, p.argvs = p.specs[:0], p.argvs[:0]
}

// writeGroupEnd returns the end of the group of pending writes that
// starts at i: at most PipelineWrites commands and, past the first one, at
// most PipelineBytes of arguments, so a pipeline of big values does not
// become one huge log entry.
func (c *Conn) writeGroupEnd(argvs [][][]byte, i int) int {
	limit := min(len(argvs), i+max(c.srv.cfg.PipelineWrites, 1))
	size := 0
	for j := i; j < limit; j++ {
		for _, a := range argvs[j] {
			size += len(a)
		}
		if j > i && size > c.srv.cfg.PipelineBytes {
			return j
		}
	}
	return limit
}

// runReads runs read commands on the local engine at one read time.
func (c *Conn) runReads(specs []*command.Spec, argvs [][][]byte) {
	stale := c.ownReadonly()
	// Each read is charged the time since the previous one finished, so
	// the first also carries the shared wait for ReadTime. The run starts
	// right after the last of its commands was touched.
	last := c.touched
	now, err := c.srv.cluster.ReadTime(c.ctx, stale)
	if err != nil {
		for range argvs {
			c.reply(command.ErrReply(err))
		}
		return
	}
	ctx := &c.readCtx
	release, rerr := c.fillDataCtx(ctx)
	if rerr != nil {
		for range argvs {
			c.reply(*rerr)
		}
		return
	}
	defer func() {
		release()
		*ctx = command.Ctx{} // hold no engine between runs
	}()
	ctx.NowMs = now
	for i, argv := range argvs {
		r := c.safeRun(specs[i], ctx, argv)
		t := time.Now()
		c.recordCall(specs[i], argv, t.Sub(last))
		last = t
		c.reply(r)
	}
}

// runWrites proposes cmds as one Cluster.Write (one log entry) and returns
// one reply per command.
func (c *Conn) runWrites(cmds [][][]byte) []command.Reply {
	replies, err := c.srv.cluster.Write(c.ctx, c.DB(), cmds)
	if err == nil && len(replies) != len(cmds) {
		err = fmt.Errorf("ERR internal error: %d replies for %d commands", len(replies), len(cmds))
	}
	if err == nil {
		return replies
	}
	out := make([]command.Reply, len(cmds))
	for i := range out {
		out[i] = command.ErrReply(err)
	}
	return out
}

// runLocal runs a connection or server command on this node.
//
// Admin commands (RAFT, SHUTDOWN, CONFIG, CLIENT, SENTINEL, ...) run without
// the engine: they may wait on Raft, which may wait on a snapshot install,
// which waits for every engine holder to let go.
func (c *Conn) runLocal(spec *command.Spec, argv [][]byte) command.Reply {
	if spec.Flags&command.FlagAdmin != 0 || withoutEngine(spec) {
		return c.safeRun(spec, &command.Ctx{Conn: c}, argv)
	}
	ctx, release, rerr := c.dataCtx()
	if rerr != nil {
		return *rerr
	}
	defer release()
	return c.safeRun(spec, ctx, argv)
}

// withoutEngine reports whether a connection command runs without holding
// the engine: transaction and pub/sub commands may wait on Raft (EXEC and
// WATCH) or on other nodes (PUBLISH) and acquire the engine themselves.
func withoutEngine(spec *command.Spec) bool {
	for _, cat := range spec.Categories {
		if cat == "transaction" || cat == "pubsub" {
			return true
		}
	}
	return false
}

// dataCtx returns a handler context for the selected database and the
// function that releases the engine (Cluster.AcquireEngine) once the
// handlers are done; it is nil when the reply is an error.
func (c *Conn) dataCtx() (*command.Ctx, func(), *command.Reply) {
	ctx := &command.Ctx{}
	release, rerr := c.fillDataCtx(ctx)
	if rerr != nil {
		return nil, nil, rerr
	}
	return ctx, release, nil
}

// fillDataCtx is dataCtx into a context the caller provides.
func (c *Conn) fillDataCtx(ctx *command.Ctx) (func(), *command.Reply) {
	eng, release := c.srv.cluster.AcquireEngine()
	*ctx = command.Ctx{Engine: eng, Conn: c, Cache: eng.HotCache()}
	if eng != nil {
		db, err := eng.DB(c.ownDB())
		if err != nil {
			release()
			*ctx = command.Ctx{}
			r := command.ErrReply(fmt.Errorf("select db %d: %w", c.ownDB(), err))
			return nil, &r
		}
		ctx.DB = db
	}
	return release, nil
}

// safeRun runs a handler; a panic becomes an error reply and a log line
// instead of taking the server down.
func (c *Conn) safeRun(spec *command.Spec, ctx *command.Ctx, argv [][]byte) (r command.Reply) {
	defer func() {
		if p := recover(); p != nil {
			c.srv.cfg.Logger.Error("command handler panicked", "command", spec.Name, "panic", p)
			r = command.Err("ERR internal error in '" + spec.Name + "' command")
		}
	}()
	return spec.Run(ctx, argv)
}
