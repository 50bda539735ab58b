package main

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAnswerKeepsPartialCommands(t *testing.T) {
	full := "*2\r\n$3\r\nGET\r\n$1\r\nk\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\nPING\r\n*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$4\r\nsave\r\n"
	want := "$-1\r\n+OK\r\n+OK\r\n*2\r\n$4\r\nsave\r\n$0\r\n\r\n"
	for cut := 0; cut <= len(full); cut++ {
		used, out, err := answer([]byte(full[:cut]), nil)
		require.NoError(t, err)
		rest := full[used:]
		used2, out2, err := answer([]byte(rest), out)
		require.NoError(t, err)
		require.Equal(t, len(rest), used2, "cut at %d", cut)
		require.Equal(t, want, string(out2), "cut at %d", cut)
	}
	_, _, err := answer([]byte("*x\r\n"), nil)
	require.Error(t, err)
	_, _, err = answer([]byte("*1\r\n+GET\r\n"), nil)
	require.Error(t, err)
}

// serve starts one mode on a free port and returns its address.
func serve(t *testing.T, mode func(net.Listener) error) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	go mode(ln) // the epoll loop never returns; the test binary's exit ends it
	return addr
}

func TestBothModesAnswerPipelinedCommandsInOrder(t *testing.T) {
	for name, mode := range map[string]func(net.Listener) error{"goroutine": serveGoroutines, "epoll": serveEpoll} {
		t.Run(name, func(t *testing.T) {
			addr := serve(t, mode)
			for range 2 { // a second client after the first left
				c, err := net.DialTimeout("tcp", addr, 2*time.Second)
				require.NoError(t, err)
				c.SetDeadline(time.Now().Add(5 * time.Second))
				req := strings.Repeat("*2\r\n$3\r\nget\r\n$3\r\nkey\r\n*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n", 100)
				// Sent in pieces that split commands, as a slow client would.
				for i := 0; i < len(req); i += 7 {
					_, err := io.WriteString(c, req[i:min(i+7, len(req))])
					require.NoError(t, err)
				}
				r := bufio.NewReader(c)
				for i := 0; i < 100; i++ {
					line, err := r.ReadString('\n')
					require.NoError(t, err)
					require.Equal(t, "$-1\r\n", line)
					line, err = r.ReadString('\n')
					require.NoError(t, err)
					require.Equal(t, "+OK\r\n", line)
				}
				c.Close()
			}
		})
	}
}
