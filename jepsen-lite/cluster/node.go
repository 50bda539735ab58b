// Package cluster runs a pikaraft cluster of real processes on 127.0.0.1
// for jepsen-lite: each node has its own ports and data directory, and
// every directed Raft link goes through its own faultproxy (the node dials
// its peers through the proxies named in its raft-dial-map), so partitions
// can be built link by link.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

// Node is one pikaraft process (running, paused or stopped).
type Node struct {
	// Index is the node's position in the cluster (0-based).
	Index int
	// ID is the node's Raft ID (n1, n2, ...).
	ID string
	// Port is the client port; Raft listens on Port+3000.
	Port int
	// Dir holds pika.conf, server.log and data/.
	Dir string

	bin  string
	conf func(offsetMs int64) string // renders pika.conf for the next start

	mu     sync.Mutex
	cmd    *exec.Cmd
	exit   chan struct{}
	paused bool
	starts int
	offset int64 // clock offset in ms for the next start
}

// Addr is the client address.
func (n *Node) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(n.Port)) }

// RaftAddr is the address the node's Raft transport listens on.
func (n *Node) RaftAddr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(n.Port+3000)) }

// GossipAddr is the node's memberlist address.
func (n *Node) GossipAddr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(n.Port+4000)) }

// LogPath is the node's log file (every start appends to it).
func (n *Node) LogPath() string { return filepath.Join(n.Dir, "server.log") }

// Client returns a go-redis client for the node with retries off (a
// retried write could apply twice; jepsen-lite records outcomes itself)
// and one connection.
func (n *Node) Client(timeout time.Duration) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: n.Addr(), MaxRetries: -1, Protocol: 2, PoolSize: 1,
		DialTimeout: time.Second, ReadTimeout: timeout, WriteTimeout: timeout, ContextTimeoutEnabled: true})
}

// Start starts the process (a no-op when it runs) and waits until it
// answers PING.
func (n *Node) Start(ctx context.Context) error {
	n.mu.Lock()
	if n.running() {
		n.mu.Unlock()
		return nil
	}
	conf := filepath.Join(n.Dir, "pika.conf")
	if err := os.WriteFile(conf, []byte(n.conf(n.offset)), 0o644); err != nil {
		n.mu.Unlock()
		return fmt.Errorf("node %s: write pika.conf: %w", n.ID, err)
	}
	logf, err := os.OpenFile(n.LogPath(), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		n.mu.Unlock()
		return fmt.Errorf("node %s: open log: %w", n.ID, err)
	}
	args := []string{"-c", conf, "--port", strconv.Itoa(n.Port), "--data-dir", filepath.Join(n.Dir, "data"),
		"--node-id", n.ID, "--log-level", "debug"}
	fmt.Fprintf(logf, "=== jepsen-lite start %d: %s %v\n", n.starts+1, n.bin, args)
	cmd := exec.Command(n.bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	err = cmd.Start()
	logf.Close()
	if err != nil {
		n.mu.Unlock()
		return fmt.Errorf("node %s: start: %w", n.ID, err)
	}
	exit := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exit) }()
	n.cmd, n.exit, n.paused = cmd, exit, false
	n.starts++
	n.mu.Unlock()
	return n.waitPing(ctx, exit)
}

func (n *Node) waitPing(ctx context.Context, exit chan struct{}) error {
	c := n.Client(time.Second)
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		select {
		case <-exit:
			return fmt.Errorf("node %s exited during start-up (see %s)", n.ID, n.LogPath())
		case <-ctx.Done():
			return fmt.Errorf("node %s did not answer PING: %w", n.ID, ctx.Err())
		default:
		}
		if err := c.Ping(ctx).Err(); err == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// running reports whether the process is alive; n.mu is held.
func (n *Node) running() bool {
	if n.cmd == nil {
		return false
	}
	select {
	case <-n.exit:
		return false
	default:
		return true
	}
}

// Running reports whether the process is alive (paused counts).
func (n *Node) Running() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.running()
}

// Paused reports whether the process is stopped with SIGSTOP.
func (n *Node) Paused() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.running() && n.paused
}

// Kill sends SIGKILL and waits for the process to exit.
func (n *Node) Kill() error {
	n.mu.Lock()
	cmd, exit, alive := n.cmd, n.exit, n.running()
	n.mu.Unlock()
	if !alive {
		return nil
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("node %s: kill: %w", n.ID, err)
	}
	select {
	case <-exit:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("node %s did not die after SIGKILL", n.ID)
	}
}

// Pause sends SIGSTOP.
func (n *Node) Pause() error { return n.stopCont(syscall.SIGSTOP, true) }

// Resume sends SIGCONT.
func (n *Node) Resume() error { return n.stopCont(syscall.SIGCONT, false) }

func (n *Node) stopCont(sig syscall.Signal, paused bool) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if !n.running() {
		return nil
	}
	if err := n.cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("node %s: %s: %w", n.ID, sig, err)
	}
	n.paused = paused
	return nil
}

// SetClockOffset sets the clock offset (ms) the node gets at its next start.
func (n *Node) SetClockOffset(ms int64) {
	n.mu.Lock()
	n.offset = ms
	n.mu.Unlock()
}

// ClockOffset returns the clock offset of the next start.
func (n *Node) ClockOffset() int64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.offset
}
