package resp

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pikaraft/pikaraft/resp/command"
)

// CONFIG GET|SET|REWRITE|RESETSTAT|HELP through the ConfigStore.

func init() {
	command.Commands.Register(&command.Spec{
		Name: "config", Arity: -2,
		Flags:      command.FlagConnState | command.FlagAdmin | command.FlagSlow | command.FlagNoScript | command.FlagLoading | command.FlagStale,
		Categories: []string{}, Group: "server", Since: "2.0.0",
		Summary: "A container for server configuration commands.",
		Run:     cmdConfig,
	})
}

func cmdConfig(c *command.Ctx, argv [][]byte) command.Reply {
	srv := c.Conn.(*Conn).srv
	sub := strings.ToLower(string(argv[1]))
	switch sub {
	case "get":
		if len(argv) < 3 {
			return command.WrongArity("config|get")
		}
		seen := map[string]bool{}
		var kv []command.Reply
		for _, pat := range argv[2:] {
			for _, p := range srv.conf.Get(string(pat)) {
				if seen[p[0]] {
					continue
				}
				seen[p[0]] = true
				kv = append(kv, command.BulkString(p[0]), command.BulkString(p[1]))
			}
		}
		return command.Map(kv...)
	case "set":
		if len(argv) < 4 || len(argv)%2 != 0 {
			return command.WrongArity("config|set")
		}
		return configSet(srv, argv[2:])
	case "rewrite":
		if len(argv) != 2 {
			return command.WrongArity("config|rewrite")
		}
		if err := srv.conf.Rewrite(); err != nil {
			return command.ErrReply(err)
		}
		return command.OK()
	case "resetstat":
		if len(argv) != 2 {
			return command.WrongArity("config|resetstat")
		}
		srv.stats.reset()
		srv.cmdStats.Reset()
		return command.OK()
	case "help":
		return command.Array(
			command.Status("CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"),
			command.Status("GET <pattern>"), command.Status("    Return parameters matching the glob-like <pattern> and their values."),
			command.Status("SET <directive> <value>"), command.Status("    Set the configuration <directive> to <value>."),
			command.Status("RESETSTAT"), command.Status("    Reset statistics reported by the INFO command."),
			command.Status("REWRITE"), command.Status("    Rewrite the configuration file."),
			command.Status("HELP"), command.Status("    Print this help."),
		)
	}
	return command.Err("ERR unknown subcommand '" + string(argv[1]) + "'. Try CONFIG HELP.")
}

// configSet validates the parameters the server owns, stores every pair in
// the ConfigStore and then applies the server-owned ones at once.
func configSet(srv *Server, pairs [][]byte) command.Reply {
	var apply []func(*runtimeConfig)
	for i := 0; i < len(pairs); i += 2 {
		name, val := strings.ToLower(string(pairs[i])), string(pairs[i+1])
		fn, err := serverParam(name, val)
		if err != nil {
			return command.Err(fmt.Sprintf("ERR CONFIG SET failed (possibly related to argument '%s') - %s", name, err.Error()))
		}
		if fn != nil {
			apply = append(apply, fn)
		}
	}
	for i := 0; i < len(pairs); i += 2 {
		if err := srv.conf.Set(strings.ToLower(string(pairs[i])), string(pairs[i+1])); err != nil {
			return command.ErrReply(err)
		}
	}
	srv.rt.mu.Lock()
	for _, fn := range apply {
		fn(srv.rt)
	}
	srv.rt.gen++
	srv.rt.publish()
	srv.rt.mu.Unlock()
	return command.OK()
}

// serverParam parses a parameter the RESP server applies itself and
// returns the change to make; (nil, nil) for parameters it does not own.
func serverParam(name, val string) (func(*runtimeConfig), error) {
	switch name {
	case "timeout":
		n, err := intParam(val, 0, 1<<31-1)
		if err != nil {
			return nil, err
		}
		return func(r *runtimeConfig) { r.timeout = time.Duration(n) * time.Second }, nil
	case "maxclients":
		n, err := intParam(val, 1, 1<<31-1)
		if err != nil {
			return nil, err
		}
		return func(r *runtimeConfig) { r.maxClients = int(n) }, nil
	case "proto-max-bulk-len":
		n, err := memoryParam(val)
		if err != nil {
			return nil, err
		}
		if n < 1024*1024 {
			return nil, fmt.Errorf("argument must be a memory value between 1048576 and %d", int64(1)<<62)
		}
		return func(r *runtimeConfig) { r.maxBulk = n }, nil
	case "requirepass":
		return func(r *runtimeConfig) { r.requirePass = val }, nil
	case "userpass":
		return func(r *runtimeConfig) { r.userPass = val }, nil
	case "slowlog-log-slower-than":
		n, err := intParam(val, -1, 1<<40)
		if err != nil {
			return nil, err
		}
		return func(r *runtimeConfig) { r.slowlogSlower = n }, nil
	case "slowlog-max-len":
		n, err := intParam(val, 0, 1<<31-1)
		if err != nil {
			return nil, err
		}
		return func(r *runtimeConfig) { r.slowlogMaxLen = int(n) }, nil
	case "userblacklist":
		return func(r *runtimeConfig) { r.blacklist = parseBlacklist(val) }, nil
	}
	return nil, nil
}

func intParam(val string, lo, hi int64) (int64, error) {
	n, err := strconv.ParseInt(val, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("argument couldn't be parsed into an integer")
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("argument must be between %d and %d inclusive", lo, hi)
	}
	return n, nil
}

// memoryParam parses a Redis memory value: bytes with an optional k, kb,
// m, mb, g or gb suffix (k = 1000, kb = 1024).
func memoryParam(val string) (int64, error) {
	s := strings.ToLower(val)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1e3}, {"m", 1e6}, {"g", 1e9}, {"b", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("argument must be a memory value")
	}
	return n * mult, nil
}
