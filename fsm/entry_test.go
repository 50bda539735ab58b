package fsm

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEntryRoundTrip(t *testing.T) {
	cases := []Entry{
		{},
		{DB: 3, LeaderTimeMs: 1700000000123, Seed: 0xdeadbeefcafef00d,
			Cmds: [][][]byte{{[]byte("SET"), []byte("k"), []byte("v")}, {[]byte("INCR"), []byte("")}}},
		{DB: 0, LeaderTimeMs: -5, HasClient: true, ClientID: 1 << 40, Seq: 99,
			Cmds: [][][]byte{{}}},
	}
	for _, e := range cases {
		got, err := Decode(e.Encode())
		require.NoError(t, err)
		if len(e.Cmds) == 0 {
			require.Empty(t, got.Cmds)
			got.Cmds = e.Cmds
		}
		require.Equal(t, e, *got)
	}
}

func TestEntryLayout(t *testing.T) {
	// Written by hand from the layout documented on Encode.
	e := Entry{DB: 1, LeaderTimeMs: 2, Seed: 3, Cmds: [][][]byte{{[]byte("GET"), []byte("k")}}}
	want := []byte{
		1, 0, // version, flags
		1,                      // db
		4,                      // leader time 2 as zig-zag varint
		3, 0, 0, 0, 0, 0, 0, 0, // seed
		1,                // one command
		2,                // two arguments
		3, 'G', 'E', 'T', // "GET"
		1, 'k',
	}
	require.Equal(t, want, e.Encode())
}

func TestDecodeRejectsGarbage(t *testing.T) {
	good := (&Entry{Cmds: [][][]byte{{[]byte("PING")}}}).Encode()
	bad := [][]byte{
		nil,
		{2, 0},                               // unknown version
		{1, 0x80},                            // unknown flag
		good[:len(good)-1],                   // truncated
		append(append([]byte{}, good...), 0), // trailing byte
		{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f}, // huge count
	}
	for _, b := range bad {
		_, err := Decode(b)
		require.ErrorIs(t, err, ErrBadEntry, "%x", b)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add((&Entry{DB: 2, LeaderTimeMs: 77, Seed: 5, Cmds: [][][]byte{{[]byte("SET"), []byte("a"), []byte("b")}}}).Encode())
	f.Add((&Entry{HasClient: true, ClientID: 4, Seq: 9}).Encode())
	f.Add([]byte{1, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Decode(data)
		if err != nil {
			return
		}
		// Anything accepted survives a re-encode unchanged.
		again, err := Decode(e.Encode())
		require.NoError(t, err)
		require.Equal(t, e, again)
	})
}
