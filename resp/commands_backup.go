package resp

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/resp/command"
)

// BGSAVE, DELBACKUP: Pika's dump directory, per node.
//
//	<dump-path><dump-prefix><YYYYMMDD>/db<i>/{strings,hashes,lists,sets,zsets,streams}/  RocksDB checkpoints
//	<dump-path><dump-prefix><YYYYMMDD>/db<i>/info                                        5 lines (spec §4.1)
//
// The instances are a checkpoint of the engine (one applied position) with
// pikaraft's own column family dropped (engine.StripForPika), so a Pika
// 3.5.5 opens them as they are.

// bgsaveState tracks the running BGSAVE and the time of the last one.
type bgsaveState struct {
	mu       sync.Mutex
	running  string // dump dir being written, "" when idle
	lastSave int64  // Unix seconds of the last successful BGSAVE, 0 before
}

func init() {
	flags := command.FlagConnState | command.FlagAdmin | command.FlagNoScript
	command.Commands.Register(
		&command.Spec{Name: "bgsave", Arity: -1, Flags: flags,
			Categories: []string{"admin", "slow", "dangerous"}, Group: "server", Since: "1.0.0",
			Summary: "Writes a dump of every database (Pika's layout) in the background.", Run: cmdBgsave},
		&command.Spec{Name: "delbackup", Arity: 1, Flags: flags,
			Categories: []string{"admin", "slow", "dangerous"}, Group: "server", Since: "3.0.0",
			Summary: "Deletes the dump directories of this node (Pika).", Run: cmdDelbackup},
	)
}

// dumpSettings returns dump-path and dump-prefix from the config store.
func (s *Server) dumpSettings() (path, prefix string) {
	path = "./dump/"
	for _, kv := range s.conf.Get("dump-path") {
		if kv[0] == "dump-path" && strings.TrimSpace(kv[1]) != "" {
			path = strings.TrimSpace(kv[1])
		}
	}
	for _, kv := range s.conf.Get("dump-prefix") {
		if kv[0] == "dump-prefix" {
			prefix = strings.TrimSpace(kv[1])
		}
	}
	return path, prefix
}

// cmdBgsave implements BGSAVE [db0,db1,...] (Pika's optional db list).
func cmdBgsave(c *command.Ctx, argv [][]byte) command.Reply {
	conn := c.Conn.(*Conn)
	srv := conn.srv
	var dbs []int
	if len(argv) > 2 {
		return command.ErrReply(command.ErrSyntax)
	}
	if len(argv) == 2 && !command.EqualFold(argv[1], "SCHEDULE") {
		for _, name := range strings.Split(string(argv[1]), ",") {
			var i int
			if _, err := fmt.Sscanf(strings.TrimSpace(name), "db%d", &i); err != nil || i < 0 || i >= srv.numDBs() {
				return command.Err("ERR invalid db name: " + name)
			}
			dbs = append(dbs, i)
		}
	}
	path, prefix := srv.dumpSettings()
	start := time.Now()
	dir := filepath.Join(path, prefix+start.Format("20060102"))
	srv.bgsave.mu.Lock()
	if srv.bgsave.running != "" {
		srv.bgsave.mu.Unlock()
		return command.Err("ERR Background save already in progress")
	}
	srv.bgsave.running = dir
	srv.bgsave.mu.Unlock()
	host, port, _ := net.SplitHostPort(conn.laddr)
	go func() {
		err := srv.writeDump(dir, dbs, start, host, port)
		srv.bgsave.mu.Lock()
		srv.bgsave.running = ""
		if err == nil {
			srv.bgsave.lastSave = time.Now().Unix()
		}
		srv.bgsave.mu.Unlock()
		if err != nil {
			srv.cfg.Logger.Error("bgsave failed", "dir", dir, "err", err)
		} else {
			srv.cfg.Logger.Info("bgsave done", "dir", dir, "elapsed", time.Since(start).Round(time.Millisecond))
		}
	}()
	return command.Status("Background saving started")
}

// writeDump checkpoints the engine into dir (replacing an older dump of the
// same day), keeps only dbs (all when empty), strips pikaraft's column
// family and writes each db's info file.
func (s *Server) writeDump(dir string, dbs []int, start time.Time, host, port string) error {
	tmp := dir + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("bgsave: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(tmp), 0o755); err != nil {
		return fmt.Errorf("bgsave: %w", err)
	}
	offsets := s.info.BinlogOffsets()
	eng, release := s.cluster.AcquireEngine()
	if eng == nil {
		release()
		return fmt.Errorf("bgsave: no engine")
	}
	n := eng.NumDBs()
	err := eng.Checkpoint(tmp)
	release()
	if err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("bgsave: %w", err)
	}
	keep := map[int]bool{}
	for _, d := range dbs {
		keep[d] = true
	}
	for i := 0; i < n; i++ {
		if len(dbs) > 0 && !keep[i] {
			if err := os.RemoveAll(filepath.Join(tmp, fmt.Sprintf("db%d", i))); err != nil {
				return fmt.Errorf("bgsave: %w", err)
			}
		}
	}
	if err := engine.StripForPika(tmp); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("bgsave: %w", err)
	}
	secs := int64(time.Since(start).Seconds())
	for i := 0; i < n; i++ {
		if len(dbs) > 0 && !keep[i] {
			continue
		}
		var filenum, offset uint64
		if i < len(offsets) {
			filenum, offset = uint64(offsets[i].Filenum), uint64(offsets[i].Offset)
		}
		info := fmt.Sprintf("%ds\n%s\n%s\n%d\n%d\n", secs, host, port, filenum, offset)
		if err := os.WriteFile(filepath.Join(tmp, fmt.Sprintf("db%d", i), "info"), []byte(info), 0o644); err != nil {
			os.RemoveAll(tmp)
			return fmt.Errorf("bgsave: %w", err)
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("bgsave: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("bgsave: %w", err)
	}
	return nil
}

// cmdDelbackup deletes every dump directory named <dump-prefix><8 digits>
// under dump-path, except one a BGSAVE is writing (Pika's DELBACKUP).
func cmdDelbackup(c *command.Ctx, _ [][]byte) command.Reply {
	srv := c.Conn.(*Conn).srv
	path, prefix := srv.dumpSettings()
	entries, err := os.ReadDir(path)
	if err != nil {
		return command.OK() // no dump directory: nothing to delete (Pika)
	}
	srv.bgsave.mu.Lock()
	running := srv.bgsave.running
	srv.bgsave.mu.Unlock()
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || !strings.HasPrefix(name, prefix) || len(name) != len(prefix)+8 || !allDigits(name[len(prefix):]) {
			continue
		}
		full := filepath.Join(path, name)
		if running != "" && filepath.Clean(running) == filepath.Clean(full) {
			continue
		}
		if err := os.RemoveAll(full); err != nil {
			return command.ErrReply(fmt.Errorf("delbackup: %w", err))
		}
	}
	return command.OK()
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
