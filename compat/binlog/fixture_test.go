package binlog

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// fixtureCmd is one line of commands.jsonl.
type fixtureCmd struct {
	Cmd   []string        `json:"cmd"`
	Reply json.RawMessage `json:"reply"`
}

func loadCommands(t *testing.T, root string) []fixtureCmd {
	f, err := os.Open(filepath.Join(root, "commands.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	var out []fixtureCmd
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var c fixtureCmd
		require.NoError(t, json.Unmarshal(sc.Bytes(), &c))
		out = append(out, c)
	}
	require.NoError(t, sc.Err())
	return out
}

// afterSync are the five writes the README lists after the full sync; the
// binlog shows the client sent them in lower case.
var afterSync = []fixtureCmd{
	{Cmd: []string{"set", "after:sync", "1"}},
	{Cmd: []string{"hset", "after:hash", "f", "v"}},
	{Cmd: []string{"set", "after:ttl", "v", "ex", "1000"}},
	{Cmd: []string{"incr", "after:ctr"}, Reply: json.RawMessage("1")},
	{Cmd: []string{"expire", "str:3", "5000"}},
}

func TestFixtureDecodeEveryItem(t *testing.T) {
	root := fixtureRoot(t)
	for _, db := range []string{"log_db0", "log_db1"} {
		dir := filepath.Join(root, "binlog", db)
		items, end := readAll(t, dir)
		man, err := ReadManifest(dir)
		require.NoError(t, err)
		st, err := os.Stat(filepath.Join(dir, "write2file0"))
		require.NoError(t, err)
		require.Equal(t, uint64(st.Size()), end.Offset, db)
		require.Equal(t, Manifest{Filenum: 0, Offset: uint64(st.Size()), Index: uint64(len(items)), Term: 0}, man, db)
		prevEnd := uint64(0)
		for i, it := range items {
			require.Equal(t, uint64(i+1), it.Index, "logic ids count from 1")
			require.Equal(t, prevEnd, it.Offset, "header offset is the producer offset before the item")
			require.Equal(t, prevEnd, it.Start.Offset)
			_, err := ParseRESP(it.Content)
			require.NoError(t, err)
			prevEnd = it.End.Offset
		}
	}
	items, _ := readAll(t, filepath.Join(root, "binlog", "log_db0"))
	require.Len(t, items, 443)
}

// stringModel tracks string values so APPEND/INCR outcomes can be given to Canonical.
type stringModel map[string]string

func (m stringModel) outcome(c fixtureCmd) []byte {
	key := c.Cmd[1]
	switch strings.ToLower(c.Cmd[0]) {
	case "set":
		m[key] = c.Cmd[2]
	case "append":
		m[key] += c.Cmd[2]
		return []byte(m[key])
	case "incr", "incrby", "incrbyfloat":
		var v any
		if err := json.Unmarshal(c.Reply, &v); err == nil {
			m[key] = fmt.Sprint(v)
		}
		return []byte(m[key])
	}
	return nil
}

func TestFixtureCanonicalReproducesEveryItem(t *testing.T) {
	root := fixtureRoot(t)
	cmds := append(loadCommands(t, root), afterSync...)
	items := map[int][]Located{}
	for db := 0; db < 2; db++ {
		items[db], _ = readAll(t, filepath.Join(root, "binlog", fmt.Sprintf("log_db%d", db)))
	}
	next := map[int]int{}
	db := 0
	model := stringModel{}
	for _, c := range cmds {
		if strings.EqualFold(c.Cmd[0], "select") {
			_, err := fmt.Sscan(c.Cmd[1], &db)
			require.NoError(t, err)
			continue
		}
		require.Less(t, next[db], len(items[db]), "command %v has no item", c.Cmd)
		it := items[db][next[db]]
		a := Applied{Argv: args(c.Cmd...), DB: db, Databases: 2, NowMs: int64(it.ExecTime) * 1000}
		a.Value = model.outcome(c)
		if strings.EqualFold(c.Cmd[0], "xadd") {
			var id string
			require.NoError(t, json.Unmarshal(c.Reply, &id))
			a.StreamID = []byte(id)
		}
		got, err := Canonical(a)
		require.NoError(t, err)
		require.Len(t, got, 1, "%v", c.Cmd)
		require.Equal(t, db, got[0].DB)
		require.Equal(t, string(it.Content), string(got[0].Bytes), "command %v", c.Cmd)
		next[db]++
	}
	require.Equal(t, len(items[0]), next[0], "every db0 item matched a command")
	require.Equal(t, len(items[1]), next[1], "every db1 item matched a command")
}

func TestFixtureRoundTripByteExact(t *testing.T) {
	root := fixtureRoot(t)
	for _, db := range []string{"log_db0", "log_db1"} {
		src := filepath.Join(root, "binlog", db)
		items, _ := readAll(t, src)
		dst := filepath.Join(t.TempDir(), db)
		w, err := OpenWriter(dst, Options{})
		require.NoError(t, err)
		for _, it := range items {
			end, err := w.Append(it.Term, it.Index, it.ExecTime, it.Content)
			require.NoError(t, err)
			require.Equal(t, it.End, end)
		}
		require.NoError(t, w.Close())
		for _, name := range []string{"write2file0", "manifest"} {
			want, err := os.ReadFile(filepath.Join(src, name))
			require.NoError(t, err)
			got, err := os.ReadFile(filepath.Join(dst, name))
			require.NoError(t, err)
			require.Equal(t, len(want), len(got), "%s/%s size", db, name)
			require.True(t, string(want) == string(got), "%s/%s differs", db, name)
		}
	}
}
