package resp

import (
	"fmt"
	"strings"
	"syscall"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/resp/command"
)

// Pika's maintenance commands, per node: COMPACT, COMPACTRANGE,
// DISKRECOVERY, DISABLEWAL, CLEARREPLICATIONID, CACHE, CLEARCACHE.

func init() {
	flags := command.FlagConnState | command.FlagAdmin | command.FlagNoScript
	cats := []string{"admin", "slow", "dangerous"}
	reg := func(name string, arity int, summary string, run command.Handler) *command.Spec {
		return &command.Spec{Name: name, Arity: arity, Flags: flags, Categories: cats,
			Group: "server", Since: "3.5.0", Summary: summary, Run: run}
	}
	command.Commands.Register(
		reg("compact", -1, "Compacts the RocksDB instances in the background (Pika).", cmdCompact),
		reg("compactrange", 5, "Compacts a key range of some instances (Pika).", cmdCompactRange),
		reg("diskrecovery", 1, "Checks the instances for background (disk) errors (Pika).", cmdDiskRecovery),
		reg("disablewal", 2, "Turns RocksDB's write-ahead log off or on (Pika).", cmdDisableWAL),
		reg("clearreplicationid", 1, "Clears the classic replication ID (Pika; no effect).", cmdClearReplicationID),
		reg("cache", -2, "Pika's cache layer commands: CACHE CLEAR DB|ALL, CACHE DEL key...", cmdCache),
		reg("clearcache", 1, "Clears Pika's cache layer (the hot-key cache).", cmdClearCache),
	)
}

// compactKinds maps Pika's compact type names to kinds.
func compactKinds(t string) ([]engine.Kind, bool) {
	switch strings.ToLower(t) {
	case "all":
		return engine.Kinds, true
	case "string", "strings":
		return []engine.Kind{engine.KindStrings}, true
	case "hash", "hashes":
		return []engine.Kind{engine.KindHashes}, true
	case "set", "sets":
		return []engine.Kind{engine.KindSets}, true
	case "zset", "zsets":
		return []engine.Kind{engine.KindZSets}, true
	case "list", "lists":
		return []engine.Kind{engine.KindLists}, true
	case "stream", "streams":
		return []engine.Kind{engine.KindStreams}, true
	}
	return nil, false
}

// parseDBList parses Pika's db list ("db0,db1" or "all").
func (s *Server) parseDBList(arg string) ([]int, bool) {
	if strings.EqualFold(arg, "all") {
		out := make([]int, s.numDBs())
		for i := range out {
			out[i] = i
		}
		return out, true
	}
	var out []int
	for _, name := range strings.Split(arg, ",") {
		var i int
		if _, err := fmt.Sscanf(strings.TrimSpace(name), "db%d", &i); err != nil || i < 0 || i >= s.numDBs() {
			return nil, false
		}
		out = append(out, i)
	}
	return out, true
}

// cmdCompact implements COMPACT [type] | COMPACT dbs type: a full manual
// compaction, in the background (the reply comes at once, as in Pika).
func cmdCompact(c *command.Ctx, argv [][]byte) command.Reply {
	srv := c.Conn.(*Conn).srv
	dbs, _ := srv.parseDBList("all")
	typ := "all"
	switch len(argv) {
	case 1:
	case 2:
		typ = string(argv[1])
	case 3:
		var ok bool
		if dbs, ok = srv.parseDBList(string(argv[1])); !ok {
			return command.Err("ERR Invalid DB index for 'compact' command")
		}
		typ = string(argv[2])
	default:
		return command.WrongArity("compact")
	}
	kinds, ok := compactKinds(typ)
	if !ok {
		return command.Err("ERR Invalid DB type: " + typ)
	}
	go srv.compact(dbs, kinds, nil, nil, false)
	return command.OK()
}

// cmdCompactRange implements COMPACTRANGE dbs type start end, synchronously.
func cmdCompactRange(c *command.Ctx, argv [][]byte) command.Reply {
	srv := c.Conn.(*Conn).srv
	dbs, ok := srv.parseDBList(string(argv[1]))
	if !ok {
		return command.Err("ERR Invalid DB index for 'compactrange' command")
	}
	kinds, ok := compactKinds(string(argv[2]))
	if !ok {
		return command.Err("ERR Invalid DB type: " + string(argv[2]))
	}
	if err := srv.compact(dbs, kinds, argv[3], argv[4], true); err != nil {
		return command.ErrReply(err)
	}
	return command.OK()
}

// compact runs the compactions one instance at a time, holding the engine
// only for one instance (a snapshot install waits at most that long).
func (s *Server) compact(dbs []int, kinds []engine.Kind, start, end []byte, ranged bool) error {
	for _, db := range dbs {
		for _, k := range kinds {
			eng, release := s.cluster.AcquireEngine()
			if eng == nil {
				release()
				return fmt.Errorf("compact: no engine")
			}
			var err error
			if ranged {
				err = eng.CompactKeyRange(db, k, start, end)
			} else {
				err = eng.CompactInstance(db, k)
			}
			release()
			if err != nil {
				s.cfg.Logger.Warn("compaction failed", "db", db, "kind", k, "err", err)
				return fmt.Errorf("compact db%d %s: %w", db, k, err)
			}
		}
	}
	return nil
}

// cmdDiskRecovery is Pika's DISKRECOVERY: refused while the disk of the
// db-path is short of space (Pika's thresholds: more than 70% used and
// less than 256 MB free), then OK when no instance reports a background
// error. RocksDB's Resume is not reachable from Go (grocksdb), so an
// instance with one answers "The restore operation failed." — restart the
// node, which replays the Raft log.
func cmdDiskRecovery(c *command.Ctx, _ [][]byte) command.Reply {
	srv := c.Conn.(*Conn).srv
	eng, release := srv.cluster.AcquireEngine()
	defer release()
	if eng == nil {
		return command.Err("ERR no engine")
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(eng.Path(), &st); err == nil && st.Blocks > 0 {
		free := st.Bfree * uint64(st.Bsize)
		used := 1 - float64(st.Bfree)/float64(st.Blocks)
		if used > 0.7 && free < 256<<20 {
			return command.Err("ERR The available disk capacity is insufficient")
		}
	}
	n, err := eng.BackgroundErrors()
	if err != nil {
		return command.ErrReply(err)
	}
	if n > 0 {
		return command.Err("ERR The restore operation failed.")
	}
	return command.OK()
}

// cmdDisableWAL implements DISABLEWAL true|false for this node's engine.
// An engine reopened by a snapshot install starts with the WAL on again.
func cmdDisableWAL(c *command.Ctx, argv [][]byte) command.Reply {
	var off bool
	switch string(argv[1]) {
	case "true":
		off = true
	case "false":
	default:
		return command.Err("ERR Invalid parameter")
	}
	srv := c.Conn.(*Conn).srv
	eng, release := srv.cluster.AcquireEngine()
	defer release()
	if eng == nil {
		return command.Err("ERR no engine")
	}
	if err := eng.SetDisableWAL(off); err != nil {
		return command.ErrReply(err)
	}
	return command.OK()
}

// cmdClearReplicationID is accepted with no effect: pikaraft nodes
// replicate through Raft, and the classic-replication ID of pika.conf is
// kept (Pika clears it so that its next sync as a replica is a full one).
func cmdClearReplicationID(*command.Ctx, [][]byte) command.Reply { return command.OK() }

// cmdCache is Pika 3.5's CACHE: CLEAR DB empties the hot-key cache of the
// connection's database, CLEAR ALL the whole cache, DEL key... drops keys
// from it (the data stays); RANDOMKEY replies nil (pikaraft does not pick
// random cached keys). With the cache off they change nothing.
func cmdCache(c *command.Ctx, argv [][]byte) command.Reply {
	conn, ok := c.Conn.(*Conn)
	if !ok {
		return command.Err("ERR CACHE needs a client connection")
	}
	hc := conn.srv.cluster.Engine().HotCache()
	switch {
	case command.EqualFold(argv[1], "CLEAR") && len(argv) == 3 && command.EqualFold(argv[2], "DB"):
		hc.ClearDB(conn.DB())
		return command.OK()
	case command.EqualFold(argv[1], "CLEAR") && len(argv) == 3 && command.EqualFold(argv[2], "ALL"):
		hc.Clear()
		return command.OK()
	case command.EqualFold(argv[1], "DEL") && len(argv) >= 3:
		hc.Drop(conn.DB(), argv[2:])
		return command.OK()
	case command.EqualFold(argv[1], "RANDOMKEY") && len(argv) == 2:
		return command.Nil()
	}
	return command.ErrReply(command.ErrSyntax)
}

// cmdClearCache is Pika's CLEARCACHE: it empties the hot-key cache.
func cmdClearCache(c *command.Ctx, _ [][]byte) command.Reply {
	if conn, ok := c.Conn.(*Conn); ok {
		conn.srv.cluster.Engine().HotCache().Clear()
	}
	return command.OK()
}
