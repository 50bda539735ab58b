// Command jepsen-lite runs a fault-injection test against a real pikaraft
// cluster on this machine: it starts the nodes, drives concurrent clients,
// injects faults, heals, waits for the nodes to converge, checks the
// history (linearizability, lost and unexpected writes) and writes a
// report. It exits 0 when the history is valid, 1 when it is not, 2 when
// the checker could not decide and 3 when the test could not run.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pikaraft/pikaraft/jepsen-lite/checker"
	"github.com/pikaraft/pikaraft/jepsen-lite/nemesis"
	"github.com/pikaraft/pikaraft/jepsen-lite/runner"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

// seconds is a duration flag that also accepts a bare number of seconds
// (`--time 300`, as Jepsen's).
type seconds struct{ d *time.Duration }

func (s seconds) String() string {
	if s.d == nil {
		return ""
	}
	return s.d.String()
}

func (s seconds) Set(v string) error {
	if n, err := strconv.Atoi(v); err == nil {
		*s.d = time.Duration(n) * time.Second
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return fmt.Errorf("want a duration (90s, 5m) or seconds: %w", err)
	}
	*s.d = d
	return nil
}

func parse(args []string) (runner.Config, error) {
	fs := flag.NewFlagSet("jepsen-lite", flag.ContinueOnError)
	var cfg runner.Config
	workloads := fs.String("workload", "register", "workloads, comma-separated: register, set, list-append, bank")
	nemeses := fs.String("nemesis", "none", "faults, comma-separated: "+strings.Join(nemesis.Names, ", ")+" (none: no faults)")
	fs.IntVar(&cfg.Nodes, "nodes", 3, "cluster size")
	fs.IntVar(&cfg.Concurrency, "concurrency", 0, "client count, spread over workloads and nodes (default 3 per workload)")
	cfg.TimeLimit = time.Minute
	fs.Var(seconds{&cfg.TimeLimit}, "time-limit", "how long clients run (duration or seconds)")
	fs.Var(seconds{&cfg.TimeLimit}, "time", "alias of --time-limit")
	fs.IntVar(&cfg.Ops, "ops", 0, "stop after this many client operations (0: no limit)")
	fs.Float64Var(&cfg.Rate, "rate", 200, "client operations per second over all clients (0: no limit)")
	seed := fs.Uint64("seed", 0, "random seed for generators and nemesis (0: from the clock)")
	fs.Var(seconds{&cfg.Interval}, "interval", "nemesis period: quiet and fault phases each last about this long (default 5s)")
	fs.Var(seconds{&cfg.OpTimeout}, "op-timeout", "client operation timeout; a write still running then is indeterminate (default 3s)")
	fs.IntVar(&cfg.Workload.Keys, "keys", 5, "keys in use at once per workload")
	fs.IntVar(&cfg.Workload.OpsPerKey, "ops-per-key", 150, "operations before a register or list key is retired (sets: 4x)")
	fs.Var(seconds{&cfg.Workload.CheckTimeout}, "check-timeout", "linearizability search limit per key (default 1m)")
	fs.StringVar(&cfg.Out, "out", "", "report directory (default jepsen-out/<time>)")
	fs.StringVar(&cfg.Bin, "pikaraft", "", "pikaraft binary (default: pikaraft next to jepsen-lite, else bin/pikaraft)")
	fs.StringVar(&cfg.Bootstrap, "bootstrap", "peers", "how nodes form the cluster: peers (static list) or gossip (bootstrap-expect + join)")
	fs.BoolVar(&cfg.UnsafeStaleReads, "unsafe-stale-reads", false, "run the nodes with read-consistency stale (broken on purpose: the run must be invalid)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: jepsen-lite [flags]\n\nExample: jepsen-lite --workload register,set --nemesis kill,partition --time 120\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, w := range strings.Split(*workloads, ",") {
		if w = strings.TrimSpace(w); w != "" {
			cfg.Workloads = append(cfg.Workloads, w)
		}
	}
	var err error
	if cfg.Nemeses, err = nemesis.Parse(*nemeses); err != nil {
		return cfg, err
	}
	cfg.Seed = *seed
	if cfg.Seed == 0 {
		cfg.Seed = uint64(time.Now().UnixNano())
	}
	if cfg.Out == "" {
		cfg.Out = filepath.Join("jepsen-out", time.Now().Format("20060102-150405"))
	}
	if cfg.Bin == "" {
		cfg.Bin = findServer()
	}
	cfg.Command = "jepsen-lite " + strings.Join(args, " ")
	return cfg, nil
}

// findServer looks for pikaraft next to this executable, then in bin/.
func findServer() string {
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "pikaraft")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := filepath.Abs(filepath.Join("bin", "pikaraft")); err == nil {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "pikaraft"
}

func run(args []string) int {
	cfg, err := parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "jepsen-lite:", err)
		return 3
	}
	cfg.Progress = os.Stderr
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	rep, err := runner.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	fmt.Print(rep.Summary())
	fmt.Printf("  report: %s\n", cfg.Out)
	switch rep.Status {
	case checker.Valid:
		return 0
	case checker.Invalid:
		return 1
	}
	return 2
}
