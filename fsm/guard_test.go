package fsm

import (
	"bytes"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A read that holds the engine keeps working while a snapshot install
// waits; the install swaps the engine only after the read released it.
func TestRestoreWaitsForReaders(t *testing.T) {
	src := t.TempDir()
	seedRaw(t, filepath.Join(src, "db"), 20, 5)
	archive := snapshotBytes(t, openFSM(t, src))

	dir := t.TempDir()
	seedRaw(t, filepath.Join(dir, "db"), 3, 1)
	f := openFSM(t, dir)
	eng, release := f.AcquireEngine()

	done := make(chan error, 1)
	go func() { done <- f.Restore(io.NopCloser(bytes.NewReader(archive))) }()
	// The archive is received and verified, then the swap waits.
	time.Sleep(300 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("restore finished while a reader held the engine: %v", err)
	default:
	}
	require.Len(t, dump(t, eng), 3, "the held engine is still open and unchanged")
	release()
	require.NoError(t, <-done)

	eng2, release2 := f.AcquireEngine()
	defer release2()
	require.NotSame(t, eng, eng2)
	require.Len(t, dump(t, eng2), 20)
}

// Every client read acquires and releases the engine: neither allocates.
func TestAcquireEngineDoesNotAllocate(t *testing.T) {
	f := openFSM(t, t.TempDir())
	allocs := testing.AllocsPerRun(1000, func() {
		_, release := f.AcquireEngine()
		release()
	})
	require.Zero(t, allocs)
}
