package runner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pikaraft/pikaraft/jepsen-lite/checker"
	"github.com/pikaraft/pikaraft/jepsen-lite/cluster"
	"github.com/pikaraft/pikaraft/jepsen-lite/history"
	"github.com/pikaraft/pikaraft/jepsen-lite/nemesis"
	"github.com/pikaraft/pikaraft/jepsen-lite/workload"
)

// Run runs the test described by cfg and writes its report into cfg.Out.
// The error is about running the test (the cluster would not start, the
// report could not be written); the verdict is in the report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.fill(); err != nil {
		return nil, fmt.Errorf("jepsen-lite: %w", err)
	}
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return nil, fmt.Errorf("jepsen-lite: %w", err)
	}
	logf := func(format string, args ...any) {
		fmt.Fprintf(cfg.Progress, time.Now().Format("15:04:05 ")+format+"\n", args...)
	}
	rep := &Report{Command: cfg.Command, Seed: cfg.Seed, Nodes: cfg.Nodes, Workloads: cfg.Workloads,
		Nemeses: cfg.Nemeses, Concurrency: cfg.Concurrency, UnsafeStaleReads: cfg.UnsafeStaleReads, Started: time.Now()}

	var wls []workload.Workload
	for _, name := range cfg.Workloads {
		w, err := workload.New(name, cfg.Workload)
		if err != nil {
			return nil, fmt.Errorf("jepsen-lite: %w", err)
		}
		wls = append(wls, w)
	}

	logf("starting %d nodes (%s bootstrap) in %s", cfg.Nodes, cfg.Bootstrap, cfg.Out)
	c, err := cluster.Start(ctx, cluster.Options{Nodes: cfg.Nodes, Bin: cfg.Bin, Dir: filepath.Join(cfg.Out, "nodes"),
		Bootstrap: cfg.Bootstrap, Config: cfg.serverConfig()})
	if err != nil {
		return nil, fmt.Errorf("jepsen-lite: start cluster: %w", err)
	}
	defer c.Close()
	all := make([]int, len(c.Nodes))
	for i := range all {
		all[i] = i
	}
	if err := c.WaitHealthy(ctx, all, cluster.WaitTimeout); err != nil {
		return nil, fmt.Errorf("jepsen-lite: cluster did not become writable (is this build able to form a %d-node cluster with %s bootstrap?): %w", cfg.Nodes, cfg.Bootstrap, err)
	}
	logf("cluster up: leader %s", nodeName(c, c.Leader(ctx)))
	for _, w := range wls {
		if err := retry(ctx, 10, func() error { return w.Setup(ctx, c.Nodes[0].Client(5*time.Second)) }); err != nil {
			return nil, fmt.Errorf("jepsen-lite: %w", err)
		}
	}

	rec := history.NewRecorder()
	cnt := &counters{}
	runCtx, stopRun := context.WithTimeout(ctx, cfg.TimeLimit)
	defer stopRun()
	nem := nemesis.New(c, cfg.Nemeses, cfg.Seed, rec, logf)
	nemCtx, stopNem := context.WithCancel(runCtx)
	var nemDone sync.WaitGroup
	nemDone.Add(1)
	go func() { defer nemDone.Done(); nem.Run(nemCtx, cfg.Interval) }()

	cl := &clients{cfg: &cfg, c: c, wls: wls, rec: rec, cnt: cnt}
	if cfg.Rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / cfg.Rate))
		defer t.Stop()
		cl.tick = t.C
	}
	progressDone := make(chan struct{})
	go progress(runCtx, progressDone, cfg, cnt, nem, logf)
	logf("running %s with nemesis %s for %s (concurrency %d, seed %d)", strings.Join(cfg.Workloads, ","),
		orNone(cfg.Nemeses), cfg.TimeLimit, cfg.Concurrency, cfg.Seed)
	cl.run(runCtx)
	stopRun()
	stopNem()
	nemDone.Wait()
	<-progressDone
	rep.ClientPhase = time.Since(rep.Started).Round(time.Millisecond).String()
	rep.NemesisCounts = nem.Counts()

	logf("healing")
	if err := nem.HealAll(ctx); err != nil {
		rep.Notes = append(rep.Notes, err.Error())
	}
	if err := c.WaitHealthy(ctx, all, cluster.WaitTimeout); err != nil {
		rep.Notes = append(rep.Notes, "after healing: "+err.Error())
	}
	rep.Convergence = converge(ctx, c, logf)
	for _, w := range wls {
		finalReads(ctx, c, w, rec, cfg.OpTimeout)
	}

	logf("checking")
	ops := rec.Ops()
	rep.Status = checker.Valid
	for _, w := range wls {
		start := time.Now()
		r := w.Check(history.Filter(ops, w.Name()))
		r.Notes = append(r.Notes, "checked in "+time.Since(start).Round(time.Millisecond).String())
		if err := r.WriteVisualizations(cfg.Out); err != nil {
			r.Notes = append(r.Notes, err.Error())
		}
		rep.Results = append(rep.Results, r)
		rep.Status = worse(rep.Status, r.Status)
	}
	if !rep.Convergence.OK {
		rep.Status = checker.Invalid
	}
	rep.Ops = opCounts(ops)
	rep.Duration = time.Since(rep.Started).Round(time.Millisecond).String()
	if err := rep.write(cfg.Out, ops); err != nil {
		return rep, err
	}
	return rep, nil
}

func retry(ctx context.Context, n int, f func() error) error {
	var err error
	for i := 0; i < n; i++ {
		if err = f(); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	return err
}

func worse(a, b checker.Status) checker.Status {
	rank := map[checker.Status]int{checker.Valid: 0, checker.Unknown: 1, checker.Invalid: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ",")
}

func nodeName(c *cluster.Cluster, i int) string {
	if i < 0 {
		return "unknown"
	}
	return c.Nodes[i].ID
}

// progress prints one line every 5 seconds until ctx ends.
func progress(ctx context.Context, done chan struct{}, cfg Config, cnt *counters, nem *nemesis.Nemesis, logf func(string, ...any)) {
	defer close(done)
	start := time.Now()
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	var last int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n := cnt.invoked.Load()
		fault := nem.Current()
		if fault == "" {
			fault = "none"
		}
		logf("[%3.0fs/%s] ops %d (ok %d, fail %d, info %d), %.0f/s | fault: %s", time.Since(start).Seconds(), cfg.TimeLimit,
			n, cnt.ok.Load(), cnt.fail.Load(), cnt.info.Load(), float64(n-last)/5, fault)
		last = n
	}
}

// finalReads reads every key of the workload on every node with a
// linearizable read (ReadIndex: the node's own engine once it has applied
// everything the leader committed, so each replica's data is checked),
// retrying a failed read a few times; after three keys in a row fail on a
// node, its remaining keys are skipped (the checker then sees fewer final
// reads, and none at all makes the verdict unknown).
func finalReads(ctx context.Context, c *cluster.Cluster, w workload.Workload, rec *history.Recorder, timeout time.Duration) {
	reads := w.FinalReads()
	if len(reads) == 0 {
		return
	}
	for i, n := range c.Nodes {
		conn := n.Client(timeout + time.Second)
		failedKeys := 0
		for _, op := range reads {
			if ctx.Err() != nil || failedKeys >= 3 {
				break // this node serves no reads: its other keys are not tried
			}
			failedKeys++
			for attempt := 0; attempt < 3; attempt++ {
				op.Type, op.Process, op.Workload, op.Node, op.Time = history.Invoke, 1000000+i, w.Name(), i, 0
				inv := rec.Add(op)
				done := inv
				rctx, cancel := context.WithTimeout(ctx, timeout)
				err := w.Run(rctx, conn, &done)
				cancel()
				done.Time = 0
				done.Type, done.Error = classify(err, "final-read")
				if err != nil {
					done.Values = nil
				}
				rec.Add(done)
				if err == nil {
					failedKeys = 0
					break
				}
				if ctx.Err() != nil {
					break
				}
				time.Sleep(500 * time.Millisecond)
			}
		}
		conn.Close()
	}
}

func opCounts(ops []history.Op) map[history.Type]int {
	m := map[history.Type]int{}
	for _, op := range ops {
		if op.Process != history.NemesisProcess && op.Type != history.Invoke {
			m[op.Type]++
		}
	}
	return m
}
