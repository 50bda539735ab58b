package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSummarizeFindsThePeriod(t *testing.T) {
	var all []sample
	for at := time.Duration(0); at < time.Second; at += time.Millisecond {
		took := 300 * time.Microsecond
		if at%(100*time.Millisecond) == 20*time.Millisecond {
			took = 12 * time.Millisecond // a stall every 100 ms
		}
		all = append(all, sample{at: at, took: took})
	}
	got := summarize(all, time.Second, 5*time.Millisecond)
	require.Equal(t, "1000 fsync/s, p50 0.30 ms, p99 12.00 ms, max 12.00 ms; "+
		"50 ms windows with an fsync > 5ms: 10 of 20, median gap between them 100ms", got)
}

func TestSummarizeWithoutStalls(t *testing.T) {
	all := []sample{{0, time.Millisecond}, {time.Millisecond, 2 * time.Millisecond}}
	require.Equal(t, "2 fsync/s, p50 2.00 ms, p99 2.00 ms, max 2.00 ms; 50 ms windows with an fsync > 5ms: 0 of 20",
		summarize(all, time.Second, 5*time.Millisecond))
	require.Equal(t, "no fsyncs completed", summarize(nil, time.Second, time.Millisecond))
}

func TestRunWriterAppendsRecords(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w")
	got, err := runWriter(path, time.Now(), 50*time.Millisecond, 100)
	require.NoError(t, err)
	require.NotEmpty(t, got)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, int64(100*len(got)), fi.Size())
}
