package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/engine/hotcache"
)

func settingsFrom(t *testing.T, conf string) *settings {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "pika.conf")
	require.NoError(t, os.WriteFile(path, []byte(conf), 0o644))
	s, err := parseFlags([]string{"-c", path, "--data-dir", filepath.Join(dir, "d")})
	require.NoError(t, err)
	return s
}

func TestHotCacheOffByDefault(t *testing.T) {
	s := settingsFrom(t, "port : 9221\n")
	require.False(t, s.hotCache.Enabled())
	require.False(t, s.hotCache.Serves(hotcache.KindString))
}

func TestHotCacheFromPikaConfAndConfigSet(t *testing.T) {
	s := settingsFrom(t, "cache-model : 1\ncache-type : string, hash\ncache-maxmemory : 1m\n")
	hc := s.hotCache
	require.True(t, hc.Serves(hotcache.KindString))
	require.False(t, hc.Serves(hotcache.KindList))
	require.Equal(t, [][2]string{{"cache-type", "string,hash"}}, s.conf.Get("cache-type"))

	watchHotCache(s.conf, hc, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, s.conf.Set("cache-type", "list"))
	require.False(t, hc.Serves(hotcache.KindString))
	require.True(t, hc.Serves(hotcache.KindList))
	require.NoError(t, s.conf.Set("cache-model", "0"))
	require.False(t, hc.Serves(hotcache.KindList))
	require.Error(t, s.conf.Set("cache-type", "string,blob"))
	require.Error(t, s.conf.Set("cache-model", "2"))
}

func TestHotCacheRejectsUnknownType(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pika.conf")
	require.NoError(t, os.WriteFile(path, []byte("cache-type : string, blob\n"), 0o644))
	_, err := parseFlags([]string{"-c", path, "--data-dir", filepath.Join(dir, "d")})
	require.ErrorContains(t, err, "cache-type")
}
