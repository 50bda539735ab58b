package resp

import (
	"github.com/pikaraft/pikaraft/resp/command"
)

// Connection commands: PING, ECHO, SELECT, QUIT, RESET, AUTH, HELLO,
// READONLY, READWRITE. None touches the data; none is proposed to Raft.

const connFlags = command.FlagConnState | command.FlagFast

func init() {
	command.Commands.Register(
		&command.Spec{Name: "ping", Arity: -1, Flags: connFlags,
			Categories: []string{"connection"}, Group: "connection", Since: "1.0.0",
			Summary: "Returns the server's liveliness response.", Run: cmdPing},
		&command.Spec{Name: "echo", Arity: 2, Flags: connFlags,
			Categories: []string{"connection"}, Group: "connection", Since: "1.0.0",
			Summary: "Returns the given string.", Run: cmdEcho},
		&command.Spec{Name: "select", Arity: 2, Flags: connFlags | command.FlagLoading | command.FlagStale | command.FlagNoMulti,
			Categories: []string{"connection"}, Group: "connection", Since: "1.0.0",
			Summary: "Changes the selected database.", Run: cmdSelect},
		&command.Spec{Name: "quit", Arity: -1, Flags: connFlags | command.FlagNoAuth | command.FlagLoading | command.FlagStale,
			Categories: []string{"connection"}, Group: "connection", Since: "1.0.0",
			Summary: "Closes the connection.", Run: cmdQuit},
		&command.Spec{Name: "reset", Arity: 1, Flags: connFlags | command.FlagNoAuth | command.FlagLoading | command.FlagStale | command.FlagNoScript,
			Categories: []string{"connection"}, Group: "connection", Since: "6.2.0",
			Summary: "Resets the connection.", Run: cmdReset},
		&command.Spec{Name: "auth", Arity: -2, Flags: connFlags | command.FlagNoAuth | command.FlagLoading | command.FlagStale | command.FlagNoScript,
			Categories: []string{"connection"}, Group: "connection", Since: "1.0.0",
			Summary: "Authenticates the connection.", Run: cmdAuth},
		&command.Spec{Name: "hello", Arity: -1, Flags: connFlags | command.FlagNoAuth | command.FlagLoading | command.FlagStale | command.FlagNoScript,
			Categories: []string{"connection"}, Group: "connection", Since: "6.0.0",
			Summary: "Handshakes with the server.", Run: cmdHello},
		&command.Spec{Name: "readonly", Arity: 1, Flags: connFlags | command.FlagLoading | command.FlagStale,
			Categories: []string{"connection"}, Group: "cluster", Since: "3.0.0",
			Summary: "Enables stale reads from this node for the connection.", Run: cmdReadonly},
		&command.Spec{Name: "readwrite", Arity: 1, Flags: connFlags | command.FlagLoading | command.FlagStale,
			Categories: []string{"connection"}, Group: "cluster", Since: "3.0.0",
			Summary: "Returns the connection to linearizable reads.", Run: cmdReadwrite},
	)
}

func cmdPing(c *command.Ctx, argv [][]byte) command.Reply {
	if conn := c.Conn.(*Conn); conn.Proto() == 2 && conn.srv.ps.subscribed(conn) {
		// RESP2 subscribe mode: PING answers in the message format.
		msg := []byte{}
		if len(argv) > 1 {
			msg = argv[1]
		}
		return command.Array(command.BulkString("pong"), command.Bulk(msg))
	}
	switch len(argv) {
	case 1:
		return command.Status("PONG")
	case 2:
		return command.Bulk(argv[1])
	}
	return command.WrongArity("ping")
}

func cmdEcho(_ *command.Ctx, argv [][]byte) command.Reply { return command.Bulk(argv[1]) }

func cmdSelect(c *command.Ctx, argv [][]byte) command.Reply {
	conn := c.Conn.(*Conn)
	n, ok := command.ParseInt(argv[1])
	if !ok {
		return command.ErrReply(command.ErrNotInteger)
	}
	if n < 0 || n >= int64(conn.srv.numDBs()) {
		return command.Err("ERR DB index is out of range")
	}
	conn.mu.Lock()
	conn.db = int(n)
	conn.mu.Unlock()
	return command.OK()
}

func cmdQuit(c *command.Ctx, _ [][]byte) command.Reply {
	c.Conn.(*Conn).closeAfterReply = true
	return command.OK()
}

func cmdReset(c *command.Ctx, _ [][]byte) command.Reply {
	conn := c.Conn.(*Conn)
	conn.setMulti(nil)
	conn.watches = nil
	conn.srv.ps.drop(conn)
	conn.srv.monitor.drop(conn)
	conn.mu.Lock()
	conn.db, conn.proto, conn.name, conn.readonly = 0, 2, "", false
	conn.user = ""
	conn.mu.Unlock()
	if conn.srv.defaultNoPass() {
		conn.setUser("default")
	}
	return command.Status("RESET")
}

// Errors of AUTH and HELLO (Redis 7 wording).
var (
	errWrongPass = command.Err("WRONGPASS invalid username-password pair or user is disabled.")
	errNoPassSet = command.Err("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
)

// cmdAuth implements AUTH [username] password against the ACL users
// (acl_view.go): the one-argument form tries "default" (requirepass), then
// Pika's "limit" user (userpass).
func cmdAuth(c *command.Ctx, argv [][]byte) command.Reply {
	conn := c.Conn.(*Conn)
	if len(argv) > 3 {
		return command.ErrReply(command.ErrSyntax)
	}
	user, pass := "", string(argv[1])
	if len(argv) == 3 {
		user, pass = string(argv[1]), string(argv[2])
	}
	if user == "" && conn.srv.defaultNoPass() {
		return errNoPassSet
	}
	name, ok := conn.authenticate(user, pass)
	if !ok {
		return errWrongPass
	}
	conn.setUser(name)
	return command.OK()
}

// authenticate checks a password and records a failure in ACL LOG.
func (c *Conn) authenticate(user, pass string) (string, bool) {
	name, ok := c.srv.authenticate(c.ctx, user, pass)
	if !ok {
		logged := user
		if logged == "" {
			logged = "default"
		}
		c.logDenial("auth", "AUTH", logged)
	}
	return name, ok
}

// cmdHello implements HELLO [protover [AUTH username password] [SETNAME name]].
func cmdHello(c *command.Ctx, argv [][]byte) command.Reply {
	conn := c.Conn.(*Conn)
	proto := conn.Proto()
	if len(argv) >= 2 {
		v, ok := command.ParseInt(argv[1])
		if !ok {
			return command.Err("ERR Protocol version is not an integer or out of range")
		}
		if v < 2 || v > 3 {
			return command.Err("NOPROTO unsupported protocol version")
		}
		proto = int(v)
	}
	var setName []byte
	user, authed := "", false
	for i := 2; i < len(argv); i++ {
		more := len(argv) - i - 1
		switch {
		case command.EqualFold(argv[i], "AUTH") && more >= 2:
			name, ok := conn.authenticate(string(argv[i+1]), string(argv[i+2]))
			if !ok {
				return errWrongPass
			}
			user, authed = name, true
			i += 2
		case command.EqualFold(argv[i], "SETNAME") && more >= 1:
			setName = argv[i+1]
			if !validClientName(setName) {
				return errBadClientName
			}
			i++
		default:
			return command.Err("ERR Syntax error in HELLO option '" + string(argv[i]) + "'")
		}
	}
	if !authed && conn.User() == "" {
		return command.Err("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
	}
	conn.mu.Lock()
	if authed {
		conn.user = user
	}
	if setName != nil {
		conn.name = string(setName)
	}
	conn.proto = proto
	conn.mu.Unlock()
	return command.Map(
		command.BulkString("server"), command.BulkString("redis"),
		command.BulkString("version"), command.BulkString(RedisVersion),
		command.BulkString("proto"), command.Int(int64(proto)),
		command.BulkString("id"), command.Int(conn.id),
		command.BulkString("mode"), command.BulkString("standalone"),
		command.BulkString("role"), command.BulkString("master"),
		command.BulkString("modules"), command.Array(),
		command.BulkString("pika_version"), command.BulkString(PikaVersion),
	)
}

func cmdReadonly(c *command.Ctx, _ [][]byte) command.Reply {
	conn := c.Conn.(*Conn)
	conn.mu.Lock()
	conn.readonly = true
	conn.mu.Unlock()
	return command.OK()
}

func cmdReadwrite(c *command.Ctx, _ [][]byte) command.Reply {
	conn := c.Conn.(*Conn)
	conn.mu.Lock()
	conn.readonly = false
	conn.mu.Unlock()
	return command.OK()
}
