package info

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pikaraft/pikaraft/engine"
)

// line appends one "format\r\n" line.
func line(b *strings.Builder, format string, args ...any) {
	fmt.Fprintf(b, format, args...)
	b.WriteString("\r\n")
}

// conf returns the value of configuration parameter key ("" if unknown).
func (in *Info) conf(key string) string {
	if in.src.Config == nil {
		return ""
	}
	for _, kv := range in.src.Config.Get(key) {
		if strings.EqualFold(kv[0], key) {
			return kv[1]
		}
	}
	return ""
}

// confInt returns key as an integer, or def.
func (in *Info) confInt(key string, def int64) int64 {
	n, err := strconv.ParseInt(in.conf(key), 10, 64)
	if err != nil {
		return def
	}
	return n
}

// engine returns the engine or nil.
func (in *Info) engine() *engine.Engine {
	if in.src.Engine == nil {
		return nil
	}
	return in.src.Engine()
}

// serverStats returns the RESP server's counters (zero without a server).
func (in *Info) serverStats() ServerStats {
	if in.src.Server == nil {
		return ServerStats{}
	}
	return in.src.Server()
}

// mib is Pika's "_human" form: whole MiB, rounded down, then "M".
func mib(n uint64) string { return strconv.FormatUint(n>>20, 10) + "M" }

// formatG prints a float like a default C++ ostream (6 significant digits).
func formatG(f float64) string { return strconv.FormatFloat(f, 'g', 6, 64) }

// dirSize sums the sizes of the regular files under dir (Pika's du); a
// missing directory is 0.
func dirSize(dir string) uint64 {
	if dir == "" {
		return 0
	}
	var n uint64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += uint64(fi.Size())
			}
		}
		return nil
	})
	return n
}

func itoa(i int) string { return strconv.Itoa(i) }
