// Package pikaconf reads and writes Pika's configuration file (pika.conf:
// `key : value` lines, `#` comments) and serves it to CONFIG GET, SET and
// REWRITE. Unknown keys are kept as they are; known keys are validated.
// pikaraft's Raft settings are extra keys in the same file.
package pikaconf

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/pikaraft/pikaraft/engine"
)

// line is one line of the file: a key/value pair, or text kept verbatim
// (comments, blank lines).
type line struct {
	key  string // lower-case; "" for verbatim text
	sep  string // the text between key and value as written ("key : ")
	text string // verbatim text, or the original key spelling
}

// Config is a parsed configuration. It is safe for concurrent use and
// implements resp.ConfigStore.
type Config struct {
	mu     sync.RWMutex
	path   string            // file to rewrite ("" without one)
	lines  []line            // the file as read, for REWRITE
	values map[string]string // current values by lower-case key
	extra  []string          // unknown keys in file order
	watch  []func(key, value string)
}

// New returns a configuration holding only the defaults, with no file.
func New() *Config {
	c := &Config{values: map[string]string{}}
	for _, p := range params {
		c.values[p.name] = p.def
	}
	return c
}

// Load reads the file at path.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	c, err := Parse(f, path)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c.path = abs
	return c, nil
}

// Parse reads a configuration in Pika's format; name labels errors. Each
// non-comment line is `key : value` (the value may be empty or contain
// ':'); a line without ':' is an error naming its line number, as is an
// invalid value for a known key.
func Parse(r io.Reader, name string) (*Config, error) {
	c := New()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for no := 1; sc.Scan(); no++ {
		raw := strings.TrimRight(sc.Text(), "\r")
		t := strings.TrimSpace(raw)
		if t == "" || strings.HasPrefix(t, "#") {
			c.lines = append(c.lines, line{text: raw})
			continue
		}
		i := strings.IndexByte(t, ':')
		if i < 0 {
			return nil, fmt.Errorf("config %s line %d: %q is not `key : value`", name, no, t)
		}
		key := strings.TrimSpace(t[:i])
		if key == "" || strings.ContainsAny(key, " \t") {
			return nil, fmt.Errorf("config %s line %d: bad key %q", name, no, key)
		}
		rest := t[i+1:]
		value := strings.TrimSpace(rest)
		sep := t[len(key) : i+1+len(rest)-len(strings.TrimLeft(rest, " \t"))]
		lk := strings.ToLower(key)
		if p, ok := paramIndex[lk]; ok {
			v, err := p.normalizeFile(value)
			if err != nil {
				return nil, fmt.Errorf("config %s line %d: %s: %v", name, no, key, err)
			}
			value = v
		} else if _, seen := c.values[lk]; !seen {
			c.extra = append(c.extra, lk)
		}
		c.values[lk] = value
		c.lines = append(c.lines, line{key: lk, sep: sep, text: key})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("config %s: %w", name, err)
	}
	return c, nil
}

// normalizeFile validates a value read from a file. Files may leave a
// numeric key empty (Pika then keeps the default).
func (p *param) normalizeFile(value string) (string, error) {
	if value == "" && p.kind != kString {
		return p.def, nil
	}
	return p.normalize(value)
}

// Path returns the file the configuration was loaded from ("" for none).
func (c *Config) Path() string { return c.path }

// Value returns the current value of key (case-insensitive).
func (c *Config) Value(key string) (string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	v, ok := c.values[strings.ToLower(key)]
	return v, ok
}

// String returns key's value, or "" if unset.
func (c *Config) String(key string) string {
	v, _ := c.Value(key)
	return v
}

// Int returns key's value as an integer (k/m/g suffixes allowed), or def if
// unset or not a number.
func (c *Config) Int(key string, def int64) int64 {
	v, ok := c.Value(key)
	if !ok || v == "" {
		return def
	}
	n, err := parseHumanInt(v)
	if err != nil {
		return def
	}
	return n
}

// Bool reports whether key is "yes" or "true".
func (c *Config) Bool(key string) bool {
	v := strings.ToLower(c.String(key))
	return v == "yes" || v == "true"
}

// IsSet reports whether the file (or CONFIG SET) gave key a value, as
// opposed to the built-in default.
func (c *Config) IsSet(key string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	lk := strings.ToLower(key)
	for _, l := range c.lines {
		if l.key == lk {
			return true
		}
	}
	return false
}

// SetDefault changes the value a key has when the file does not set it
// (the server fills in paths under its data directory). A value from the
// file wins.
func (c *Config) SetDefault(key, value string) {
	if c.IsSet(key) {
		return
	}
	c.mu.Lock()
	c.values[strings.ToLower(key)] = value
	c.mu.Unlock()
}

// Override sets key from the command line: it wins over the file and is
// validated like a file value. Rewrite does not add it to the file (a key
// the file already has is written with its running value, as Redis does).
func (c *Config) Override(key, value string) error {
	lk := strings.ToLower(key)
	if p, ok := paramIndex[lk]; ok {
		v, err := p.normalize(value)
		if err != nil {
			return fmt.Errorf("%s: %v", lk, err)
		}
		value = v
	}
	c.mu.Lock()
	c.values[lk] = value
	c.mu.Unlock()
	return nil
}

// OnChange registers fn to be called after every successful Set.
func (c *Config) OnChange(fn func(key, value string)) {
	c.mu.Lock()
	c.watch = append(c.watch, fn)
	c.mu.Unlock()
}

// Get returns the name/value pairs of every parameter whose name matches
// the glob pattern (case-insensitive), known ones in Pika's order first,
// then unknown keys from the file. Redis-only parameters are listed only
// when the pattern is exactly their name (CONFIG GET * prints Pika's list).
func (c *Config) Get(pattern string) [][2]string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	pat := []byte(strings.ToLower(pattern))
	var out [][2]string
	for _, p := range params {
		if p.hidden && string(pat) != p.name {
			continue
		}
		if engine.GlobMatch(pat, []byte(p.name), true) {
			out = append(out, [2]string{p.name, c.values[p.name]})
		}
	}
	for _, k := range c.extra {
		if engine.GlobMatch(pat, []byte(k), true) {
			out = append(out, [2]string{k, c.values[k]})
		}
	}
	return out
}

// Set changes one parameter at run time. Unknown and immutable parameters
// and invalid values are refused with Redis' error wording.
func (c *Config) Set(name, value string) error {
	lk := strings.ToLower(name)
	p, ok := paramIndex[lk]
	if !ok {
		return fmt.Errorf("ERR Unknown option or number of arguments for CONFIG SET - '%s'", name)
	}
	if p.immutable {
		return fmt.Errorf("ERR CONFIG SET failed (possibly related to argument '%s') - can't set immutable config", lk)
	}
	v, err := p.normalize(value)
	if err != nil {
		return fmt.Errorf("ERR CONFIG SET failed (possibly related to argument '%s') - %v", lk, err)
	}
	c.mu.Lock()
	c.values[lk] = v
	found := false
	for _, l := range c.lines {
		found = found || l.key == lk
	}
	if !found {
		c.lines = append(c.lines, line{key: lk, sep: " : ", text: lk})
	}
	watch := append([]func(string, string){}, c.watch...)
	c.mu.Unlock()
	for _, fn := range watch {
		fn(lk, v)
	}
	return nil
}

// Rewrite writes the current values back to the file: every line keeps its
// place, comments and spelling, keys set at run time but absent from the
// file are appended. The file is replaced atomically.
func (c *Config) Rewrite() error {
	c.mu.RLock()
	if c.path == "" {
		c.mu.RUnlock()
		return fmt.Errorf("ERR The server is running without a config file")
	}
	var b strings.Builder
	written := map[string]bool{}
	for _, l := range c.lines {
		if l.key == "" {
			b.WriteString(l.text)
			b.WriteByte('\n')
			continue
		}
		if written[l.key] { // a key repeated in the file: the last value won; write it once
			continue
		}
		written[l.key] = true
		sep, v := l.sep, c.values[l.key]
		if v != "" && !strings.HasSuffix(sep, " ") {
			sep += " "
		}
		fmt.Fprintf(&b, "%s%s%s\n", l.text, sep, v)
	}
	path := c.path
	c.mu.RUnlock()
	return writeAtomic(path, []byte(b.String()))
}

func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp-" + strconv.Itoa(os.Getpid())
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("ERR Rewriting config file: %v", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("ERR Rewriting config file: %v", err)
	}
	return nil
}
