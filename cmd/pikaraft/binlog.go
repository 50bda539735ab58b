package main

import (
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/pikaraft/pikaraft/compat/binlogsink"
)

// openBinlog opens the Pika binlog under log-path, or returns nil when
// pika.conf says write-binlog no. The automatic purge follows
// expire-logs-nums and expire-logs-days (read at each run).
func openBinlog(s *settings, log *slog.Logger) (*binlogsink.Sink, error) {
	if !s.conf.Bool("write-binlog") {
		log.Info("binlog off (write-binlog no)")
		return nil, nil
	}
	logPath, err := filepath.Abs(s.conf.String("log-path"))
	if err != nil {
		return nil, fmt.Errorf("log-path: %w", err)
	}
	sink, err := binlogsink.Open(binlogsink.Config{
		LogPath:   logPath,
		Databases: int(s.conf.Int("databases", 1)),
		FileSize:  uint64(s.conf.Int("binlog-file-size", 104857600)),
		Logger:    log,
	})
	if err != nil {
		return nil, fmt.Errorf("binlog: %w", err)
	}
	sink.StartPurger(binlogsink.PurgeEvery, func() (int, int) {
		return int(s.conf.Int("expire-logs-nums", 10)), int(s.conf.Int("expire-logs-days", 7))
	})
	return sink, nil
}
