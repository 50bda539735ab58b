package replication_test

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/pikaraft/pikaraft/compat/replication"
	"github.com/pikaraft/pikaraft/compat/replication/replica"
	"github.com/pikaraft/pikaraft/engine/pikafixture"
)

// proxy forwards Q+2000 and Q+10001 to a master's P+2000 and P+10001;
// cut, when set, closes file transfer connections once they carried that
// many bytes towards the replica (once).
type proxy struct {
	base int
	cut  atomic.Int64
	cuts atomic.Int64
	lns  []net.Listener
}

func startProxy(t *testing.T, masterPort int) *proxy {
	p := &proxy{base: freeBase(t)}
	for _, shift := range []int{0, replication.PortShiftRepl, replication.PortShiftRsync} {
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p.base+shift))
		require.NoError(t, err)
		p.lns = append(p.lns, ln)
		target := "127.0.0.1:" + strconv.Itoa(masterPort+shift)
		rsync := shift == replication.PortShiftRsync
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go p.forward(c, target, rsync)
			}
		}()
	}
	t.Cleanup(func() {
		for _, ln := range p.lns {
			ln.Close()
		}
	})
	return p
}

func (p *proxy) forward(c net.Conn, target string, rsync bool) {
	defer c.Close()
	u, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer u.Close()
	go func() {
		io.Copy(u, c)
		u.Close()
	}()
	if !rsync {
		io.Copy(c, u)
		return
	}
	var n int64
	buf := make([]byte, 32<<10)
	for {
		k, err := u.Read(buf)
		if k > 0 {
			if _, werr := c.Write(buf[:k]); werr != nil {
				return
			}
			n += int64(k)
			if lim := p.cut.Load(); lim > 0 && n >= lim && p.cut.CompareAndSwap(lim, 0) {
				p.cuts.Add(1)
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *proxy) addr() string { return "127.0.0.1:" + strconv.Itoa(p.base) }

// TestBrokenTransferResumes: the file transfer connection breaks in the
// middle; the replica reconnects and fetches only the files it did not
// finish, then streams as usual.
func TestBrokenTransferResumes(t *testing.T) {
	m := startMaster(t, masterOpts{conf: map[string]string{"throttle-bytes-per-second": strconv.Itoa(8 << 20)}})
	m.fill("pre", 40000, false)
	m.fill("logged", 100, true)
	p := startProxy(t, m.port)
	p.cut.Store(1 << 20)
	r := openReplica(t, replicaOpts{master: p.addr(), parallel: 1})
	defer r.Close()
	r.Start()
	waitCaughtUp(t, r, m, 60*time.Second)
	requireSameData(t, r, m)
	st := r.Stats()
	require.EqualValues(t, 1, p.cuts.Load())
	require.Equal(t, 3, st.Transfers, "two dbs, one of them twice")
	require.Positive(t, st.FilesResumed, "files received before the cut were not fetched again")
	require.Equal(t, 2, st.FullSyncs)
}

// TestThrottleChangesMidTransfer: CONFIG SET throttle-bytes-per-second on
// the master takes effect while a transfer runs.
func TestThrottleChangesMidTransfer(t *testing.T) {
	m := startMaster(t, masterOpts{conf: map[string]string{"throttle-bytes-per-second": strconv.Itoa(256 << 10)}})
	m.fill("pre", 40000, false)
	r := openReplica(t, replicaOpts{master: m.addr()})
	defer r.Close()
	r.Start()
	require.Eventually(t, func() bool { return r.Stats().BytesFetched > 0 }, 20*time.Second, 10*time.Millisecond)
	b0, t0 := r.Stats().BytesFetched, time.Now()
	time.Sleep(1500 * time.Millisecond)
	slow := float64(r.Stats().BytesFetched-b0) / time.Since(t0).Seconds()
	require.Less(t, slow, float64(400<<10), "256 KiB/s throttle")
	require.Greater(t, slow, float64(100<<10))
	m.conf.set("throttle-bytes-per-second", strconv.Itoa(200<<20))
	start := time.Now()
	waitCaughtUp(t, r, m, 30*time.Second)
	require.Less(t, time.Since(start), 5*time.Second, "the faster rate applied at once")
	requireSameData(t, r, m)
}

// TestDumpLayout: the dump served has the layout of the dump a real Pika
// 3.5.5 made: db<i>/<type>/ checkpoints with Pika's column families only,
// an info file naming the binlog position, the file list of the meta
// answer (strings hashes lists zsets sets, then info).
func TestDumpLayout(t *testing.T) {
	m := startMaster(t, masterOpts{})
	m.fill("a", 2000, true)
	r := openReplica(t, replicaOpts{master: m.addr()})
	defer r.Close()
	r.Start()
	waitCaughtUp(t, r, m, 30*time.Second)

	dumps, err := filepath.Glob(filepath.Join(m.dir, "dump", "*"))
	require.NoError(t, err)
	require.Len(t, dumps, 1)
	require.Regexp(t, `/\d{8}$`, dumps[0])
	pika := pikafixture.Path(t, "dump")
	for db := 0; db < 2; db++ {
		name := "db" + strconv.Itoa(db)
		ours, theirs := topLevel(t, filepath.Join(dumps[0], name)), topLevel(t, filepath.Join(pika, name))
		require.Equal(t, theirs, ours)
		info, err := os.ReadFile(filepath.Join(dumps[0], name, "info"))
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSuffix(string(info), "\n"), "\n")
		require.Len(t, lines, 5)
		require.Regexp(t, `^\d+s$`, lines[0])
		require.Equal(t, "127.0.0.1", lines[1])
		require.Equal(t, strconv.Itoa(m.port), lines[2])
		pos, err := replica.ParseInfo(info)
		require.NoError(t, err)
		require.Equal(t, m.set.DB(db).Producer(), pos, "nothing was written after the dump")
		require.NoError(t, replica.CheckPikaDump(filepath.Join(dumps[0], name)))
		// Pika's own info file parses the same way.
		pinfo, err := os.ReadFile(filepath.Join(pika, name, "info"))
		require.NoError(t, err)
		_, err = replica.ParseInfo(pinfo)
		require.NoError(t, err)
	}
}

// topLevel lists a dump db directory's entries and, for each type
// directory, which kinds of RocksDB files it has.
func topLevel(t *testing.T, dir string) []string {
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range ents {
		if !e.IsDir() {
			out = append(out, e.Name())
			continue
		}
		sub, err := os.ReadDir(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		kinds := map[string]bool{}
		for _, s := range sub {
			n := s.Name()
			switch {
			case strings.HasPrefix(n, "MANIFEST-"), strings.HasPrefix(n, "OPTIONS-"), n == "CURRENT":
				kinds[strings.SplitN(n, "-", 2)[0]] = true
			case strings.HasSuffix(n, ".sst"), strings.HasSuffix(n, ".log"):
			default:
				kinds["unexpected "+n] = true
			}
		}
		var ks []string
		for k := range kinds {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		out = append(out, e.Name()+"/"+strings.Join(ks, ","))
	}
	sort.Strings(out)
	return out
}
