// Package nodetest starts real pikaraft server processes for integration
// tests: it builds bin/pikaraft once per test binary, runs servers on
// 127.0.0.1 with free ports and temporary data directories, hands out
// go-redis clients, and kills everything when the test ends.
package nodetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/pikaraft/pikaraft/node/nodetest/ports"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// Binary builds cmd/pikaraft (once per test binary) and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	bin, err := build()
	if err != nil {
		t.Fatalf("nodetest: %v", err)
	}
	return bin
}

// build builds cmd/pikaraft once per test binary.
func build() (string, error) {
	buildOnce.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			buildErr = err
			return
		}
		// One file under bin/, replaced atomically by each test binary that
		// builds it (a process still running the old one keeps its inode),
		// so test runs leave nothing behind in the temp directory.
		binPath = filepath.Join(root, "bin", "pikaraft-test")
		if err := os.MkdirAll(filepath.Dir(binPath), 0o755); err != nil {
			buildErr = fmt.Errorf("nodetest: %w", err)
			return
		}
		tmp := fmt.Sprintf("%s.%d", binPath, os.Getpid())
		cmd := exec.Command("go", "build", "-o", tmp, "./cmd/pikaraft")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			os.Remove(tmp)
			buildErr = fmt.Errorf("go build ./cmd/pikaraft: %v\n%s", err, out)
			return
		}
		if err := os.Rename(tmp, binPath); err != nil {
			buildErr = fmt.Errorf("nodetest: install test binary: %w", err)
		}
	})
	return binPath, buildErr
}

// moduleRoot finds the directory holding go.mod above the working directory.
func moduleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s", wd)
		}
	}
}

// Options configure a server.
type Options struct {
	// Config is the content of a pika.conf passed with -c (optional).
	Config string
	// Args are extra command-line flags.
	Args []string
	// Port is the client port to use (0: a free one is picked; Raft is on
	// Port+3000).
	Port int
}

// Server is one running (or stopped) pikaraft process.
type Server struct {
	t       testing.TB
	bin     string
	opts    Options
	Port    int
	DataDir string
	LogPath string

	mu   sync.Mutex
	cmd  *exec.Cmd
	exit chan struct{}
}

// Start starts a server with a fresh data directory and waits until it
// answers PING. It is killed when the test ends; its log is printed if the
// test failed.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{t: t, bin: Binary(t), opts: opts, DataDir: t.TempDir()}
	s.LogPath = filepath.Join(s.DataDir, "server.log")
	t.Cleanup(func() {
		s.Kill()
		if t.Failed() {
			if out, err := os.ReadFile(s.LogPath); err == nil {
				t.Logf("server log (%s):\n%s", s.LogPath, tail(out, 200))
			}
		}
	})
	if opts.Port != 0 {
		s.Port = opts.Port
		if err := s.start(); err != nil {
			t.Fatalf("nodetest: start server on port %d: %v", opts.Port, err)
		}
		return s
	}
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		s.Port = freePortPair(t)
		if err = s.start(); err == nil {
			return s
		}
	}
	t.Fatalf("nodetest: start server: %v", err)
	return nil
}

// FreePort returns a client port P whose companion ports are free now.
func FreePort(t testing.TB) int { return freePortPair(t) }

// StartShared starts a server that is not tied to one test, for a
// package's TestMain: several tests share it. It has a fresh data
// directory and answers PING when StartShared returns. Restart and Stop
// are for servers from Start; stop a shared server with Close.
func StartShared(opts Options) (*Server, error) {
	bin, err := build()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pikaraft-shared-")
	if err != nil {
		return nil, fmt.Errorf("nodetest: data dir: %w", err)
	}
	s := &Server{bin: bin, opts: opts, DataDir: dir, LogPath: filepath.Join(dir, "server.log")}
	for attempt := 0; attempt < 5; attempt++ {
		if s.Port, err = pickPortPair(); err != nil {
			break
		}
		if err = s.start(); err == nil {
			return s, nil
		}
	}
	os.RemoveAll(dir)
	return nil, fmt.Errorf("nodetest: start shared server: %w", err)
}

// Close kills a server and removes its data directory.
func (s *Server) Close() {
	s.Kill()
	os.RemoveAll(s.DataDir)
}

// freePortPair returns a client port whose whole port set is free now.
func freePortPair(t testing.TB) int {
	p, err := pickPortPair()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// pickPortPair returns a client port P whose whole port set (see
// ports.Offsets) is free now.
func pickPortPair() (int, error) {
	p, err := ports.Pick(1)
	if err != nil {
		return 0, fmt.Errorf("nodetest: %w", err)
	}
	return p[0], nil
}

// GossipAddr returns the server's gossip address (port P+4000).
func (s *Server) GossipAddr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port+4000))
}

// SetArgs replaces the extra command-line flags used by the next Restart
// (a restarted cluster member needs no --join or --bootstrap-expect).
func (s *Server) SetArgs(args ...string) { s.opts.Args = args }

// Restart starts the server again on the same port and data directory.
func (s *Server) Restart() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Fatalf("nodetest: restart: %v", err)
	}
}

func (s *Server) start() error {
	args := []string{"--port", strconv.Itoa(s.Port), "--data-dir", filepath.Join(s.DataDir, "data"), "--log-level", "debug"}
	if s.opts.Config != "" {
		conf := filepath.Join(s.DataDir, "pika.conf")
		if _, err := os.Stat(conf); errors.Is(err, os.ErrNotExist) {
			if err := os.WriteFile(conf, []byte(s.opts.Config), 0o644); err != nil {
				return err
			}
		}
		args = append(args, "-c", conf)
	}
	args = append(args, s.opts.Args...)
	logf, err := os.OpenFile(s.LogPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "=== start %v\n", args)
	cmd := exec.Command(s.bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return err
	}
	exit := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exit) }()
	s.mu.Lock()
	s.cmd, s.exit = cmd, exit
	s.mu.Unlock()
	return s.waitReady(exit)
}

// waitReady polls PING until the server answers or exits.
func (s *Server) waitReady(exit chan struct{}) error {
	c := s.Client()
	defer c.Close()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exit:
			out, _ := os.ReadFile(s.LogPath)
			return fmt.Errorf("server exited during start-up:\n%s", tail(out, 30))
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		// NOAUTH: the server answers, it only wants a password (requirepass).
		if err == nil || strings.HasPrefix(err.Error(), "NOAUTH") {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.Kill()
	return errors.New("server did not answer PING within 30s")
}

// Addr returns the client address.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)) }

// Client returns a new go-redis client for the server with retries off
// (a retried write could be applied twice; tests count outcomes
// themselves). The caller closes it.
func (s *Server) Client() *redis.Client {
	return redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, Protocol: 2,
		DialTimeout: 2 * time.Second, ReadTimeout: 15 * time.Second, WriteTimeout: 5 * time.Second})
}

// Kill sends SIGKILL and waits for the process to die (no-op if stopped).
func (s *Server) Kill() { s.signal(syscall.SIGKILL, 10*time.Second) }

// Pause freezes the process (SIGSTOP) until Resume.
func (s *Server) Pause() { s.signal(syscall.SIGSTOP, 0) }

// Resume lets a paused process run again (SIGCONT).
func (s *Server) Resume() { s.signal(syscall.SIGCONT, 0) }

// Stop sends SIGTERM and waits up to 30s for a clean exit, then kills.
func (s *Server) Stop() {
	s.t.Helper()
	if !s.signal(syscall.SIGTERM, 30*time.Second) {
		s.t.Errorf("nodetest: server did not stop within 30s after SIGTERM")
		s.Kill()
	}
}

// Running reports whether the process is running.
func (s *Server) Running() bool {
	s.mu.Lock()
	cmd, exit := s.cmd, s.exit
	s.mu.Unlock()
	if cmd == nil {
		return false
	}
	select {
	case <-exit:
		return false
	default:
		return true
	}
}

// ExitCode returns the exit code of the last process (-1 if killed or running).
func (s *Server) ExitCode() int {
	s.mu.Lock()
	cmd, exit := s.cmd, s.exit
	s.mu.Unlock()
	if cmd == nil {
		return -1
	}
	select {
	case <-exit:
		return cmd.ProcessState.ExitCode()
	default:
		return -1
	}
}

func (s *Server) signal(sig syscall.Signal, wait time.Duration) bool {
	s.mu.Lock()
	cmd, exit := s.cmd, s.exit
	s.mu.Unlock()
	if cmd == nil {
		return true
	}
	select {
	case <-exit:
		return true
	default:
	}
	_ = cmd.Process.Signal(sig)
	select {
	case <-exit:
		return true
	case <-time.After(wait):
		return false
	}
}

// Log returns the server's log so far.
func (s *Server) Log() string {
	out, _ := os.ReadFile(s.LogPath)
	return string(out)
}

// LogTail returns the last lines of the server's log.
func (s *Server) LogTail(lines int) string {
	out, _ := os.ReadFile(s.LogPath)
	return string(tail(out, lines))
}

func tail(b []byte, lines int) []byte {
	n := 0
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == '\n' {
			n++
			if n > lines {
				return b[i+1:]
			}
		}
	}
	return bytes.Clone(b)
}
