package command_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/engine"
	"github.com/pikaraft/pikaraft/resp/command"
)

// strClock is the cluster time of these tests: second 1700000000 + 250 ms.
const strClock int64 = 1_700_000_000_250

// strRunner runs commands against a fresh engine at a settable time.
type strRunner struct {
	t     *testing.T
	db    *engine.DB
	nowMs int64
}

func newStrRunner(t *testing.T) *strRunner {
	t.Helper()
	e, err := engine.Open(filepath.Join(t.TempDir(), "db"), engine.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { e.Close() })
	db, err := e.DB(0)
	require.NoError(t, err)
	return &strRunner{t: t, db: db, nowMs: strClock}
}

// do runs one command given as space-separated words.
func (r *strRunner) do(cmd string) command.Reply {
	return r.exec(strings.Fields(cmd)...)
}

func (r *strRunner) exec(args ...string) command.Reply {
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	c := &command.Ctx{DB: r.db, W: engine.Writer{NowMs: r.nowMs}, NowMs: r.nowMs}
	return command.Commands.Exec(c, argv)
}

// show renders a reply as redis-cli-like text for compact assertions.
func show(rep command.Reply) string {
	switch rep.Type {
	case command.TypeNil, command.TypeNilArray:
		return "(nil)"
	case command.TypeStatus:
		return rep.Str
	case command.TypeError:
		return "-" + rep.Str
	case command.TypeInt, command.TypeBool:
		return fmt.Sprintf("(integer) %d", rep.Int)
	case command.TypeBulk:
		return fmt.Sprintf("%q", rep.Bulk)
	case command.TypeArray:
		parts := make([]string, len(rep.Elems))
		for i, e := range rep.Elems {
			parts[i] = show(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	return fmt.Sprintf("%+v", rep)
}

// script runs "command => expected reply" lines in order.
func (r *strRunner) script(lines string) {
	r.t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(lines), "\n") {
		cmd, want, ok := strings.Cut(line, "=>")
		require.True(r.t, ok, "bad script line %q", line)
		require.Equal(r.t, strings.TrimSpace(want), show(r.do(cmd)), "%s", strings.TrimSpace(cmd))
	}
}

func TestStringCommands(t *testing.T) {
	r := newStrRunner(t)
	r.script(`
		get k => (nil)
		set k v => OK
		get k => "v"
		set k v2 nx => (nil)
		set k v2 xx get => "v"
		set nokey v xx => (nil)
		set k v3 get nx => "v2"
		set k2 v get => (nil)
		set k v vx v2 => (integer) 1
		set k v vx nope => (integer) -1
		set none v vx v => (integer) 0
		setnx k x => (integer) 0
		setnx k3 x => (integer) 1
		getset k w => "v"
		getset nokey2 w => (nil)
		strlen k => (integer) 1
		strlen missing => (integer) 0
		mset a 1 b 2 => OK
		mget a missing b => ["1" (nil) "2"]
		msetnx a 1 c 3 => (integer) 0
		msetnx c 3 d 4 => (integer) 1
		append a 23 => (integer) 3
		append newkey xy => (integer) 2
		getdel a => "123"
		getdel a => (nil)
		delvx b 3 => (integer) -1
		delvx b 2 => (integer) 1
		delvx b 2 => (integer) 0
		getex c => "3"
		getex missing ex 10 => (nil)
	`)
}

func TestStringCommandErrors(t *testing.T) {
	r := newStrRunner(t)
	r.script(`
		get => -ERR wrong number of arguments for 'get' command
		set k => -ERR wrong number of arguments for 'set' command
		set k v ex 0 => -ERR invalid expire time in 'set' command
		set k v px -5 => -ERR invalid expire time in 'set' command
		set k v ex abc => -ERR value is not an integer or out of range
		set k v ex 9999999999 => -ERR invalid expire time in 'set' command
		set k v exat 2147483648 => -ERR invalid expire time in 'set' command
		set k v nx xx => -ERR syntax error
		set k v ex 10 px 100 => -ERR syntax error
		set k v ex 10 keepttl => -ERR syntax error
		set k v ex => -ERR syntax error
		set k v foo => -ERR syntax error
		set k v vx a get => -ERR syntax error
		setex k 0 v => -ERR invalid expire time in 'setex' command
		setex k x v => -ERR value is not an integer or out of range
		psetex k -1 v => -ERR invalid expire time in 'psetex' command
		pksetexat k 0 v => OK
		getex k persist ex 10 => -ERR syntax error
		getex k ex 0 => -ERR invalid expire time in 'getex' command
		getex k foo => -ERR syntax error
		mset a => -ERR wrong number of arguments for 'mset' command
		mset a 1 b => -ERR wrong number of arguments for 'mset' command
		msetnx a 1 b => -ERR wrong number of arguments for 'msetnx' command
		getrange k a 1 => -ERR value is not an integer or out of range
		setrange k -1 x => -ERR offset is out of range
		setrange k 536870912 x => -ERR string exceeds maximum allowed size (proto-max-bulk-len)
		setrange k 9223372036854775807 x => -ERR string exceeds maximum allowed size (proto-max-bulk-len)
		setrange k x x => -ERR value is not an integer or out of range
	`)
}

func TestCounterCommands(t *testing.T) {
	r := newStrRunner(t)
	r.script(`
		incr n => (integer) 1
		incrby n 41 => (integer) 42
		decr n => (integer) 41
		decrby n 50 => (integer) -9
		incrby n abc => -ERR value is not an integer or out of range
		decrby n -9223372036854775808 => -ERR decrement would overflow
		set n 9223372036854775807 => OK
		incr n => -ERR increment or decrement would overflow
		set n 1.5 => OK
		incr n => -ERR value is not an integer or out of range
		incrbyfloat n 0.1 => "1.6"
		incrbyfloat n abc => -ERR value is not a valid float
		incrbyfloat n inf => -ERR increment would produce NaN or Infinity
		set f 10.50 => OK
		incrbyfloat f 0.1 => "10.6"
		incrbyfloat f -5 => "5.6"
		set f 5.0e3 => OK
		incrbyfloat f 2.0e2 => "5200"
		set f 1.5 => OK
		incrbyfloat f 1e20 => "100000000000000000000"
		set f 1e4932 => OK
		incrbyfloat f 1e4932 => -ERR increment would produce NaN or Infinity
		set s word => OK
		incrbyfloat s 1 => -ERR value is not a valid float
	`)
}

func TestRangeCommands(t *testing.T) {
	r := newStrRunner(t)
	r.script(`
		set s Hello_World => OK
		setrange s 6 Redis => (integer) 11
		get s => "Hello_Redis"
		setrange p 3 x => (integer) 4
		get p => "\x00\x00\x00x"
		getrange s 0 4 => "Hello"
		getrange s -5 -1 => "Redis"
		getrange s 5 3 => ""
		getrange missing 0 -1 => ""
	`)
	// An empty value: SETRANGE changes nothing and creates nothing.
	require.Equal(t, "(integer) 0", show(r.exec("setrange", "none", "536870912", "")))
	require.Equal(t, "(nil)", show(r.do("get none")))
}

func TestStringExpiryCommands(t *testing.T) {
	r := newStrRunner(t)
	r.script(`
		set k v ex 10 => OK
		setex s 1 v => OK
		psetex p 1500 v => OK
		set a v pxat 1700000001999 => OK
		pksetexat x 1700000000 v => OK
		getex g => (nil)
		set g v => OK
		getex g exat 1700000005 => "v"
	`)
	r.nowMs = strClock + 1000 // second 1700000001: s, p and a still alive, x expired
	r.script(`
		get s => "v"
		get p => "v"
		get a => "v"
		get x => (nil)
	`)
	r.nowMs = strClock + 2000
	r.script(`
		get s => (nil)
		get p => (nil)
		get a => (nil)
		get k => "v"
		set k w keepttl => OK
	`)
	r.nowMs = strClock + 6000
	r.script(`
		get g => (nil)
		get k => "w"
	`)
	r.nowMs = strClock + 11000
	r.script(`
		get k => (nil)
		setnx k fresh => (integer) 1
	`)
}

func TestBitmapCommands(t *testing.T) {
	r := newStrRunner(t)
	r.script(`
		setbit b 7 1 => (integer) 0
		setbit b 100 1 => (integer) 0
		setbit b 7 0 => (integer) 1
		getbit b 100 => (integer) 1
		getbit b 99999 => (integer) 0
		getbit missing 0 => (integer) 0
		setbit b 4294967296 1 => -ERR bit offset is not an integer or out of range
		setbit b -1 1 => -ERR bit offset is not an integer or out of range
		setbit b 1 2 => -ERR bit is not an integer or out of range
		getbit b x => -ERR bit offset is not an integer or out of range
		set s foobar => OK
		bitcount s => (integer) 26
		bitcount s 0 0 => (integer) 4
		bitcount s 1 1 byte => (integer) 6
		bitcount s 5 30 bit => (integer) 17
		bitcount s 1 => -ERR syntax error
		bitcount s 1 2 foo => -ERR syntax error
		bitcount s a b => -ERR value is not an integer or out of range
		bitcount missing => (integer) 0
		bitpos s 2 => -ERR The bit argument must be 1 or 0.
		bitpos s a => -ERR value is not an integer or out of range
		bitpos s 1 0 1 foo => -ERR syntax error
		bitpos s 1 2 => (integer) 17
		bitpos s 0 => (integer) 0
		bitpos missing 1 => (integer) -1
		bitpos missing 0 => (integer) 0
		set k1 foobar => OK
		set k2 abcdef => OK
		bitop and dest k1 k2 => (integer) 6
		get dest => "` + "`bc`ab" + `"
		bitop or dest k1 k2 missing => (integer) 6
		get dest => "goofev"
		bitop not dest k1 k2 => -ERR BITOP NOT must be called with a single source key.
		bitop foo dest k1 => -ERR syntax error
		bitop and dest => -ERR wrong number of arguments for 'bitop' command
	`)
}

func TestHyperLogLogCommands(t *testing.T) {
	r := newStrRunner(t)
	r.script(`
		pfadd h a b c d => (integer) 1
		pfadd h a b => (integer) 0
		pfcount h => (integer) 4
		pfadd h2 c d e => (integer) 1
		pfcount h h2 missing => (integer) 5
		pfmerge m h h2 => OK
		pfcount m => (integer) 5
		pfadd empty => (integer) 1
		pfadd empty => (integer) 0
		pfcount empty => (integer) 0
		pfcount missing => (integer) 0
		set s plain => OK
		pfadd s a => -WRONGTYPE Key is not a valid HyperLogLog string value.
		pfcount h s => -WRONGTYPE Key is not a valid HyperLogLog string value.
		pfmerge m s => -WRONGTYPE Key is not a valid HyperLogLog string value.
		get s => "plain"
		pfcount => -ERR wrong number of arguments for 'pfcount' command
	`)
	// The register array is an ordinary string of 2^17 bytes.
	require.Equal(t, "(integer) 131072", show(r.do("strlen h")))
}

func TestStringSpecs(t *testing.T) {
	for name, cats := range map[string]string{
		"get": "read string fast", "set": "write string slow", "mset": "write string slow",
		"setbit": "write bitmap slow", "bitcount": "read bitmap slow",
		"pfadd": "write hyperloglog fast", "pfcount": "read hyperloglog slow",
	} {
		s, ok := command.Commands.Lookup([]byte(name))
		require.True(t, ok, name)
		require.Equal(t, cats, strings.Join(s.Categories, " "), name)
	}
	mset, _ := command.Commands.Lookup([]byte("MSET"))
	require.Equal(t, []int{1, 3, 5}, mset.Keys(7))
	bitop, _ := command.Commands.Lookup([]byte("bitop"))
	require.Equal(t, []int{2, 3, 4}, bitop.Keys(5))
	require.True(t, mset.IsWrite())
	get, _ := command.Commands.Lookup([]byte("get"))
	require.False(t, get.IsWrite())
}
