package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"github.com/pikaraft/pikaraft/compat/binlog"
)

// pipelineDepth is how many commands are sent before their replies are read.
const pipelineDepth = 128

// runSend replays the items of the range to ip:port and prints the counts.
func runSend(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	ip := fs.String("i", "127.0.0.1", "target ip")
	port := fs.Int("p", 6379, "target port")
	pass := fs.String("a", "", "password")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := c.parse(); err != nil {
		return err
	}
	began := time.Now()
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(*ip, strconv.Itoa(*port)), 3*time.Second)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close()
	rd, wr := bufio.NewReader(conn), bufio.NewWriter(conn)
	if err := handshake(rd, wr, *pass); err != nil {
		return err
	}
	var ok, fail, pending int
	drain := func() error {
		if err := wr.Flush(); err != nil {
			return fmt.Errorf("send: %w", err)
		}
		for ; pending > 0; pending-- {
			r, err := readReply(rd)
			if err != nil {
				return fmt.Errorf("read reply: %w", err)
			}
			if len(r) > 0 && r[0] == '-' {
				fail++
				fmt.Fprintf(stderr, "error reply: %s\n", r)
			} else {
				ok++
			}
		}
		return nil
	}
	err = c.each(func(it binlog.Located) error {
		if _, err := wr.Write(it.Content); err != nil {
			return fmt.Errorf("send: %w", err)
		}
		if pending++; pending >= pipelineDepth {
			return drain()
		}
		return nil
	})
	if derr := drain(); err == nil {
		err = derr
	}
	fmt.Fprintf(stdout, "success: %d, fail: %d, elapsed: %s\n", ok, fail, time.Since(began).Round(time.Millisecond))
	return err
}

// handshake sends AUTH (reply must be OK) or, without a password, PING
// (reply must be PONG), like binlog_sender.
func handshake(rd *bufio.Reader, wr *bufio.Writer, pass string) error {
	cmd, want := [][]byte{[]byte("PING")}, "+PONG"
	if pass != "" {
		cmd, want = [][]byte{[]byte("AUTH"), []byte(pass)}, "+OK"
	}
	if _, err := wr.Write(binlog.EncodeRESP(cmd)); err != nil {
		return fmt.Errorf("handshake: %w", err)
	}
	if err := wr.Flush(); err != nil {
		return fmt.Errorf("handshake: %w", err)
	}
	r, err := readReply(rd)
	if err != nil {
		return fmt.Errorf("handshake: %w", err)
	}
	if r != want {
		return fmt.Errorf("handshake: %s answered %q", cmd[0], r)
	}
	return nil
}

// readReply reads one RESP reply and returns its first line (for arrays
// and bulk strings the nested data is consumed).
func readReply(rd *bufio.Reader) (string, error) {
	line, err := rd.ReadString('\n')
	if err != nil {
		return "", err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return "", fmt.Errorf("bad reply line %q", line)
	}
	line = line[:len(line)-2]
	switch line[0] {
	case '+', '-', ':':
		return line, nil
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", fmt.Errorf("bad bulk length %q", line)
		}
		if n >= 0 {
			if _, err := rd.Discard(n + 2); err != nil {
				return "", err
			}
		}
		return line, nil
	case '*':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", fmt.Errorf("bad array length %q", line)
		}
		for i := 0; i < n; i++ {
			if _, err := readReply(rd); err != nil {
				return "", err
			}
		}
		return line, nil
	}
	return "", fmt.Errorf("bad reply %q", line)
}
