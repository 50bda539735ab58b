package faultproxy

import (
	"bufio"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// echoServer answers every line with the same line.
func echoServer(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					c.Write([]byte(line))
				}
			}()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(c net.Conn, r *bufio.Reader, msg string, timeout time.Duration) (string, error) {
	c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write([]byte(msg + "\n")); err != nil {
		return "", err
	}
	line, err := r.ReadString('\n')
	return line, err
}

func TestProxyPassDropCutHeal(t *testing.T) {
	p, err := New("127.0.0.1:0", echoServer(t))
	require.NoError(t, err)
	defer p.Close()

	c, err := net.Dial("tcp", p.Addr())
	require.NoError(t, err)
	r := bufio.NewReader(c)
	got, err := roundTrip(c, r, "hello", time.Second)
	require.NoError(t, err)
	require.Equal(t, "hello\n", got)

	// Dropping the backward direction: requests arrive, answers are lost.
	p.Set(Backward, Drop, 0)
	_, err = roundTrip(c, r, "lost", 200*time.Millisecond)
	require.Error(t, err)
	p.Set(Backward, Pass, 0)

	// Delay applies per direction.
	p.Set(Forward, Pass, 150*time.Millisecond)
	start := time.Now()
	got, err = roundTrip(c, r, "slow", 2*time.Second)
	require.NoError(t, err)
	require.Equal(t, "slow\n", got)
	require.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)

	// Cut closes the connection and refuses new ones.
	p.Cut()
	_, err = roundTrip(c, r, "x", time.Second)
	require.Error(t, err)
	c2, err := net.Dial("tcp", p.Addr())
	if err == nil {
		_, err = roundTrip(c2, bufio.NewReader(c2), "x", 300*time.Millisecond)
		require.Error(t, err)
		c2.Close()
	}

	p.Heal()
	c3, err := net.Dial("tcp", p.Addr())
	require.NoError(t, err)
	defer c3.Close()
	got, err = roundTrip(c3, bufio.NewReader(c3), "back", time.Second)
	require.NoError(t, err)
	require.Equal(t, "back\n", got)
}
