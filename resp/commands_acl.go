package resp

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pikaraft/pikaraft/resp/acl"
	"github.com/pikaraft/pikaraft/resp/command"
)

// ACL: Redis 7's ACL command. SETUSER, DELUSER and LOAD change the users
// of the whole cluster: the node proposes them as a Raft entry and the FSM
// applies them (commands_acl_apply.go); every other subcommand answers
// from this node.

// defaultACLLogMaxLen is Redis's acllog-max-len default.
const defaultACLLogMaxLen = 128

func init() {
	command.Commands.Register(&command.Spec{
		Name: "acl", Arity: -2,
		Flags:      command.FlagConnState | command.FlagAdmin | command.FlagNoScript | command.FlagLoading | command.FlagStale,
		Categories: []string{"admin", "dangerous", "slow"}, Group: "server", Since: "6.0.0",
		Summary: "A container for Access List Control commands.", Run: cmdACL,
	})
}

var aclHelp = []string{
	"ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"CAT [<category>]",
	"    List all commands that belong to <category>, or all command categories",
	"    when no category is specified.",
	"DELUSER <username> [<username> ...]",
	"    Delete a list of users (on every node of the cluster).",
	"DRYRUN <username> <command> [<arg> ...]",
	"    Returns whether the user can execute the given command without executing the command.",
	"GETUSER <username>",
	"    Get the user's details.",
	"GENPASS [<bits>]",
	"    Generate a secure 256-bit user password. The optional `bits` argument can",
	"    be used to specify a different size.",
	"LIST",
	"    Show users details in config file format.",
	"LOAD",
	"    Reload users from the ACL file (on every node of the cluster).",
	"LOG [<count> | RESET]",
	"    Show the ACL log entries.",
	"SAVE",
	"    Save the current config to the ACL file of this node.",
	"SETUSER <username> <attribute> [<attribute> ...]",
	"    Create or modify a user with the specified attributes (on every node).",
	"USERS",
	"    List all the registered usernames.",
	"WHOAMI",
	"    Return the current connection username.",
	"HELP",
	"    Print this help.",
}

func cmdACL(c *command.Ctx, argv [][]byte) command.Reply {
	if c.Conn == nil {
		return applyACL(c, argv)
	}
	conn := c.Conn.(*Conn)
	sub := strings.ToLower(string(argv[1]))
	n := len(argv)
	switch {
	case sub == "help" && n == 2:
		out := make([]command.Reply, len(aclHelp))
		for i, l := range aclHelp {
			out[i] = command.Status(l)
		}
		return command.Array(out...)
	case sub == "whoami" && n == 2:
		return command.BulkString(conn.userName())
	case sub == "users" && n == 2:
		var out []command.Reply
		for _, name := range conn.srv.aclUsers().Names() {
			out = append(out, command.BulkString(name))
		}
		return command.Array(out...)
	case sub == "list" && n == 2:
		var out []command.Reply
		for _, u := range conn.srv.aclUsers().List() {
			out = append(out, command.BulkString(acl.Line(u)))
		}
		return command.Array(out...)
	case sub == "getuser" && n == 3:
		return aclGetUser(conn.srv.aclUsers().Get(string(argv[2])))
	case sub == "cat" && (n == 2 || n == 3):
		return aclCat(argv[2:])
	case sub == "genpass" && (n == 2 || n == 3):
		return aclGenpass(argv[2:])
	case sub == "log" && (n == 2 || n == 3):
		return aclLog(conn, argv[2:])
	case sub == "dryrun" && n >= 4:
		return aclDryrun(conn, argv[2:])
	case sub == "setuser" && n >= 3:
		return aclSetUser(conn, argv)
	case sub == "deluser" && n >= 3:
		for _, a := range argv[2:] {
			if string(a) == "default" {
				return command.Err("ERR The 'default' user cannot be removed")
			}
		}
		return aclPropose(conn, argv)
	case sub == "load" && n == 2:
		return aclLoad(conn)
	case sub == "save" && n == 2:
		return aclSave(conn)
	}
	switch sub {
	case "help", "whoami", "users", "list", "getuser", "cat", "genpass", "log", "dryrun", "setuser", "deluser", "load", "save":
		return command.WrongArity("acl|" + sub)
	}
	return command.Err("ERR unknown subcommand '" + string(argv[1]) + "'. Try ACL HELP.")
}

// aclPropose sends an ACL change through Raft and, once it is committed,
// waits (briefly) until this node applied it too, so the caller's next
// command here sees it.
func aclPropose(conn *Conn, argv [][]byte) command.Reply {
	replies, err := conn.srv.cluster.Write(conn.ctx, conn.DB(), [][][]byte{argv})
	if err != nil {
		return command.ErrReply(err)
	}
	if len(replies) != 1 {
		return command.Err(fmt.Sprintf("ERR internal error: %d replies for 1 command", len(replies)))
	}
	if !replies[0].IsError() {
		if _, err := conn.srv.cluster.ReadTime(conn.ctx, false); err != nil {
			conn.srv.cfg.Logger.Debug("acl: change committed, local apply not confirmed", "err", err)
		}
	}
	return replies[0]
}

// aclSetUser validates the rules here (so errors come back without a log
// entry), replaces clear-text passwords with their hashes (the Raft log and
// snapshots never hold a password), and proposes the change.
func aclSetUser(conn *Conn, argv [][]byte) command.Reply {
	name := string(argv[2])
	if strings.ContainsAny(name, " \x00") || name == "" {
		return command.Err("ERR Usernames can't contain spaces or null characters")
	}
	rules := make([]string, 0, len(argv)-3)
	for _, a := range argv[3:] {
		r := string(a)
		switch {
		case strings.HasPrefix(r, ">"):
			r = "#" + acl.HashPassword(r[1:])
		case strings.HasPrefix(r, "<"):
			r = "!" + acl.HashPassword(r[1:])
		}
		rules = append(rules, r)
	}
	var base []string
	if conn.srv.replicatedUser(name) == nil {
		base = conn.srv.builtinBase(name)
	}
	check := acl.NewUser(name)
	if cur := conn.srv.aclUsers().Get(name); cur != nil {
		check = cur.Clone()
	}
	if err := check.SetRules(rules); err != nil {
		var re *acl.RuleError
		if errors.As(err, &re) {
			// Report the rule as the client wrote it, not its hash.
			for i, r := range rules {
				if r == re.Rule {
					re.Rule = string(argv[3+i])
				}
			}
		}
		return command.Err("ERR " + err.Error())
	}
	prop := [][]byte{argv[0], argv[1], argv[2]}
	if base != nil {
		prop = append(prop, []byte(aclBaseMarker))
		prop = append(prop, []byte(strings.Join(base, " ")))
	}
	for _, r := range rules {
		prop = append(prop, []byte(r))
	}
	return aclPropose(conn, prop)
}

// replicatedUser returns the replicated record of name, or nil.
func (s *Server) replicatedUser(name string) *acl.User {
	if eng := s.cluster.Engine(); eng != nil {
		if u, err := acl.Replicated(eng); err == nil {
			return u.Get(name)
		}
	}
	return nil
}

func aclGetUser(u *acl.User) command.Reply {
	if u == nil {
		return command.Nil()
	}
	flags := make([]command.Reply, 0, 3)
	for _, f := range u.Flags() {
		flags = append(flags, command.BulkString(f))
	}
	pass := make([]command.Reply, 0, len(u.Passwords))
	for _, p := range u.Passwords {
		pass = append(pass, command.BulkString(p))
	}
	return command.Map(
		command.BulkString("flags"), command.Array(flags...),
		command.BulkString("passwords"), command.Array(pass...),
		command.BulkString("commands"), command.BulkString(u.CommandsString()),
		command.BulkString("keys"), command.BulkString(u.KeysString()),
		command.BulkString("channels"), command.BulkString(u.ChannelsString()),
		command.BulkString("selectors"), command.Array(),
	)
}

func aclCat(args [][]byte) command.Reply {
	if len(args) == 0 {
		var out []command.Reply
		for _, c := range acl.Categories() {
			out = append(out, command.BulkString(c))
		}
		return command.Array(out...)
	}
	cat := strings.ToLower(string(args[0]))
	known := false
	for _, c := range acl.Categories() {
		known = known || c == cat
	}
	if !known {
		return command.Err("ERR Unknown category '" + string(args[0]) + "'")
	}
	var out []command.Reply
	for _, s := range command.Commands.All() {
		for _, c := range s.ACLCategories() {
			if c == cat {
				out = append(out, command.BulkString(s.Name))
				break
			}
		}
	}
	return command.Array(out...)
}

func aclGenpass(args [][]byte) command.Reply {
	bits := int64(256)
	if len(args) == 1 {
		n, ok := command.ParseInt(args[0])
		if !ok || n <= 0 || n > 4096 {
			return command.Err("ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096")
		}
		bits = n
	}
	buf := make([]byte, (bits+7)/8)
	if _, err := rand.Read(buf); err != nil {
		return command.ErrReply(fmt.Errorf("acl genpass: %w", err))
	}
	return command.BulkString(hex.EncodeToString(buf)[:(bits+3)/4])
}

func aclLog(conn *Conn, args [][]byte) command.Reply {
	count := 10
	if len(args) == 1 {
		if command.EqualFold(args[0], "RESET") {
			conn.srv.aclLog.Reset()
			return command.OK()
		}
		n, ok := command.ParseInt(args[0])
		if !ok || n < 0 {
			return command.ErrReply(command.ErrNotInteger)
		}
		count = int(min(n, 1<<20))
	}
	now := time.Now()
	var out []command.Reply
	for _, e := range conn.srv.aclLog.Entries(count) {
		out = append(out, command.Map(
			command.BulkString("count"), command.Int(e.Count),
			command.BulkString("reason"), command.BulkString(e.Reason),
			command.BulkString("context"), command.BulkString(e.Context),
			command.BulkString("object"), command.BulkString(e.Object),
			command.BulkString("username"), command.BulkString(e.Username),
			command.BulkString("age-seconds"), command.Double(float64(now.Sub(e.Created).Milliseconds())/1000),
			command.BulkString("client-info"), command.BulkString(e.ClientInfo),
			command.BulkString("entry-id"), command.Int(e.ID),
			command.BulkString("timestamp-created"), command.Int(e.Created.UnixMilli()),
			command.BulkString("timestamp-last-updated"), command.Int(e.Updated.UnixMilli()),
		))
	}
	return command.Array(out...)
}

func aclDryrun(conn *Conn, args [][]byte) command.Reply {
	u := conn.srv.aclUsers().Get(string(args[0]))
	if u == nil {
		return command.Err("ERR User '" + string(args[0]) + "' not found")
	}
	cmd := args[1:]
	spec, ok := command.Commands.Lookup(cmd[0])
	if !ok {
		return command.Err("ERR Command '" + string(cmd[0]) + "' not found")
	}
	if !spec.CheckArity(len(cmd)) {
		return command.WrongArity(spec.Name)
	}
	if spec.Flags&command.FlagNoAuth == 0 {
		if d := u.Check(spec, cmd); d != nil {
			return command.BulkString(d.Message(u.Name, true))
		}
	}
	return command.OK()
}

// aclFile returns this node's aclfile setting ("" when unset).
func (s *Server) aclFile() string {
	for _, kv := range s.conf.Get("aclfile") {
		if kv[0] == "aclfile" {
			return strings.TrimSpace(kv[1])
		}
	}
	return ""
}

var errNoACLFile = command.Err("ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.")

// aclLoad reads this node's aclfile, checks every line, and proposes the
// users to the whole cluster (they replace every replicated user).
func aclLoad(conn *Conn) command.Reply {
	path := conn.srv.aclFile()
	if path == "" {
		return errNoACLFile
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return command.Err(fmt.Sprintf("ERR Error loading ACLs, opening file '%s': %v", path, err))
	}
	users, err := acl.ParseFile(path, string(data))
	if err != nil {
		return command.Err("ERR " + err.Error())
	}
	var b strings.Builder
	for _, u := range users {
		b.WriteString(acl.Line(u))
		b.WriteByte('\n')
	}
	return aclPropose(conn, [][]byte{[]byte("acl"), []byte("load"), []byte(b.String())})
}

// aclSave writes every user this node enforces into its aclfile.
func aclSave(conn *Conn) command.Reply {
	path := conn.srv.aclFile()
	if path == "" {
		return errNoACLFile
	}
	var b strings.Builder
	for _, u := range conn.srv.aclUsers().List() {
		b.WriteString(acl.Line(u))
		b.WriteByte('\n')
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, []byte(b.String()), 0o600); err != nil {
		return command.Err(fmt.Sprintf("ERR There was an error trying to save the ACLs. Please check the server logs for more information (%v)", err))
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return command.Err(fmt.Sprintf("ERR There was an error trying to save the ACLs. Please check the server logs for more information (%v)", err))
	}
	return command.OK()
}
