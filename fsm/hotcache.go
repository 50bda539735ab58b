package fsm

// endWrites tells the hot-key cache that the writes of the entries applied
// since the last call are in the engine (each entry began its writes with
// command.CacheBegin in applyCommand). It runs before the applied index
// moves, so before any of those writes is acknowledged and before a read
// that waits for them runs.
func (f *FSM) endWrites() { f.eng.Load().HotCache().EndWrites() }
