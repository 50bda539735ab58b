package resp

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	server = <-accepted
	require.NotNil(t, server)
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

func TestRawIOUsesRawCallsOnTCP(t *testing.T) {
	s, _ := tcpPair(t)
	require.NotNil(t, newRawIO(s).rc, "a TCP connection is read and written with raw system calls")
	p1, p2 := net.Pipe()
	defer p1.Close()
	defer p2.Close()
	require.Nil(t, newRawIO(p1).rc, "a pipe falls back to net.Conn's methods")
}

func TestRawIOReadWaitsForDataThenReportsEOF(t *testing.T) {
	s, c := tcpPair(t)
	r := newRawIO(s)
	go func() {
		time.Sleep(50 * time.Millisecond) // the read parks first
		c.Write([]byte("*1\r\n$4\r\nPING\r\n"))
		time.Sleep(50 * time.Millisecond)
		c.Close()
	}()
	buf := make([]byte, 64)
	n, err := r.Read(buf)
	require.NoError(t, err)
	require.Equal(t, "*1\r\n$4\r\nPING\r\n", string(buf[:n]))
	n, err = r.Read(buf)
	require.Equal(t, 0, n)
	require.ErrorIs(t, err, io.EOF)
}

func TestRawIOReadDeadline(t *testing.T) {
	s, _ := tcpPair(t)
	r := newRawIO(s)
	require.NoError(t, s.SetReadDeadline(time.Now().Add(30*time.Millisecond)))
	start := time.Now()
	n, err := r.Read(make([]byte, 16))
	require.Equal(t, 0, n)
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	var ne net.Error
	require.True(t, errors.As(err, &ne) && ne.Timeout(), "waitInput relies on a net.Error timeout: %v", err)
	require.Less(t, time.Since(start), 5*time.Second)
}

func TestRawIOReadAfterCloseFails(t *testing.T) {
	s, _ := tcpPair(t)
	r := newRawIO(s)
	done := make(chan error, 1)
	go func() {
		_, err := r.Read(make([]byte, 16))
		done <- err
	}()
	time.Sleep(30 * time.Millisecond)
	s.Close() // as Conn.kill does from another goroutine
	select {
	case err := <-done:
		require.ErrorIs(t, err, net.ErrClosed)
	case <-time.After(5 * time.Second):
		t.Fatal("a read parked on a closed connection did not return")
	}
}

// A reply larger than the socket buffers is written completely: the write
// waits for the slow reader (EAGAIN, then the netpoller) and resumes.
func TestRawIOWriteLargerThanSocketBuffer(t *testing.T) {
	s, c := tcpPair(t)
	r := newRawIO(s)
	want := bytes.Repeat([]byte("0123456789abcdef"), 1<<19) // 8 MB
	got := make(chan []byte, 1)
	go func() {
		time.Sleep(50 * time.Millisecond) // the writer fills the buffers first
		b, _ := io.ReadAll(io.LimitReader(c, int64(len(want))))
		got <- b
	}()
	n, err := r.Write(want)
	require.NoError(t, err)
	require.Equal(t, len(want), n)
	require.True(t, bytes.Equal(want, <-got))
}

func TestRawIOWriteDeadline(t *testing.T) {
	s, _ := tcpPair(t)
	r := newRawIO(s)
	require.NoError(t, s.SetWriteDeadline(time.Now().Add(50*time.Millisecond)))
	// Nobody reads: the buffers fill and the deadline ends the write.
	n, err := r.Write(make([]byte, 64<<20))
	require.ErrorIs(t, err, os.ErrDeadlineExceeded)
	require.Greater(t, n, 0, "the bytes the socket took are counted")
	require.Less(t, n, 64<<20)
}

func TestRawIOWriteToClosedPeerFails(t *testing.T) {
	s, c := tcpPair(t)
	r := newRawIO(s)
	c.Close()
	var err error
	for i := 0; i < 100 && err == nil; i++ { // the first writes may still be accepted
		_, err = r.Write([]byte("+OK\r\n"))
		time.Sleep(time.Millisecond)
	}
	require.Error(t, err)
}
