package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pikaraft/pikaraft/compat/binlog"
)

// timeLayout is binlog_sender's %Y-%m-%d %H:%M:%S.
const timeLayout = "2006-01-02 15:04:05"

// common holds the flags cat and send share.
type common struct {
	dir        string
	files      string
	offset     uint64
	start, end string

	first, last uint32
	from, to    int64 // unix seconds
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.dir, "n", "./log/", "binlog directory of one db")
	fs.StringVar(&c.files, "f", "0", "file number N or range A-B")
	fs.Uint64Var(&c.offset, "o", 0, "start offset in the first file")
	fs.StringVar(&c.start, "s", "2001-01-01 00:01:01", "start time")
	fs.StringVar(&c.end, "e", "2100-01-01 00:00:01", "end time")
}

// parse validates the flags and checks that every file of the range exists.
func (c *common) parse() error {
	var err error
	if c.first, c.last, err = parseRange(c.files); err != nil {
		return err
	}
	from, err := time.ParseInLocation(timeLayout, c.start, time.Local)
	if err != nil {
		return fmt.Errorf("bad -s %q: want %q", c.start, timeLayout)
	}
	to, err := time.ParseInLocation(timeLayout, c.end, time.Local)
	if err != nil {
		return fmt.Errorf("bad -e %q: want %q", c.end, timeLayout)
	}
	c.from, c.to = from.Unix(), to.Unix()
	for n := c.first; ; n++ {
		if _, err := os.Stat(filepath.Join(c.dir, binlog.FileName(n))); err != nil {
			return fmt.Errorf("binlog file %s: %w", binlog.FileName(n), err)
		}
		if n == c.last {
			break
		}
	}
	return nil
}

// parseRange parses "N" or "A-B" (digits and at most one '-').
func parseRange(s string) (uint32, uint32, error) {
	a, b, isRange := strings.Cut(s, "-")
	first, err := strconv.ParseUint(a, 10, 32)
	if err != nil {
		return 0, 0, fmt.Errorf("bad -f %q: want N or A-B", s)
	}
	last := first
	if isRange {
		if last, err = strconv.ParseUint(b, 10, 32); err != nil {
			return 0, 0, fmt.Errorf("bad -f %q: want N or A-B", s)
		}
	}
	if last < first {
		return 0, 0, fmt.Errorf("bad -f %q: range ends before it starts", s)
	}
	return uint32(first), uint32(last), nil
}

// each calls fn for every item of the range whose exec_time is in [from, to].
func (c *common) each(fn func(it binlog.Located) error) error {
	r, err := binlog.OpenReader(c.dir, c.first, c.offset)
	if err != nil {
		return err
	}
	defer r.Close()
	for {
		it, err := r.Next()
		if errors.Is(err, io.EOF) {
			if r.Torn() {
				return fmt.Errorf("torn tail after %v", r.ValidEnd())
			}
			return nil
		}
		if err != nil {
			return err
		}
		if it.Start.Filenum > c.last {
			return nil
		}
		if t := int64(it.ExecTime); t < c.from || t > c.to {
			continue
		}
		if err := fn(it); err != nil {
			return err
		}
	}
}
