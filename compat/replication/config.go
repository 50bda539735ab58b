package replication

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/pikaraft/pikaraft/compat/binlog"
)

// Pika's port shifts (include/pika_define.h).
const (
	// PortShiftRepl is kPortShiftReplServer: the replication port is P+2000.
	PortShiftRepl = 2000
	// PortShiftRsync is kPortShiftRsync2: the file transfer port is P+10001.
	PortShiftRsync = 10001
)

// Pika's timing and batching constants (src/pika_rm.cc, pika_define.h).
const (
	defaultSendKeepAlive = 2 * time.Second  // kSendKeepAliveTimeout
	defaultRecvTimeout   = 20 * time.Second // kRecvKeepAliveTimeout
	defaultIdleTimeout   = 180 * time.Second
	entriesPerMessage    = 100     // binlog_sync entries per InnerResponse
	maxChunk             = 4 << 20 // largest file chunk served
	dbSyncMaxGap         = 50      // kDBSyncMaxGap
)

// Binlog is the node's Pika binlog, one per database.
type Binlog interface {
	// Dir returns database db's binlog directory (log-path/log_db<i>).
	Dir(db int) string
	// Producer returns db's producer position (the end of its data).
	Producer(db int) binlog.Position
	// RegisterConsumer registers a reader that holds back purging of
	// db's files it still needs.
	RegisterConsumer(db int) *binlog.Consumer
}

// SetBinlog adapts the binlog writers of a node.
func SetBinlog(s *binlog.Set) Binlog { return setBinlog{s} }

type setBinlog struct{ s *binlog.Set }

func (b setBinlog) Dir(db int) string                        { return b.s.DB(db).Dir() }
func (b setBinlog) Producer(db int) binlog.Position          { return b.s.DB(db).Producer() }
func (b setBinlog) RegisterConsumer(db int) *binlog.Consumer { return b.s.DB(db).RegisterConsumer() }

// Checkpointer makes the data copy of a full sync.
type Checkpointer interface {
	// Checkpoint writes a copy of every database into dir (layout
	// dir/db<i>/<type>/, dir must not exist) and returns, per database,
	// the binlog position the copy matches: a replica loading the copy
	// continues streaming from there.
	Checkpoint(dir string) ([]binlog.Position, error)
}

// Settings are the configuration values read while running, so that
// CONFIG SET takes effect at once (pikaconf.Config implements it).
// Keys: throttle-bytes-per-second, max-rsync-parallel-num, dump-expire,
// sync-window-size, binlog-file-size, requirepass.
type Settings interface {
	String(key string) string
	Int(key string, def int64) int64
}

// Config configures a Server.
type Config struct {
	// Host and Port are this node's address as replicas see it: Port is
	// the client port P (the servers listen on P+2000 and P+10001), Host
	// goes into dump info files and RemoveSlaveNode replies.
	Host string
	Port int
	// Databases is the number of databases (db0..).
	Databases int
	// RunID is the 40-hex run id; ReplicationID the 50-hex replication id,
	// which must be the same on every node of the cluster.
	RunID         string
	ReplicationID string
	// DumpPath and DumpPrefix place dumps at <DumpPath><DumpPrefix><YYYYMMDD>.
	DumpPath   string
	DumpPrefix string
	Binlog     Binlog
	// Checkpointer copies the data for full syncs.
	Checkpointer Checkpointer
	// Settings gives the run-time configuration.
	Settings Settings
	// Logger receives progress and errors (default slog.Default()).
	Logger *slog.Logger
	// Now returns the local time (default time.Now): dump names and expiry.
	Now func() time.Time

	// SendKeepAlive, RecvTimeout and IdleTimeout override Pika's 2 s, 20 s
	// and 180 s (tests).
	SendKeepAlive time.Duration
	RecvTimeout   time.Duration
	IdleTimeout   time.Duration
}

func (c *Config) fill() error {
	if c.Databases < 1 {
		return fmt.Errorf("replication: %d databases", c.Databases)
	}
	if c.Binlog == nil || c.Checkpointer == nil || c.Settings == nil {
		return fmt.Errorf("replication: binlog, checkpointer and settings are required")
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.SendKeepAlive <= 0 {
		c.SendKeepAlive = defaultSendKeepAlive
	}
	if c.RecvTimeout <= 0 {
		c.RecvTimeout = defaultRecvTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = defaultIdleTimeout
	}
	if c.DumpPath == "" {
		c.DumpPath = "./dump/"
	}
	return nil
}

// windowSize is sync-window-size (Pika: default 9000, at most 90000).
func (c *Config) windowSize() int {
	n := c.Settings.Int("sync-window-size", 9000)
	if n <= 0 {
		n = 9000
	}
	return int(min(n, 90000))
}

// fileSize is binlog-file-size, used for INFO's lag.
func (c *Config) fileSize() uint64 {
	n := c.Settings.Int("binlog-file-size", 100<<20)
	if n < 1024 || n > 1<<30 {
		n = 100 << 20
	}
	return uint64(n)
}

// dbName is Pika's name of database i.
func dbName(i int) string { return fmt.Sprintf("db%d", i) }

// parseDBName returns the index of "db<i>" when it is one of n databases.
func parseDBName(s string, n int) (int, bool) {
	for i := 0; i < n; i++ {
		if s == dbName(i) {
			return i, true
		}
	}
	return 0, false
}
