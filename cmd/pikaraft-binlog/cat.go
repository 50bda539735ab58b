package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/pikaraft/pikaraft/compat/binlog"
)

// runCat prints the items of the range, as text lines or raw RESP.
func runCat(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("cat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	format := fs.String("format", "text", "text or resp")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *format != "text" && *format != "resp" {
		return fmt.Errorf("bad -format %q: want text or resp", *format)
	}
	if err := c.parse(); err != nil {
		return err
	}
	out := bufio.NewWriter(stdout)
	err := c.each(func(it binlog.Located) error {
		if *format == "resp" {
			_, err := out.Write(it.Content)
			return err
		}
		return writeText(out, it)
	})
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	return err
}

// writeText writes one item as a line:
// `<file>:<offset> time=<local time> term=<t> index=<i> <args, quoted when needed>`.
func writeText(w *bufio.Writer, it binlog.Located) error {
	ts := time.Unix(int64(it.ExecTime), 0).Format(timeLayout)
	fmt.Fprintf(w, "%d:%d time=%q term=%d index=%d", it.Start.Filenum, it.Start.Offset, ts, it.Term, it.Index)
	argv, err := binlog.ParseRESP(it.Content)
	if err != nil {
		fmt.Fprintf(w, " %s\n", strconv.Quote(string(it.Content)))
		return nil
	}
	for _, a := range argv {
		w.WriteByte(' ')
		w.WriteString(quoteArg(a))
	}
	return w.WriteByte('\n')
}

// quoteArg leaves plain printable arguments bare and quotes the rest.
func quoteArg(a []byte) string {
	if len(a) == 0 {
		return `""`
	}
	for _, c := range a {
		if c <= ' ' || c >= 0x7f || c == '"' || c == '\\' {
			return strconv.Quote(string(a))
		}
	}
	return string(a)
}
