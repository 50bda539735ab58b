package fsm

import "github.com/pikaraft/pikaraft/engine"

// AcquireEngine returns the current engine for use outside the FSM
// goroutine (a client read, INFO, a checksum) and the function that
// releases it. While any engine is held, a snapshot restore waits before
// it closes the engine and swaps the data directory; once a restore is
// waiting, new acquisitions wait for it (sync.RWMutex), so a steady stream
// of reads cannot starve it. Holders must release promptly and must not
// wait on the FSM (for an applied index) while holding the engine.
//
// The FSM goroutine itself (Apply, Snapshot, Restore) uses the engine
// without the guard: it is the only one that swaps it.
func (f *FSM) AcquireEngine() (*engine.Engine, func()) {
	f.swapMu.RLock()
	return f.eng.Load(), f.release
}

// Close closes the engine once no reader holds it.
func (f *FSM) Close() error {
	f.swapMu.Lock()
	defer f.swapMu.Unlock()
	return f.eng.Load().Close()
}
