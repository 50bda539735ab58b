// Command latency is an open-loop load generator for pikaraft (or any
// Redis-protocol server): it sends SET or GET requests at fixed offered
// rates and prints the p50/p99/p999 latency at each rate.
//
// Open loop means requests are scheduled at fixed times whether or not
// earlier ones have answered, and each latency is measured from the time
// the request was due, not from when a connection became free — so a
// server that falls behind shows its queueing delay instead of hiding it
// (no coordinated omission).
//
//	go run ./bench/latency -addr 127.0.0.1:9221 -op set -rates 500,1000,2000 -duration 10s
//
// Output: one line per rate, "op rate sent ok errors achieved p50 p99 p999 max"
// (latencies in milliseconds), also as CSV with -csv.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "latency:", err)
		os.Exit(1)
	}
}

// config is the command line.
type config struct {
	addr     string
	op       string
	rates    []int
	duration time.Duration
	conns    int
	keys     int
	value    int
	csv      bool
	timeline string
}

func parse() (*config, error) {
	c := &config{}
	rates := flag.String("rates", "500,1000,2000", "offered rates in requests/s, comma-separated")
	flag.StringVar(&c.addr, "addr", "127.0.0.1:9221", "server address")
	flag.StringVar(&c.op, "op", "set", "operation: set or get")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "how long each rate runs")
	flag.IntVar(&c.conns, "conns", 50, "connections (requests beyond this many in flight wait for one)")
	flag.IntVar(&c.keys, "keys", 1000000, "keys are key:<random number below this>")
	flag.IntVar(&c.value, "value", 3, "value size in bytes for SET")
	flag.BoolVar(&c.csv, "csv", false, "print CSV")
	flag.StringVar(&c.timeline, "timeline", "", "append per-second latencies (by due time) to this CSV file")
	flag.Parse()
	if c.op != "set" && c.op != "get" {
		return nil, fmt.Errorf("-op must be set or get, not %q", c.op)
	}
	for _, s := range strings.Split(*rates, ",") {
		r, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || r <= 0 {
			return nil, fmt.Errorf("bad rate %q in -rates", s)
		}
		c.rates = append(c.rates, r)
	}
	if c.conns <= 0 || c.keys <= 0 || c.duration <= 0 {
		return nil, fmt.Errorf("-conns, -keys and -duration must be positive")
	}
	return c, nil
}

func run() error {
	c, err := parse()
	if err != nil {
		return err
	}
	client := redis.NewClient(&redis.Options{
		Addr: c.addr, PoolSize: c.conns, MinIdleConns: c.conns,
		MaxRetries: -1, PoolTimeout: time.Minute, ReadTimeout: time.Minute, WriteTimeout: time.Minute,
	})
	defer client.Close()
	ctx := context.Background()
	if err := client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping %s: %w", c.addr, err)
	}
	if c.csv {
		fmt.Println("op,rate,sent,ok,errors,achieved,p50_ms,p99_ms,p999_ms,max_ms")
	}
	for _, rate := range c.rates {
		res := measure(ctx, client, c, rate)
		res.print(c.csv)
	}
	return nil
}

// result is one rate's outcome.
type result struct {
	op         string
	rate       int
	sent, errs int
	elapsed    time.Duration
	lat        []time.Duration // sorted, successful requests only
	firstErr   error
}

// measure offers rate requests/s for c.duration and collects latencies.
func measure(ctx context.Context, client *redis.Client, c *config, rate int) *result {
	type sample struct {
		due time.Duration // since start
		d   time.Duration
		err error
	}
	n := int(float64(rate) * c.duration.Seconds())
	out := make(chan sample, n)
	interval := time.Second / time.Duration(rate)
	value := strings.Repeat("x", c.value)
	start := time.Now()
	for i := 0; i < n; i++ {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		key := "key:" + strconv.Itoa(rand.IntN(c.keys))
		go func() {
			var err error
			if c.op == "set" {
				err = client.Set(ctx, key, value, 0).Err()
			} else if err = client.Get(ctx, key).Err(); err == redis.Nil {
				err = nil
			}
			out <- sample{due: due.Sub(start), d: time.Since(due), err: err}
		}()
	}
	r := &result{op: c.op, rate: rate, sent: n}
	secs := make([][]time.Duration, int(c.duration/time.Second)+1)
	for i := 0; i < n; i++ {
		s := <-out
		if sec := int(s.due / time.Second); sec < len(secs) {
			secs[sec] = append(secs[sec], s.d)
		}
		if s.err != nil {
			r.errs++
			if r.firstErr == nil {
				r.firstErr = s.err
			}
			continue
		}
		r.lat = append(r.lat, s.d)
	}
	r.elapsed = time.Since(start)
	slices.Sort(r.lat)
	if c.timeline != "" {
		if err := writeTimeline(c.timeline, c.op, rate, start, secs); err != nil {
			fmt.Fprintln(os.Stderr, "latency:", err)
		}
	}
	return r
}

// writeTimeline appends one line per second of the run: the wall-clock
// second the requests were due in, and their count, p50, p99 and max (ms).
func writeTimeline(path, op string, rate int, start time.Time, secs [][]time.Duration) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("timeline: %w", err)
	}
	defer f.Close()
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	for i, l := range secs {
		if len(l) == 0 {
			continue
		}
		slices.Sort(l)
		at := start.Add(time.Duration(i) * time.Second).UTC().Format("15:04:05")
		fmt.Fprintf(f, "%s,%d,%s,%d,%d,%.3f,%.3f,%.3f\n", op, rate, at, i, len(l),
			ms(l[len(l)/2]), ms(l[len(l)*99/100]), ms(l[len(l)-1]))
	}
	return nil
}

// pct returns the q-quantile (0..1) of the sorted latencies in ms.
func (r *result) pct(q float64) float64 {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(q * float64(len(r.lat)))
	if i >= len(r.lat) {
		i = len(r.lat) - 1
	}
	return float64(r.lat[i]) / float64(time.Millisecond)
}

func (r *result) print(csv bool) {
	achieved := float64(len(r.lat)) / r.elapsed.Seconds()
	if csv {
		fmt.Printf("%s,%d,%d,%d,%d,%.0f,%.3f,%.3f,%.3f,%.3f\n", r.op, r.rate, r.sent, len(r.lat), r.errs,
			achieved, r.pct(0.5), r.pct(0.99), r.pct(0.999), r.pct(1))
	} else {
		fmt.Printf("%-3s offered %6d/s: ok %d, errors %d, achieved %.0f/s, p50 %.2f ms, p99 %.2f ms, p999 %.2f ms, max %.2f ms\n",
			r.op, r.rate, len(r.lat), r.errs, achieved, r.pct(0.5), r.pct(0.99), r.pct(0.999), r.pct(1))
	}
	if r.firstErr != nil {
		fmt.Fprintf(os.Stderr, "latency: %s at %d/s: %d errors, first: %v\n", r.op, r.rate, r.errs, r.firstErr)
	}
}
