package main

import (
	"fmt"
	"log/slog"
	"strconv"

	"github.com/pikaraft/pikaraft/compat/pikaconf"
	"github.com/pikaraft/pikaraft/engine/hotcache"
)

// newHotCache builds the hot-key cache from pika.conf: cache-model (0 off,
// the default; 1 on), cache-maxmemory (bytes, all databases together) and
// cache-type (string and list are cached; set, zset, hash and bit are
// accepted and cache nothing). The cache always exists, so CONFIG SET
// cache-model 1 can turn it on at run time.
func newHotCache(conf *pikaconf.Config) (*hotcache.Cache, error) {
	types, err := hotcache.ParseTypes(conf.String("cache-type"))
	if err != nil {
		return nil, err
	}
	return hotcache.New(hotcache.Config{
		Enabled:  conf.Int("cache-model", 0) == 1,
		MaxBytes: conf.Int("cache-maxmemory", 10<<30),
		Types:    types,
	}), nil
}

// watchHotCache applies CONFIG SET of the cache keys to hc.
func watchHotCache(conf *pikaconf.Config, hc *hotcache.Cache, log *slog.Logger) {
	conf.OnChange(func(key, value string) {
		switch key {
		case "cache-model":
			hc.SetEnabled(value == "1")
		case "cache-maxmemory":
			if n, err := strconv.ParseInt(value, 10, 64); err == nil {
				hc.SetMaxBytes(n)
			}
		case "cache-type":
			if t, err := hotcache.ParseTypes(value); err == nil {
				hc.SetTypes(t)
			} else {
				log.Warn("cache-type", "error", fmt.Errorf("config set: %w", err))
			}
		}
	})
}
