// Command pikaraft-binlog reads Pika 3.5.5 binlog files (as written by Pika
// or by pikaraft): `cat` prints the items of a range of files, `send`
// replays them to a Redis-protocol server like Pika's binlog_sender, with
// the same flags.
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `usage: pikaraft-binlog <command> [flags]

commands:
  cat   print the items of a range of binlog files
  send  replay the items to a server (flags as Pika's binlog_sender)

common flags:
  -n <dir>    binlog directory of one db, e.g. ./log/log_db0/ (default ./log/)
  -f <N|A-B>  file number or range (default 0)
  -o <off>    start offset in the first file (default 0; moved forward to
              the next record boundary)
  -s <time>   only items with exec_time >= this ("2006-01-02 15:04:05",
              local time; default 2001-01-01 00:01:01)
  -e <time>   only items with exec_time <= this (default 2100-01-01 00:00:01)
cat flags:
  -format text|resp   text: one line per item; resp: the raw commands
send flags:
  -i <ip>     target ip (default 127.0.0.1)
  -p <port>   target port (default 6379)
  -a <pass>   password: sends AUTH first
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
	var err error
	switch args[0] {
	case "cat":
		err = runCat(args[1:], stdout, stderr)
	case "send":
		err = runSend(args[1:], stdout, stderr)
	default:
		fmt.Fprintf(stderr, "pikaraft-binlog: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "pikaraft-binlog %s: %v\n", args[0], err)
		return 1
	}
	return 0
}
