package binlog

import (
	"errors"
	"fmt"
)

// Set is the binlog of every database under one log-path: one Writer per
// `log_db<i>` directory.
type Set struct {
	writers []*Writer
}

// OpenSet opens (creating if needed) the binlogs of databases 0..n-1 under logPath.
func OpenSet(logPath string, databases int, opts Options) (*Set, error) {
	if databases < 1 {
		return nil, fmt.Errorf("binlog: open set: %d databases", databases)
	}
	s := &Set{}
	for db := 0; db < databases; db++ {
		w, err := OpenWriter(DBDir(logPath, db), opts)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("binlog: open db%d: %w", db, err)
		}
		s.writers = append(s.writers, w)
	}
	return s, nil
}

// DB returns the writer of database db, or nil if out of range.
func (s *Set) DB(db int) *Writer {
	if db < 0 || db >= len(s.writers) {
		return nil
	}
	return s.writers[db]
}

// Databases returns the number of databases.
func (s *Set) Databases() int { return len(s.writers) }

// AppendEntry appends the items of one Raft entry (as returned by
// Canonical) to their databases' binlogs, skipping in each database what it
// already holds (see Writer.AppendEntry).
func (s *Set) AppendEntry(term uint32, index uint64, execTime uint32, items []Content) error {
	if len(items) == 1 && items[0].DB >= 0 && items[0].DB < len(s.writers) {
		// The common case (one item): no grouping needed.
		one := [1][]byte{items[0].Bytes}
		if err := s.writers[items[0].DB].AppendEntry(term, index, execTime, one[:]); err != nil {
			return fmt.Errorf("binlog: db%d: %w", items[0].DB, err)
		}
		return nil
	}
	var per [][][]byte
	for _, it := range items {
		if it.DB < 0 || it.DB >= len(s.writers) {
			return fmt.Errorf("binlog: append entry %d: no db%d", index, it.DB)
		}
		if per == nil {
			per = make([][][]byte, len(s.writers))
		}
		per[it.DB] = append(per[it.DB], it.Bytes)
	}
	for db, contents := range per {
		if len(contents) == 0 {
			continue
		}
		if err := s.writers[db].AppendEntry(term, index, execTime, contents); err != nil {
			return fmt.Errorf("binlog: db%d: %w", db, err)
		}
	}
	return nil
}

// Flush flushes every database's writer.
func (s *Set) Flush() error {
	var errs []error
	for _, w := range s.writers {
		if err := w.Flush(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Sync flushes and fsyncs every database's writer.
func (s *Set) Sync() error {
	var errs []error
	for _, w := range s.writers {
		if err := w.Sync(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// SyncWritten fsyncs what every writer has written so far without holding
// the writers (Writer.SyncWritten).
func (s *Set) SyncWritten() error {
	var errs []error
	for _, w := range s.writers {
		if err := w.SyncWritten(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Close closes every writer.
func (s *Set) Close() error {
	var errs []error
	for _, w := range s.writers {
		if err := w.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
