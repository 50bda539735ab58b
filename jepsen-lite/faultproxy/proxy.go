// Package faultproxy is a fault-injecting TCP proxy: it sits on one network
// link (for example one node's Raft connections to a peer) and can delay,
// drop or cut the traffic of each direction on command. Tests and
// jepsen-lite use one proxy per directed link to build partitions.
package faultproxy

import (
	"fmt"
	"net"
	"sync"
	"time"
)

// Mode is what a direction of the link does with its traffic.
type Mode int

// Modes.
const (
	// Pass forwards bytes (after the configured delay).
	Pass Mode = iota
	// Drop reads and discards bytes: the peer sees silence, as in a
	// partition where packets are lost; connections stay open.
	Drop
)

// Direction names one side of the link.
type Direction int

// Directions: Forward is client→target, Backward target→client.
const (
	Forward Direction = iota
	Backward
)

// Proxy forwards connections accepted on its listener to a target address.
type Proxy struct {
	ln     net.Listener
	target string

	mu     sync.Mutex
	modes  [2]Mode
	delays [2]time.Duration
	refuse bool
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// New starts a proxy listening on listenAddr (e.g. "127.0.0.1:0") that
// forwards to target.
func New(listenAddr, target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", listenAddr)
	if err != nil {
		return nil, fmt.Errorf("faultproxy listen %s: %w", listenAddr, err)
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.acceptLoop()
	return p, nil
}

// Addr returns the address clients should dial.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Target returns the address the proxy forwards to.
func (p *Proxy) Target() string { return p.target }

// Set sets the mode and added latency of one direction.
func (p *Proxy) Set(d Direction, m Mode, delay time.Duration) {
	p.mu.Lock()
	p.modes[d], p.delays[d] = m, delay
	p.mu.Unlock()
}

// Cut closes every open connection and refuses new ones until Heal.
func (p *Proxy) Cut() {
	p.mu.Lock()
	p.refuse = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
}

// Heal restores normal forwarding in both directions and accepts again.
func (p *Proxy) Heal() {
	p.mu.Lock()
	p.refuse = false
	p.modes = [2]Mode{}
	p.delays = [2]time.Duration{}
	p.mu.Unlock()
}

// Close stops the proxy and closes every connection.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	err := p.ln.Close()
	p.wg.Wait()
	return err
}

func (p *Proxy) acceptLoop() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.refuse || p.closed {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.mu.Unlock()
		p.wg.Add(1)
		go p.serve(c)
	}
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.refuse || p.closed {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
}

func (p *Proxy) serve(client net.Conn) {
	defer p.wg.Done()
	server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		client.Close()
		return
	}
	if !p.track(client) || !p.track(server) {
		client.Close()
		server.Close()
		p.untrack(client)
		return
	}
	var pipes sync.WaitGroup
	pipes.Add(2)
	go func() { defer pipes.Done(); p.pipe(Forward, client, server) }()
	go func() { defer pipes.Done(); p.pipe(Backward, server, client) }()
	pipes.Wait()
	p.untrack(client)
	p.untrack(server)
}

// pipe copies src to dst applying the direction's mode and delay. When one
// side ends, both connections are closed.
func (p *Proxy) pipe(d Direction, src, dst net.Conn) {
	defer src.Close()
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			mode, delay := p.modes[d], p.delays[d]
			p.mu.Unlock()
			if delay > 0 {
				time.Sleep(delay)
			}
			if mode == Pass {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
		}
		if err != nil {
			return // EOF or closed: the deferred closes end the other direction too
		}
	}
}
