// Command pikaraft-admin holds offline tools for a stopped node's data:
// `strip-for-pika` hands a db-path (or a copy of one) back to Pika 3.5 by
// dropping pikaraft's extra column family from every instance, and
// `column-families` lists the column families of every instance, and
// `migrate-raft-log` moves a node's Raft log from raft.db to the WAL.
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `usage: pikaraft-admin <command> <path>

commands:
  strip-for-pika <db-path>    make a STOPPED node's db-path (or a copy of it)
                              openable by Pika 3.5: drop the pikaraft_applied
                              column family from every instance db<i>/<type>/
  column-families <db-path>   print the column families of every instance
  migrate-raft-log <raft-path> move a STOPPED node's Raft log and term/vote
                              from raft.db (raft-log-store bolt) to wal/
                              (the default for new nodes); raft.db is kept
                              as raft.db.migrated
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the tool and returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "help" || args[0] == "--help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if len(args) != 2 {
		fmt.Fprintf(stderr, "pikaraft-admin %s: want exactly one <path>\n\n%s", args[0], usage)
		return 2
	}
	var err error
	switch args[0] {
	case "strip-for-pika":
		err = stripForPika(args[1], stdout)
	case "column-families":
		err = printColumnFamilies(args[1], stdout)
	case "migrate-raft-log":
		err = migrateRaftLog(args[1], stdout)
	default:
		fmt.Fprintf(stderr, "pikaraft-admin: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "pikaraft-admin %s: %v\n", args[0], err)
		return 1
	}
	return 0
}
