package pikaconf

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPikaSampleConf: Pika 3.5.5's sample pika.conf (typed into testdata,
// comments and all) loads unmodified, with its values.
func TestPikaSampleConf(t *testing.T) {
	c, err := Load("testdata/pika-3.5.5.conf")
	require.NoError(t, err)
	for key, want := range map[string]string{
		"port": "9221", "databases": "1", "instance-mode": "classic", "write-binlog": "yes",
		"binlog-file-size": "104857600", "expire-logs-nums": "10", "expire-logs-days": "7",
		"write-buffer-size": "268435456", "target-file-size-base": "20971520", "compression": "snappy",
		"max-compaction-bytes": "-1", "db-sync-speed": "-1", "log-path": "./log/", "db-path": "./db/",
		"admin-cmd-list": "info, ping, monitor", "maxclients": "20000",
	} {
		got, ok := c.Value(key)
		require.True(t, ok, key)
		require.Equal(t, want, got, key)
	}
	keys := c.FileKeys()
	require.Equal(t, "port", keys[0])
	require.Contains(t, keys, "internal-used-unfinished-full-sync", "keys pikaraft does not know are kept")
	require.NotContains(t, keys, "daemonize", "commented-out keys are not set")
}
