package resp

import (
	"path"
	"strings"

	"github.com/pikaraft/pikaraft/resp/command"
)

// COMMAND, COMMAND COUNT|INFO|DOCS|LIST|GETKEYS|HELP, generated from the
// command table in Redis 7's reply shapes.

func init() {
	command.Commands.Register(&command.Spec{
		Name: "command", Arity: -1,
		Flags:      command.FlagConnState | command.FlagLoading | command.FlagStale | command.FlagSlow,
		Categories: []string{"connection"}, Group: "server", Since: "2.8.13",
		Summary: "Returns detailed information about all commands.",
		Run:     cmdCommand,
	})
}

func cmdCommand(_ *command.Ctx, argv [][]byte) command.Reply {
	if len(argv) == 1 {
		all := command.Commands.All()
		out := make([]command.Reply, len(all))
		for i, s := range all {
			out[i] = commandInfo(s)
		}
		return command.Array(out...)
	}
	sub := strings.ToLower(string(argv[1]))
	switch sub {
	case "count":
		if len(argv) != 2 {
			return command.WrongArity("command|count")
		}
		return command.Int(int64(command.Commands.Len()))
	case "info":
		if len(argv) == 2 {
			return cmdCommand(nil, argv[:1])
		}
		out := make([]command.Reply, 0, len(argv)-2)
		for _, name := range argv[2:] {
			if s, ok := command.Commands.Lookup(name); ok {
				out = append(out, commandInfo(s))
			} else {
				out = append(out, command.NilArray())
			}
		}
		return command.Array(out...)
	case "docs":
		var specs []*command.Spec
		if len(argv) == 2 {
			specs = command.Commands.All()
		}
		for _, name := range argv[2:] {
			if s, ok := command.Commands.Lookup(name); ok {
				specs = append(specs, s)
			}
		}
		var kv []command.Reply
		for _, s := range specs {
			kv = append(kv, command.BulkString(s.Name), commandDocs(s))
		}
		return command.Map(kv...)
	case "list":
		return commandList(argv)
	case "getkeys":
		if len(argv) < 3 {
			return command.WrongArity("command|getkeys")
		}
		s, ok := command.Commands.Lookup(argv[2])
		if !ok {
			return command.Err("ERR Invalid command specified")
		}
		args := argv[2:]
		if !s.CheckArity(len(args)) {
			return command.Err("ERR Invalid number of arguments specified for command")
		}
		pos := s.Keys(len(args))
		if len(pos) == 0 {
			return command.Err("ERR The command has no key arguments")
		}
		keys := make([]command.Reply, len(pos))
		for i, p := range pos {
			keys[i] = command.Bulk(args[p])
		}
		return command.Array(keys...)
	case "help":
		return command.Array(
			command.Status("COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"),
			command.Status("(no subcommand)"), command.Status("    Return details about all commands."),
			command.Status("COUNT"), command.Status("    Return the total number of commands in this server."),
			command.Status("LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]"),
			command.Status("    Return a list of all commands in this server."),
			command.Status("INFO [<command-name> ...]"), command.Status("    Return details about the given commands, or all of them."),
			command.Status("DOCS [<command-name> ...]"), command.Status("    Return documentation details about the given commands, or all of them."),
			command.Status("GETKEYS <full-command>"), command.Status("    Return the keys from a full command."),
			command.Status("HELP"), command.Status("    Print this help."),
		)
	}
	return command.Err("ERR unknown subcommand '" + string(argv[1]) + "'. Try COMMAND HELP.")
}

// commandInfo is one entry of COMMAND / COMMAND INFO: name, arity, flags,
// first key, last key, step, ACL categories, tips, key specs, subcommands.
func commandInfo(s *command.Spec) command.Reply {
	flags := s.Flags.Names()
	fl := make([]command.Reply, len(flags))
	for i, f := range flags {
		fl[i] = command.Status(f)
	}
	cats := s.ACLCategories()
	cl := make([]command.Reply, len(cats))
	for i, c := range cats {
		cl[i] = command.Status("@" + c)
	}
	return command.Array(
		command.BulkString(s.Name),
		command.Int(int64(s.Arity)),
		command.Set(fl...),
		command.Int(int64(s.FirstKey)),
		command.Int(int64(s.LastKey)),
		command.Int(int64(s.Step)),
		command.Set(cl...),
		command.Array(),
		command.Array(),
		command.Array(),
	)
}

// commandDocs is the COMMAND DOCS map of one command.
func commandDocs(s *command.Spec) command.Reply {
	var kv []command.Reply
	if s.Summary != "" {
		kv = append(kv, command.BulkString("summary"), command.BulkString(s.Summary))
	}
	if s.Since != "" {
		kv = append(kv, command.BulkString("since"), command.BulkString(s.Since))
	}
	group := s.Group
	if group == "" {
		group = "generic"
	}
	kv = append(kv, command.BulkString("group"), command.BulkString(group))
	return command.Map(kv...)
}

// commandList implements COMMAND LIST [FILTERBY MODULE m|ACLCAT c|PATTERN p].
func commandList(argv [][]byte) command.Reply {
	match := func(*command.Spec) bool { return true }
	switch {
	case len(argv) == 2:
	case len(argv) == 5 && command.EqualFold(argv[2], "FILTERBY"):
		val := strings.ToLower(string(argv[4]))
		switch {
		case command.EqualFold(argv[3], "MODULE"):
			match = func(*command.Spec) bool { return false }
		case command.EqualFold(argv[3], "ACLCAT"):
			match = func(s *command.Spec) bool {
				for _, c := range s.ACLCategories() {
					if c == val {
						return true
					}
				}
				return false
			}
		case command.EqualFold(argv[3], "PATTERN"):
			match = func(s *command.Spec) bool { ok, _ := path.Match(val, s.Name); return ok }
		default:
			return command.ErrReply(command.ErrSyntax)
		}
	default:
		return command.ErrReply(command.ErrSyntax)
	}
	var out []command.Reply
	for _, s := range command.Commands.All() {
		if match(s) {
			out = append(out, command.BulkString(s.Name))
		}
	}
	return command.Array(out...)
}
