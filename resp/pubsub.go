package resp

import (
	"sort"
	"sync"
	"time"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/resp/command"
)

// Server-local pub/sub: SUBSCRIBE, PSUBSCRIBE, UNSUBSCRIBE, PUNSUBSCRIBE
// and Server.Publish. It is the minimum Sentinel clients need (the node
// publishes +switch-master on a leader change); PUBLISH across the cluster,
// PUBSUB introspection and sharded channels belong to the pub/sub issue,
// which can extend this hub.

func init() {
	flags := command.FlagConnState | command.FlagPubSub | command.FlagNoScript | command.FlagLoading | command.FlagStale | command.FlagNoMulti
	command.Commands.Register(
		&command.Spec{Name: "subscribe", Arity: -2, Flags: flags,
			Categories: []string{"pubsub", "slow"}, Group: "pubsub", Since: "2.0.0",
			Summary: "Listens for messages published to channels.", Run: cmdSubscribe},
		&command.Spec{Name: "psubscribe", Arity: -2, Flags: flags,
			Categories: []string{"pubsub", "slow"}, Group: "pubsub", Since: "2.0.0",
			Summary: "Listens for messages published to channels that match one or more patterns.", Run: cmdPsubscribe},
		&command.Spec{Name: "unsubscribe", Arity: -1, Flags: flags,
			Categories: []string{"pubsub", "slow"}, Group: "pubsub", Since: "2.0.0",
			Summary: "Stops listening to messages posted to channels.", Run: cmdUnsubscribe},
		&command.Spec{Name: "punsubscribe", Arity: -1, Flags: flags,
			Categories: []string{"pubsub", "slow"}, Group: "pubsub", Since: "2.0.0",
			Summary: "Stops listening to messages published to channels that match one or more patterns.", Run: cmdPunsubscribe},
	)
}

// pubsubWriteTimeout bounds a message write to a subscriber; a subscriber
// that does not read is disconnected (Redis's pubsub output limit).
const pubsubWriteTimeout = 2 * time.Second

// pubsubHub is the server's subscription table. The zero value is ready.
type pubsubHub struct {
	mu       sync.Mutex
	channels map[string]map[*Conn]bool
	patterns map[string]map[*Conn]bool
	subs     map[*Conn]*connSubs
}

// connSubs is one connection's subscriptions.
type connSubs struct {
	channels map[string]bool
	patterns map[string]bool
}

func (s *connSubs) count() int { return len(s.channels) + len(s.patterns) }

// add subscribes c to name (a channel, or a pattern when pattern is set)
// and returns c's subscription count.
func (h *pubsubHub) add(c *Conn, name string, pattern bool) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs == nil {
		h.channels, h.patterns, h.subs = map[string]map[*Conn]bool{}, map[string]map[*Conn]bool{}, map[*Conn]*connSubs{}
	}
	cs := h.subs[c]
	if cs == nil {
		cs = &connSubs{channels: map[string]bool{}, patterns: map[string]bool{}}
		h.subs[c] = cs
	}
	table, mine := h.channels, cs.channels
	if pattern {
		table, mine = h.patterns, cs.patterns
	}
	if table[name] == nil {
		table[name] = map[*Conn]bool{}
	}
	table[name][c] = true
	mine[name] = true
	c.subs.Store(int32(cs.count()))
	return cs.count()
}

// remove unsubscribes c from names (all of its channels or patterns when
// names is empty) and returns, per name removed, c's count after it.
func (h *pubsubHub) remove(c *Conn, names []string, pattern bool) ([]string, []int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	cs := h.subs[c]
	if cs == nil {
		return names, make([]int, len(names))
	}
	table, mine := h.channels, cs.channels
	if pattern {
		table, mine = h.patterns, cs.patterns
	}
	if len(names) == 0 {
		for n := range mine {
			names = append(names, n)
		}
		sort.Strings(names)
	}
	counts := make([]int, len(names))
	for i, n := range names {
		if mine[n] {
			delete(mine, n)
			delete(table[n], c)
			if len(table[n]) == 0 {
				delete(table, n)
			}
		}
		counts[i] = cs.count()
	}
	c.subs.Store(int32(cs.count()))
	if cs.count() == 0 {
		delete(h.subs, c)
	}
	return names, counts
}

// drop removes every subscription of a closed (or RESET) connection.
func (h *pubsubHub) drop(c *Conn) {
	h.remove(c, nil, false)
	h.remove(c, nil, true)
}

// subscribed reports whether c has any subscription (RESP2 subscribe mode).
func (h *pubsubHub) subscribed(c *Conn) bool { return c.subs.Load() > 0 }

// Publish sends message to every local subscriber of channel (and of a
// matching pattern) and returns how many received it. It is what the node
// uses for +switch-master; it does not cross to other nodes.
func (s *Server) Publish(channel string, message []byte) int {
	type delivery struct {
		c     *Conn
		reply command.Reply
	}
	var out []delivery
	h := &s.ps
	h.mu.Lock()
	for c := range h.channels[channel] {
		out = append(out, delivery{c, command.Reply{Type: command.TypePush, Elems: []command.Reply{
			command.BulkString("message"), command.BulkString(channel), command.Bulk(message)}}})
	}
	for pat, conns := range h.patterns {
		if !engine.GlobMatch([]byte(pat), []byte(channel), false) {
			continue
		}
		for c := range conns {
			out = append(out, delivery{c, command.Reply{Type: command.TypePush, Elems: []command.Reply{
				command.BulkString("pmessage"), command.BulkString(pat), command.BulkString(channel), command.Bulk(message)}}})
		}
	}
	h.mu.Unlock()
	for _, d := range out {
		d.c.push(d.reply)
	}
	return len(out)
}

// push writes an out-of-band reply (a pub/sub message) to the client now,
// between the replies of its own commands.
func (c *Conn) push(r command.Reply) {
	buf := r.AppendRESP(nil, c.Proto())
	c.wmu.Lock()
	_ = c.nc.SetWriteDeadline(time.Now().Add(pubsubWriteTimeout))
	n, err := c.io.Write(buf)
	_ = c.nc.SetWriteDeadline(time.Time{})
	c.wmu.Unlock()
	c.srv.stats.netOutputBytes.Add(int64(n))
	if err != nil {
		c.kill()
	}
}

func subscribeReplies(kind string, names []string, counts []int) command.Reply {
	// Several confirmations are several replies: the handler returns them
	// as one multi-reply that the connection writes one after another.
	out := make([]command.Reply, len(names))
	for i, n := range names {
		out[i] = command.Reply{Type: command.TypePush, Elems: []command.Reply{
			command.BulkString(kind), command.BulkString(n), command.Int(int64(counts[i]))}}
	}
	if len(names) == 0 {
		out = append(out, command.Reply{Type: command.TypePush, Elems: []command.Reply{
			command.BulkString(kind), command.Nil(), command.Int(0)}})
	}
	return command.Reply{Type: command.TypeMulti, Elems: out}
}

func cmdSubscribe(c *command.Ctx, argv [][]byte) command.Reply { return subscribe(c, argv, false) }

func cmdPsubscribe(c *command.Ctx, argv [][]byte) command.Reply { return subscribe(c, argv, true) }

func subscribe(c *command.Ctx, argv [][]byte, pattern bool) command.Reply {
	conn := c.Conn.(*Conn)
	kind := "subscribe"
	if pattern {
		kind = "psubscribe"
	}
	names := make([]string, 0, len(argv)-1)
	counts := make([]int, 0, len(argv)-1)
	for _, a := range argv[1:] {
		names = append(names, string(a))
		counts = append(counts, conn.srv.ps.add(conn, string(a), pattern))
	}
	return subscribeReplies(kind, names, counts)
}

func cmdUnsubscribe(c *command.Ctx, argv [][]byte) command.Reply { return unsubscribe(c, argv, false) }

func cmdPunsubscribe(c *command.Ctx, argv [][]byte) command.Reply { return unsubscribe(c, argv, true) }

func unsubscribe(c *command.Ctx, argv [][]byte, pattern bool) command.Reply {
	conn := c.Conn.(*Conn)
	kind := "unsubscribe"
	if pattern {
		kind = "punsubscribe"
	}
	var names []string
	for _, a := range argv[1:] {
		names = append(names, string(a))
	}
	names, counts := conn.srv.ps.remove(conn, names, pattern)
	return subscribeReplies(kind, names, counts)
}

// subscribeModeAllowed are the commands a RESP2 connection with
// subscriptions may run (Redis 7).
func subscribeModeAllowed(name string) bool {
	switch name {
	case "subscribe", "psubscribe", "unsubscribe", "punsubscribe", "ssubscribe", "sunsubscribe", "ping", "quit", "reset":
		return true
	}
	return false
}
