package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/redcon"

	"github.com/pikaraft/pikaraft/compat/binlog"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.Local)

func argv(s ...string) [][]byte {
	out := make([][]byte, len(s))
	for i, x := range s {
		out[i] = []byte(x)
	}
	return out
}

// writeBinlog writes cmds (one per second from t0) with 1 KiB files so
// they span several files, and returns the directory.
func writeBinlog(t *testing.T, cmds [][]string) string {
	dir := filepath.Join(t.TempDir(), "log_db0")
	w, err := binlog.OpenWriter(dir, binlog.Options{FileSize: 1024})
	require.NoError(t, err)
	for i, c := range cmds {
		_, err := w.Append(1, uint64(i+1), uint32(t0.Unix())+uint32(i), binlog.EncodeRESP(argv(c...)))
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return dir
}

func runTool(t *testing.T, args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return out.String(), errb.String(), code
}

func sampleCmds(n int) [][]string {
	var cmds [][]string
	for i := 0; i < n; i++ {
		cmds = append(cmds, []string{"SET", fmt.Sprintf("key:%d", i), strings.Repeat("v", 40) + strconv.Itoa(i)})
	}
	return cmds
}

func TestCatTextRangeAndTimeFilters(t *testing.T) {
	dir := writeBinlog(t, sampleCmds(40))
	files, err := binlog.ListFiles(dir)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 3)

	out, errOut, code := runTool(t, "cat", "-n", dir, "-f", "0-"+strconv.Itoa(int(files[len(files)-1])))
	require.Equal(t, 0, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 40)
	require.Equal(t, fmt.Sprintf(`0:0 time=%q term=1 index=1 SET key:0 %s0`, t0.Format(timeLayout), strings.Repeat("v", 40)), lines[0])

	// Only file 0.
	out, _, code = runTool(t, "cat", "-n", dir, "-f", "0")
	require.Equal(t, 0, code)
	n0 := strings.Count(out, "\n")
	require.Less(t, n0, 40)
	require.Greater(t, n0, 0)

	// Time window: items 5..9.
	out, _, code = runTool(t, "cat", "-n", dir, "-f", "0-"+strconv.Itoa(int(files[len(files)-1])), "-s", t0.Add(5*time.Second).Format(timeLayout), "-e", t0.Add(9*time.Second).Format(timeLayout))
	require.Equal(t, 0, code)
	lines = strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 5)
	require.Contains(t, lines[0], " index=6 SET key:5 ")

	// Offset: start in the middle of the first item → the second.
	out, _, code = runTool(t, "cat", "-n", dir, "-o", "3")
	require.Equal(t, 0, code)
	require.True(t, strings.HasPrefix(out, "0:"), out)
	require.Contains(t, strings.SplitN(out, "\n", 2)[0], "index=2 ")

	// RESP output is the raw contents.
	out, _, code = runTool(t, "cat", "-n", dir, "-f", "0", "-format", "resp")
	require.Equal(t, 0, code)
	require.True(t, strings.HasPrefix(out, "*3\r\n$3\r\nSET\r\n$5\r\nkey:0\r\n"))

	_, errOut, code = runTool(t, "cat", "-n", dir, "-f", "0-99")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "write2file")
	_, errOut, code = runTool(t, "cat", "-n", dir, "-f", "1-x")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "bad -f")
}

func TestCatQuotesBinary(t *testing.T) {
	dir := writeBinlog(t, [][]string{{"SET", "k", "a b\x00"}})
	out, _, code := runTool(t, "cat", "-n", dir)
	require.Equal(t, 0, code)
	require.Contains(t, out, ` SET k "a b\x00"`)
}

// fakeServer records commands; it requires AUTH secret and answers an
// error to commands named FAIL.
func fakeServer(t *testing.T) (string, func() [][]string) {
	var mu sync.Mutex
	var got [][]string
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := redcon.NewServer("", func(conn redcon.Conn, cmd redcon.Command) {
		var c []string
		for _, a := range cmd.Args {
			c = append(c, string(a))
		}
		mu.Lock()
		got = append(got, c)
		mu.Unlock()
		switch strings.ToUpper(c[0]) {
		case "AUTH":
			if len(c) == 2 && c[1] == "secret" {
				conn.WriteString("OK")
			} else {
				conn.WriteError("ERR invalid password")
			}
		case "FAIL":
			conn.WriteError("ERR unknown command")
		default:
			conn.WriteString("OK")
		}
	}, nil, nil)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), func() [][]string {
		mu.Lock()
		defer mu.Unlock()
		return append([][]string(nil), got...)
	}
}

func TestSendReplaysWithAuth(t *testing.T) {
	cmds := append(sampleCmds(300), []string{"FAIL", "x"}, []string{"pksetexat", "k", "1900000000", "v"})
	dir := writeBinlog(t, cmds)
	files, err := binlog.ListFiles(dir)
	require.NoError(t, err)
	addr, got := fakeServer(t)
	host, port, _ := net.SplitHostPort(addr)
	out, errOut, code := runTool(t, "send", "-n", dir, "-i", host, "-p", port, "-a", "secret", "-f", fmt.Sprintf("0-%d", files[len(files)-1]))
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "success: 301, fail: 1,")
	require.Contains(t, errOut, "ERR unknown command")
	rec := got()
	require.Equal(t, []string{"AUTH", "secret"}, rec[0])
	require.Equal(t, cmds, rec[1:])

	_, errOut, code = runTool(t, "send", "-n", dir, "-i", host, "-p", port, "-a", "wrong")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "invalid password")
}

// TestSendIntoRedis replays a binlog into a fresh redis-server and compares the data.
func TestSendIntoRedis(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	srv := exec.Command("redis-server", "--port", strconv.Itoa(port), "--save", "", "--appendonly", "no", "--requirepass", "pw", "--dir", t.TempDir())
	require.NoError(t, srv.Start())
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port), Password: "pw"})
	defer rdb.Close()
	ctx := context.Background()
	require.Eventually(t, func() bool { return rdb.Ping(ctx).Err() == nil }, 5*time.Second, 20*time.Millisecond)

	cmds := append(sampleCmds(50),
		[]string{"HSET", "h", "f", "v"}, []string{"hmset", "h", "g", "w", "x", "y"},
		[]string{"RPUSH", "l", "a", "b", "c"}, []string{"LPOP", "l"},
		[]string{"DEL", "key:3"}, []string{"expireat", "key:4", "4000000000"})
	dir := writeBinlog(t, cmds)
	files, err := binlog.ListFiles(dir)
	require.NoError(t, err)
	out, errOut, code := runTool(t, "send", "-n", dir, "-p", strconv.Itoa(port), "-a", "pw", "-f", fmt.Sprintf("0-%d", files[len(files)-1]))
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, fmt.Sprintf("success: %d, fail: 0,", len(cmds)))

	require.Equal(t, int64(49+2), rdb.DBSize(ctx).Val())
	require.Equal(t, strings.Repeat("v", 40)+"7", rdb.Get(ctx, "key:7").Val())
	require.Equal(t, map[string]string{"f": "v", "g": "w", "x": "y"}, rdb.HGetAll(ctx, "h").Val())
	require.Equal(t, []string{"b", "c"}, rdb.LRange(ctx, "l", 0, -1).Val())
	require.Equal(t, int64(0), rdb.Exists(ctx, "key:3").Val())
	require.Equal(t, 4000000000*time.Second, rdb.ExpireTime(ctx, "key:4").Val())
}
