// Command fsyncstall checks a machine for periodic disk stalls, the kind
// that sets a floor under a replicated write's p99 whatever the server
// does: it runs several writers at once, each appending a small record to
// its own file and fsyncing it, as Raft nodes sharing a disk do, and
// reports how often an fsync took longer than a threshold and at what
// period such stalls came.
//
//	go run ./bench/fsyncstall -dir /path/on/the/data/disk -writers 3 -duration 3s
//
// Output: fsyncs per second, p50/p99/max fsync time, the share of 50 ms
// windows holding a slow fsync, and the median time between slow windows
// (a fixed period, e.g. 100 ms, points at a host-side throttle rather than
// at the disk). Its files are removed at the end.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "fsyncstall:", err)
		os.Exit(1)
	}
}

// window is the width of the time slots slow fsyncs are counted in.
const window = 50 * time.Millisecond

func run() error {
	dir := flag.String("dir", os.TempDir(), "directory on the disk to test")
	writers := flag.Int("writers", 3, "concurrent writers, each with its own file")
	duration := flag.Duration("duration", 3*time.Second, "how long to run")
	record := flag.Int("record", 2048, "bytes appended before each fsync")
	slow := flag.Duration("slow", 5*time.Millisecond, "an fsync taking longer than this is a stall")
	flag.Parse()
	if *writers < 1 || *record < 1 || *duration <= 0 {
		return fmt.Errorf("-writers, -record and -duration must be positive")
	}
	work, err := os.MkdirTemp(*dir, "fsyncstall-")
	if err != nil {
		return fmt.Errorf("make work dir: %w", err)
	}
	defer os.RemoveAll(work)

	start := time.Now()
	results := make([][]sample, *writers)
	errs := make([]error, *writers)
	var wg sync.WaitGroup
	for w := range *writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[w], errs[w] = runWriter(filepath.Join(work, fmt.Sprintf("w%d", w)), start, *duration, *record)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	var all []sample
	for _, r := range results {
		all = append(all, r...)
	}
	fmt.Println(summarize(all, *duration, *slow))
	return nil
}

// sample is one fsync: when it started (since the run's start) and how
// long the write and fsync took.
type sample struct {
	at, took time.Duration
}

// runWriter appends record bytes and fsyncs, over and over, until d has
// passed since start.
func runWriter(path string, start time.Time, d time.Duration, record int) ([]sample, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	buf := make([]byte, record)
	var out []sample
	for off := int64(0); time.Since(start) < d; off += int64(record) {
		t := time.Now()
		if _, err := f.WriteAt(buf, off); err != nil {
			return nil, fmt.Errorf("write %s: %w", path, err)
		}
		if err := f.Sync(); err != nil {
			return nil, fmt.Errorf("fsync %s: %w", path, err)
		}
		out = append(out, sample{at: t.Sub(start), took: time.Since(t)})
	}
	return out, nil
}

// summarize renders the run's samples as one line.
func summarize(all []sample, d, slow time.Duration) string {
	if len(all) == 0 {
		return "no fsyncs completed"
	}
	took := make([]time.Duration, len(all))
	stalled := map[int64]bool{}
	for i, s := range all {
		took[i] = s.took
		if s.took > slow {
			stalled[int64(s.at/window)] = true
		}
	}
	slices.Sort(took)
	windows := int64((d + window - 1) / window)
	return fmt.Sprintf("%d fsync/s, p50 %s, p99 %s, max %s; 50 ms windows with an fsync > %s: %d of %d%s",
		int(float64(len(all))/d.Seconds()), ms(took[len(took)/2]), ms(took[len(took)*99/100]), ms(took[len(took)-1]),
		slow, len(stalled), windows, period(stalled))
}

// period describes the median gap between stalled windows, which a
// periodic throttle makes constant.
func period(stalled map[int64]bool) string {
	if len(stalled) < 3 {
		return ""
	}
	ws := make([]int64, 0, len(stalled))
	for w := range stalled {
		ws = append(ws, w)
	}
	slices.Sort(ws)
	gaps := make([]int64, 0, len(ws)-1)
	for i := 1; i < len(ws); i++ {
		gaps = append(gaps, ws[i]-ws[i-1])
	}
	slices.Sort(gaps)
	return fmt.Sprintf(", median gap between them %s", time.Duration(gaps[len(gaps)/2])*window)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
