package info

import (
	"errors"
	"strings"
	"time"
)

// Info renders INFO replies. It is safe for concurrent use.
type Info struct {
	src     Sources
	scan    *keyScanner
	classic classicHolder
}

// New returns an Info reading from src.
func New(src Sources) *Info {
	if src.Now == nil {
		src.Now = time.Now
	}
	if src.Commands == nil {
		src.Commands = NewCommandStats()
	}
	return &Info{src: src, scan: newKeyScanner()}
}

// Sources returns what the Info reads (the metrics endpoint shares it).
func (in *Info) Sources() Sources { return in.src }

// ErrSyntax is Pika's reply to a malformed INFO.
var ErrSyntax = errors.New("ERR syntax error")

// section is one INFO section: its name as INFO arguments spell it and the
// function that appends it.
type section struct {
	name string
	fn   func(*Info, *request, *strings.Builder)
}

// sections lists every section by argument name.
var sections = map[string]section{}

func init() {
	for _, s := range []section{
		{"server", (*Info).server},
		{"data", (*Info).data},
		{"clients", (*Info).clients},
		{"stats", (*Info).stats},
		{"command_exec_count", (*Info).commandExecCount},
		{"commandstats", (*Info).commandStats},
		{"cache", (*Info).cache},
		{"cpu", (*Info).cpu},
		{"replication", (*Info).replication},
		{"keyspace", (*Info).keyspace},
		{"rocksdb", (*Info).rocksdb},
		{"debug", (*Info).debug},
		{"raft", (*Info).raft},
	} {
		sections[s.name] = s
	}
}

// Pika's section lists for INFO and INFO all, with pikaraft's raft last.
var (
	defaultSections = []string{"server", "data", "clients", "stats", "cpu", "replication", "keyspace", "raft"}
	allSections     = []string{"server", "data", "clients", "stats", "command_exec_count", "commandstats",
		"cache", "cpu", "replication", "keyspace", "rocksdb", "raft"}
)

// request is a parsed INFO command.
type request struct {
	sections []string
	// scanDBs are the databases whose keyspace lines are printed (Pika's
	// keyspace_scan_dbs_: every db for INFO all and INFO keyspace <arg>,
	// none otherwise).
	scanDBs map[int]bool
	// startLine selects "# Start async statistics" over the hint line.
	startLine bool
	rescan    bool // INFO keyspace 1
	off       bool // INFO keyspace off
}

// Render answers INFO with args (the arguments after INFO). The error is a
// Redis error reply text.
func (in *Info) Render(args []string) (string, error) {
	req, err := in.parse(args)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for i, name := range req.sections {
		if i > 0 {
			b.WriteString("\r\n")
		}
		sections[name].fn(in, req, &b)
	}
	if req.rescan {
		in.scan.start(in, req.scanDBs)
	}
	return b.String(), nil
}

// parse follows Pika's InfoCmd::DoInitial, and also accepts Redis 7's
// several section names (INFO server clients).
func (in *Info) parse(args []string) (*request, error) {
	req := &request{scanDBs: map[int]bool{}}
	if len(args) == 0 {
		req.sections = defaultSections
		return req, nil
	}
	first := strings.ToLower(args[0])
	switch first {
	case "keyspace":
		return req, in.parseKeyspace(req, args)
	case "all", "everything":
		if len(args) > 1 {
			return nil, ErrSyntax
		}
		req.sections = allSections
		req.scanDBs = in.allDBs()
		req.startLine = true
		return req, nil
	case "default":
		if len(args) > 1 {
			return nil, ErrSyntax
		}
		req.sections = defaultSections
		return req, nil
	}
	for _, a := range args {
		name := strings.ToLower(a)
		if _, ok := sections[name]; !ok || name == "keyspace" {
			if len(args) > 1 {
				return nil, ErrSyntax
			}
			return req, nil // unknown section: empty reply, as Pika
		}
		req.sections = append(req.sections, name)
	}
	return req, nil
}

// parseKeyspace handles INFO keyspace [0|1|off [db0,db1...]].
func (in *Info) parseKeyspace(req *request, args []string) error {
	req.sections = []string{"keyspace"}
	if len(args) == 1 {
		return nil
	}
	if len(args) > 3 {
		return ErrSyntax
	}
	switch strings.ToLower(args[1]) {
	case "1":
		req.rescan = true
	case "off":
		req.off = true
	case "0":
	default:
		return ErrSyntax
	}
	req.startLine = len(args) == 2
	if len(args) == 3 {
		n := in.numDBs()
		for _, name := range strings.Split(args[2], ",") {
			db, ok := parseDBName(name, n)
			if !ok {
				return errors.New("ERR invalid DB for '" + name + "'")
			}
			req.scanDBs[db] = true
		}
	} else {
		req.scanDBs = in.allDBs()
	}
	return nil
}

// parseDBName parses "db<i>" for a database that exists.
func parseDBName(s string, n int) (int, bool) {
	if len(s) < 3 || !strings.EqualFold(s[:2], "db") {
		return 0, false
	}
	i := 0
	for _, c := range s[2:] {
		if c < '0' || c > '9' || i > 100 {
			return 0, false
		}
		i = i*10 + int(c-'0')
	}
	return i, i < n
}

func (in *Info) allDBs() map[int]bool {
	out := map[int]bool{}
	for i := 0; i < in.numDBs(); i++ {
		out[i] = true
	}
	return out
}

// numDBs is the number of databases (1 without an engine).
func (in *Info) numDBs() int {
	if e := in.engine(); e != nil {
		return e.NumDBs()
	}
	return 1
}
