package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/linxGnu/grocksdb"
)

// PikaCFNames returns the column families Pika 3.5.5 opens in an instance
// of kind k, in handle order.
func PikaCFNames(k Kind) []string { return slices.Clone(pikaCFNames(k)) }

// StripForPika makes a copy of pikaraft data (a Checkpoint, or a stopped
// node's db-path) openable by a classic Pika 3.5.5: in every instance
// dir/db<i>/<kind>/ found it drops the pikaraft_applied column family
// (Pika refuses an instance with a column family it does not know), then
// removes the files the open left behind that a Pika dump does not have
// (LOCK, LOG*, IDENTITY). Instances without the column family are left as
// they are. It must not be called on a directory an Engine has open.
func StripForPika(dir string) error {
	dbs, err := filepath.Glob(filepath.Join(dir, "db[0-9]*"))
	if err != nil {
		return fmt.Errorf("strip %s: %w", dir, err)
	}
	if len(dbs) == 0 {
		return fmt.Errorf("strip %s: no db<i> directory", dir)
	}
	for _, db := range dbs {
		for _, k := range Kinds {
			p := filepath.Join(db, k.String())
			if _, err := os.Stat(filepath.Join(p, "CURRENT")); errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err := stripInstance(p, k); err != nil {
				return err
			}
		}
	}
	return nil
}

// stripInstance drops AppliedCF from the instance at path.
func stripInstance(path string, k Kind) error {
	opts := grocksdb.NewDefaultOptions()
	defer opts.Destroy()
	names, err := grocksdb.ListColumnFamilies(opts, path)
	if err != nil {
		return fmt.Errorf("strip %s: list column families: %w", path, err)
	}
	if !slices.Contains(names, AppliedCF) {
		return nil
	}
	cfOpts := make([]*grocksdb.Options, len(names))
	for i, n := range names {
		co := grocksdb.NewDefaultOptions()
		switch {
		case k == KindLists && n == "data_cf":
			co.SetNativeComparator(newListsComparator())
		case k == KindZSets && n == "score_cf":
			co.SetNativeComparator(newZSetsScoreComparator())
		}
		cfOpts[i] = co
	}
	defer func() {
		for _, co := range cfOpts {
			co.Destroy()
		}
	}()
	db, cfs, err := grocksdb.OpenDbColumnFamilies(opts, path, names, cfOpts)
	if err != nil {
		return fmt.Errorf("strip %s: open: %w", path, err)
	}
	idx := slices.Index(names, AppliedCF)
	derr := db.DropColumnFamily(cfs[idx])
	for _, h := range cfs {
		h.Destroy()
	}
	db.Close()
	if derr != nil {
		return fmt.Errorf("strip %s: drop %s: %w", path, AppliedCF, derr)
	}
	return removeOpenLeftovers(path)
}

// removeOpenLeftovers deletes LOCK, LOG, LOG.old.* and IDENTITY: a RocksDB
// checkpoint (what Pika's dump is) has none of them.
func removeOpenLeftovers(path string) error {
	ents, err := os.ReadDir(path)
	if err != nil {
		return fmt.Errorf("strip %s: %w", path, err)
	}
	for _, e := range ents {
		n := e.Name()
		if n == "LOCK" || n == "IDENTITY" || n == "LOG" || strings.HasPrefix(n, "LOG.old") {
			if err := os.Remove(filepath.Join(path, n)); err != nil {
				return fmt.Errorf("strip %s: %w", path, err)
			}
		}
	}
	return nil
}
