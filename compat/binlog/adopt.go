package binlog

// ForgetLast makes the writer treat the binlog as holding no Raft entry:
// the next AppendEntry appends whatever its index. pikaraft calls it when
// it takes over a binlog a classic Pika wrote (its items carry term 0 and
// Pika's own logic ids, not Raft indexes), so that the first Raft entries
// are appended after it instead of being taken as already present.
func (w *Writer) ForgetLast() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.last.Index, w.last.Term, w.lastItems = 0, 0, 0
}
