package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/linxGnu/grocksdb"

	"github.com/pikaraft/pikaraft/engine"
)

// instances returns the instance directories db<i>/<type> under dbPath
// that hold a RocksDB database, in db then Pika's type order.
func instances(dbPath string) ([]string, error) {
	st, err := os.Stat(dbPath)
	if err != nil {
		return nil, fmt.Errorf("db-path: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("db-path %s is not a directory", dbPath)
	}
	dbs, err := filepath.Glob(filepath.Join(dbPath, "db[0-9]*"))
	if err != nil {
		return nil, fmt.Errorf("db-path %s: %w", dbPath, err)
	}
	var out []string
	for _, db := range dbs {
		for _, k := range engine.Kinds {
			p := filepath.Join(db, k.String())
			if _, err := os.Stat(filepath.Join(p, "CURRENT")); err == nil {
				out = append(out, p)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no instance directories (db<i>/strings, ...) in %s: is it a db-path?", dbPath)
	}
	return out, nil
}

// stripForPika drops pikaraft's column family from every instance and
// leaves engine.StrippedMarker in the db-path.
func stripForPika(dbPath string, out io.Writer) error {
	if _, err := instances(dbPath); err != nil {
		return err
	}
	if err := engine.StripForPika(dbPath); err != nil {
		if strings.Contains(err.Error(), "lock") {
			return fmt.Errorf("%w (is pikaraft still running on %s? stop it first)", err, dbPath)
		}
		return err
	}
	note := fmt.Sprintf("stripped for Pika by pikaraft-admin at %s\n", time.Now().UTC().Format(time.RFC3339))
	if err := os.WriteFile(filepath.Join(dbPath, engine.StrippedMarker), []byte(note), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", engine.StrippedMarker, err)
	}
	fmt.Fprintf(out, "%s: dropped %s from every instance; Pika 3.5 can open it now.\n", dbPath, engine.AppliedCF)
	fmt.Fprintf(out, "The node's raft-path is stale from now on: before starting pikaraft on %s again, move it away\n"+
		"(pikaraft then adopts the directory as a new in-place upgrade).\n", dbPath)
	return nil
}

// printColumnFamilies prints "db<i>/<type>: cf1 cf2 ..." per instance.
func printColumnFamilies(dbPath string, out io.Writer) error {
	dirs, err := instances(dbPath)
	if err != nil {
		return err
	}
	opts := grocksdb.NewDefaultOptions()
	defer opts.Destroy()
	var errs []error
	for _, d := range dirs {
		names, err := grocksdb.ListColumnFamilies(opts, d)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", d, err))
			continue
		}
		rel, _ := filepath.Rel(dbPath, d)
		fmt.Fprintf(out, "%s: %s\n", filepath.ToSlash(rel), strings.Join(names, " "))
	}
	return errors.Join(errs...)
}
