package resp

import (
	"fmt"
	"strings"
	"time"

	"github.com/pikaraft/pikaraft/resp/command"
)

// CLIENT ID|INFO|LIST|GETNAME|SETNAME|SETINFO|KILL|HELP.

func init() {
	command.Commands.Register(&command.Spec{
		Name: "client", Arity: -2,
		Flags:      command.FlagConnState | command.FlagAdmin | command.FlagSlow | command.FlagNoScript | command.FlagLoading | command.FlagStale,
		Categories: []string{"connection"}, Group: "connection", Since: "2.4.0",
		Summary: "A container for client connection commands.",
		Run:     cmdClient,
	})
}

var errBadClientName = command.Err("ERR Client names cannot contain spaces, newlines or special characters.")

// validClientName accepts what Redis accepts: printable ASCII without spaces.
func validClientName(b []byte) bool {
	for _, c := range b {
		if c < '!' || c > '~' {
			return false
		}
	}
	return true
}

func cmdClient(c *command.Ctx, argv [][]byte) command.Reply {
	conn := c.Conn.(*Conn)
	sub := strings.ToLower(string(argv[1]))
	wrong := func() command.Reply { return command.WrongArity("client|" + sub) }
	switch sub {
	case "id":
		if len(argv) != 2 {
			return wrong()
		}
		return command.Int(conn.id)
	case "info":
		if len(argv) != 2 {
			return wrong()
		}
		return command.BulkString(conn.infoLine(time.Now()) + "\n")
	case "list":
		return clientList(conn, argv)
	case "getname":
		if len(argv) != 2 {
			return wrong()
		}
		conn.mu.Lock()
		name := conn.name
		conn.mu.Unlock()
		if name == "" {
			return command.Nil()
		}
		return command.BulkString(name)
	case "setname":
		if len(argv) != 3 {
			return wrong()
		}
		if !validClientName(argv[2]) {
			return errBadClientName
		}
		conn.mu.Lock()
		conn.name = string(argv[2])
		conn.mu.Unlock()
		return command.OK()
	case "setinfo":
		if len(argv) != 4 {
			return wrong()
		}
		if !command.EqualFold(argv[2], "lib-name") && !command.EqualFold(argv[2], "lib-ver") {
			return command.Err("ERR Unrecognized option '" + string(argv[2]) + "'")
		}
		return command.OK()
	case "kill":
		return clientKill(conn, argv)
	case "help":
		return command.Array(
			command.Status("CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"),
			command.Status("ID"), command.Status("    Return the ID of the current connection."),
			command.Status("INFO"), command.Status("    Return information about the current client connection."),
			command.Status("LIST [TYPE normal] [ID id ...]"), command.Status("    Return information about client connections."),
			command.Status("GETNAME"), command.Status("    Return the name of the current connection."),
			command.Status("SETNAME <name>"), command.Status("    Assign the name <name> to the current connection."),
			command.Status("KILL <ip:port> | ALL | [ID <id>] [ADDR <ip:port>] [LADDR <ip:port>] [SKIPME yes|no]"),
			command.Status("    Kill connections."),
			command.Status("HELP"), command.Status("    Print this help."),
		)
	}
	return command.Err("ERR unknown subcommand '" + string(argv[1]) + "'. Try CLIENT HELP.")
}

// infoLine is the CLIENT LIST / CLIENT INFO line of c (Redis 7 fields; the
// buffer and memory fields are 0 because this server does not track them).
func (c *Conn) infoLine(now time.Time) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	flags := "N"
	if c.readonly {
		flags = "r"
	}
	if c.multiLen >= 0 {
		flags = "x"
	}
	user := c.user
	if user == "" {
		user = "default"
	}
	return fmt.Sprintf("id=%d addr=%s laddr=%s fd=%d name=%s age=%d idle=%d flags=%s db=%d sub=0 psub=0 ssub=0 multi=%d qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd=%s user=%s redir=-1 resp=%d",
		c.id, c.addr, c.laddr, c.fd, c.name, int64(now.Sub(c.born).Seconds()), int64(now.Sub(c.lastUsed).Seconds()),
		flags, c.db, c.multiLen, c.lastCmd, user, c.proto)
}

// clientList implements CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id ...].
func clientList(conn *Conn, argv [][]byte) command.Reply {
	var ids map[int64]bool
	onlyNone := false
	for i := 2; i < len(argv); i++ {
		switch {
		case command.EqualFold(argv[i], "TYPE") && i+1 < len(argv):
			t := strings.ToLower(string(argv[i+1]))
			switch t {
			case "normal":
			case "master", "replica", "slave", "pubsub":
				onlyNone = true
			default:
				return command.Err("ERR Unknown client type '" + string(argv[i+1]) + "'")
			}
			i++
		case command.EqualFold(argv[i], "ID") && i+1 < len(argv):
			ids = map[int64]bool{}
			for i++; i < len(argv); i++ {
				id, ok := command.ParseInt(argv[i])
				if !ok || id <= 0 {
					return command.Err("ERR Invalid client ID")
				}
				ids[id] = true
			}
		default:
			return command.ErrReply(command.ErrSyntax)
		}
	}
	var b strings.Builder
	if !onlyNone {
		now := time.Now()
		for _, c := range conn.srv.clients() {
			if ids != nil && !ids[c.id] {
				continue
			}
			b.WriteString(c.infoLine(now))
			b.WriteByte('\n')
		}
	}
	return command.BulkString(b.String())
}

// clientKill implements the legacy CLIENT KILL ip:port (reply OK or an
// error), Pika's CLIENT KILL ALL, and the filter form CLIENT KILL [ID id]
// [ADDR ip:port] [LADDR ip:port] [USER name] [SKIPME yes|no] (reply: how
// many were killed). A client that kills itself gets the reply first.
func clientKill(conn *Conn, argv [][]byte) command.Reply {
	if len(argv) == 3 {
		if command.EqualFold(argv[2], "all") {
			for _, c := range conn.srv.clients() {
				if c != conn {
					c.kill()
				}
			}
			conn.closeAfterReply = true
			return command.OK()
		}
		addr := string(argv[2])
		for _, c := range conn.srv.clients() {
			if c.addr == addr {
				conn.killClient(c)
				return command.OK()
			}
		}
		return command.Err("ERR No such client")
	}
	if len(argv) < 3 || len(argv)%2 != 0 {
		return command.ErrReply(command.ErrSyntax)
	}
	var id int64
	var addr, laddr, user string
	skipMe := true
	for i := 2; i < len(argv); i += 2 {
		val := argv[i+1]
		switch strings.ToLower(string(argv[i])) {
		case "id":
			n, ok := command.ParseInt(val)
			if !ok || n <= 0 {
				return command.Err("ERR client-id should be greater than 0")
			}
			id = n
		case "addr":
			addr = string(val)
		case "laddr":
			laddr = string(val)
		case "user":
			user = string(val)
		case "type":
			t := strings.ToLower(string(val))
			if t != "normal" && t != "master" && t != "replica" && t != "slave" && t != "pubsub" {
				return command.Err("ERR Unknown client type '" + string(val) + "'")
			}
			if t != "normal" {
				return command.Int(0)
			}
		case "skipme":
			switch {
			case command.EqualFold(val, "yes"):
				skipMe = true
			case command.EqualFold(val, "no"):
				skipMe = false
			default:
				return command.ErrReply(command.ErrSyntax)
			}
		default:
			return command.ErrReply(command.ErrSyntax)
		}
	}
	n := 0
	for _, c := range conn.srv.clients() {
		if id != 0 && c.id != id || addr != "" && c.addr != addr || laddr != "" && c.laddr != laddr {
			continue
		}
		if user != "" && user != c.userName() {
			continue
		}
		if c == conn && skipMe {
			continue
		}
		conn.killClient(c)
		n++
	}
	return command.Int(int64(n))
}

// killClient closes c; when c is the caller it is closed after the reply.
func (c *Conn) killClient(victim *Conn) {
	if victim == c {
		c.closeAfterReply = true
		return
	}
	victim.kill()
}

func (c *Conn) userName() string {
	if u := c.User(); u != "" {
		return u
	}
	return "default"
}
