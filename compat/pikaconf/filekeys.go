package pikaconf

// FileKeys returns the keys the configuration file sets (lower case, in
// file order, each once): start-up logs those pikaraft does not use.
func (c *Config) FileKeys() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	seen := map[string]bool{}
	var out []string
	for _, l := range c.lines {
		if l.key != "" && !seen[l.key] {
			seen[l.key] = true
			out = append(out, l.key)
		}
	}
	return out
}
