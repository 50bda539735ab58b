package runner

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/pikaraft/pikaraft/jepsen-lite/cluster"
	"github.com/pikaraft/pikaraft/jepsen-lite/history"
	"github.com/pikaraft/pikaraft/jepsen-lite/workload"
)

// counters track completions for the progress line.
type counters struct {
	invoked, ok, fail, info atomic.Int64
}

// clients runs the client workers until ctx ends or the op budget is spent.
type clients struct {
	cfg  *Config
	c    *cluster.Cluster
	wls  []workload.Workload
	rec  *history.Recorder
	cnt  *counters
	tick <-chan time.Time // rate limiter (nil: unlimited)
}

func (cl *clients) run(ctx context.Context) {
	var wg sync.WaitGroup
	var budget atomic.Int64
	budget.Store(int64(cl.cfg.Ops))
	w := len(cl.wls)
	for i := 0; i < cl.cfg.Concurrency; i++ {
		wl := cl.wls[i%w]
		node := (i/w + i%w) % len(cl.c.Nodes)
		rng := rand.New(rand.NewPCG(cl.cfg.Seed, uint64(i)+1))
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl.worker(ctx, i, wl, node, rng, &budget)
		}()
	}
	wg.Wait()
}

func (cl *clients) worker(ctx context.Context, process int, wl workload.Workload, node int, rng *rand.Rand, budget *atomic.Int64) {
	conn := cl.c.Nodes[node].Client(cl.cfg.OpTimeout + time.Second)
	defer func() { conn.Close() }()
	for ctx.Err() == nil {
		if cl.tick != nil {
			select {
			case <-ctx.Done():
				return
			case <-cl.tick:
			}
		}
		if cl.cfg.Ops > 0 && budget.Add(-1) < 0 {
			return
		}
		op := wl.Next(rng)
		op.Type, op.Process, op.Workload, op.Node = history.Invoke, process, wl.Name(), node
		op.Time = 0
		inv := cl.rec.Add(op)
		cl.cnt.invoked.Add(1)
		opCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cl.cfg.OpTimeout)
		done := inv
		err := wl.Run(opCtx, conn, &done)
		cancel()
		done.Time = 0
		done.Type, done.Error = classify(err, inv.F)
		if done.Type != history.OK {
			// Keep the invocation's arguments; drop partial results.
			done.Value, done.Values, done.Nil = inv.Value, nil, false
		}
		cl.rec.Add(done)
		switch done.Type {
		case history.OK:
			cl.cnt.ok.Add(1)
		case history.Fail:
			cl.cnt.fail.Add(1)
		default:
			cl.cnt.info.Add(1)
			// As in Jepsen, a process whose operation may still be in
			// flight is replaced by a new one with a fresh connection.
			process += cl.cfg.Concurrency
			conn.Close()
			conn = cl.c.Nodes[node].Client(cl.cfg.OpTimeout + time.Second)
		}
		if done.Type == history.Fail && isConnErr(err) {
			time.Sleep(100 * time.Millisecond) // the node is down: do not spin
		}
	}
}

// classify turns an operation's error into its completion type. Reads
// have no effect, so any failed read is a fail. A write fails only when the
// error proves it was not applied: the server said so, or the connection
// could not even be opened; every other error leaves it indeterminate.
func classify(err error, f string) (history.Type, string) {
	if err == nil {
		return history.OK, ""
	}
	msg := err.Error()
	if strings.HasPrefix(f, "read") || f == "final-read" || errors.Is(err, workload.ErrNotApplied) {
		return history.Fail, msg
	}
	var rerr redis.Error
	if errors.As(err, &rerr) {
		if strings.Contains(msg, "was not applied") || strings.HasPrefix(msg, "EXECABORT") {
			return history.Fail, msg
		}
		return history.Info, msg
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return history.Fail, msg
	}
	return history.Info, msg
}

func isConnErr(err error) bool {
	var op *net.OpError
	return errors.As(err, &op)
}
