package engine

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/pikaraft/pikaraft/engine/pikafixture"
	"github.com/stretchr/testify/require"
)

// strFixtureNowMs derives the time of the fixture's last writes from the data:
// `SET after:ttl v EX 1000` was one of the last commands, so its expiry
// minus 1000 s is the recording's final second.
func strFixtureNowMs(t *testing.T, d *DB) int64 {
	t.Helper()
	raw := rawString(t, d, "after:ttl")
	ts := int64(binary.LittleEndian.Uint32(raw[len(raw)-4:]))
	return (ts - 1000) * 1000
}

// TestStringsReadPikaFixture reads every string Pika 3.5.5 wrote and
// compares it with what redis-cli saw (expected-after-replication.json).
func TestStringsReadPikaFixture(t *testing.T) {
	e, err := Open(copyFixtureDB(t), Options{Databases: 2})
	require.NoError(t, err)
	defer e.Close()
	d0, err := e.DB(0)
	require.NoError(t, err)
	now := strFixtureNowMs(t, d0)

	blob, err := os.ReadFile(pikafixture.Path(t, "expected-after-replication.json"))
	require.NoError(t, err)
	var expected map[string]map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(blob, &expected))
	seen := 0
	for dbName, keys := range expected {
		var idx int
		_, err := fmt.Sscanf(dbName, "db%d", &idx)
		require.NoError(t, err)
		d, err := e.DB(idx)
		require.NoError(t, err)
		for typed, rawWant := range keys {
			key, ok := strings.CutPrefix(typed, "string|")
			if !ok {
				continue
			}
			var want string
			require.NoError(t, json.Unmarshal(rawWant, &want))
			got, err := d.Get([]byte(key), now)
			require.NoError(t, err, key)
			require.Equal(t, []byte(want), got, key)
			seen++
		}
	}
	require.Greater(t, seen, 40)

	// SET str:expired gone EX 1, then a 2.5 s pause: gone by the end.
	_, err = d0.Get([]byte("str:expired"), now)
	require.ErrorIs(t, err, ErrNotFound)
	// str:ttl was SET with EX 31536000 (one year) during the recording.
	raw := rawString(t, d0, "str:ttl")
	ttl := int64(binary.LittleEndian.Uint32(raw[len(raw)-4:])) - now/1000
	require.InDelta(t, 31536000, ttl, 60)
	require.Equal(t, append([]byte("expires-later"), raw[len(raw)-4:]...), raw)

	// str:counter and str:float were written by INCRBY / INCRBYFLOAT; go on from them.
	n, err := d0.IncrBy(at(now), []byte("str:counter"), 1)
	require.NoError(t, err)
	require.EqualValues(t, 43, n)
	f, err := d0.IncrByFloat(at(now), []byte("str:float"), []byte("0.5"))
	require.NoError(t, err)
	require.Equal(t, "3.75", string(f))
	bit, err := d0.GetBit([]byte("str:bits"), 100, now)
	require.NoError(t, err)
	require.Equal(t, 1, bit)
	cnt, err := d0.BitCount([]byte("str:bits"), nil, now)
	require.NoError(t, err)
	require.EqualValues(t, 2, cnt)
}

// TestHLLMatchesPikaFixture replays the fixture's PFADD on a fresh engine:
// the record must equal the one Pika wrote, byte for byte.
func TestHLLMatchesPikaFixture(t *testing.T) {
	e, err := Open(copyFixtureDB(t), Options{Databases: 2})
	require.NoError(t, err)
	defer e.Close()
	d0, err := e.DB(0)
	require.NoError(t, err)
	now := strFixtureNowMs(t, d0)
	pika := rawString(t, d0, "str:hll")
	require.Len(t, pika, hllRegisters+4)

	elems := make([][]byte, 200)
	for i := range elems {
		elems[i] = []byte(fmt.Sprintf("e%d", i))
	}
	d := strTestDB(t)
	changed, err := d.PFAdd(at(now), []byte("h"), elems)
	require.NoError(t, err)
	require.True(t, changed) // Pika replied 1
	require.Equal(t, pika, rawString(t, d, "h"))

	n, err := d0.PFCount([][]byte{[]byte("str:hll")}, now)
	require.NoError(t, err)
	require.InDelta(t, 200, n, 2)
	// Adding elements already present changes nothing visible.
	changed, err = d0.PFAdd(at(now), []byte("str:hll"), elems[:10])
	require.NoError(t, err)
	require.False(t, changed)
	require.Equal(t, pika, rawString(t, d0, "str:hll"))
}
