// Package docs_test keeps docs/COMPATIBILITY.md true to the command table:
// the one table (command.Commands) that drives dispatch, arity checks,
// COMMAND output and the userblacklist also drives the documentation.
package docs_test

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	_ "github.com/pikaraft/pikaraft/resp" // registers the connection and server commands
	"github.com/pikaraft/pikaraft/resp/command"
)

const (
	compatDoc   = "COMPATIBILITY.md"
	tableBegin  = "<!-- command-table:begin"
	tableEnd    = "<!-- command-table:end"
	absentArity = "—"
)

// docRow is one command row of a family table: | `NAME` | pika | redis | pikaraft | notes |.
type docRow struct {
	line                  int
	name                  string // lower case
	pika, redis, pikaraft string // arity or "—"
	notes                 string
}

var rowName = regexp.MustCompile("^`([A-Za-z0-9_-]+)`$")

// parseCommandRows reads the rows between the command-table markers.
func parseCommandRows(t *testing.T, doc string) []docRow {
	t.Helper()
	lines := strings.Split(doc, "\n")
	var rows []docRow
	inside, sawEnd := false, false
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, tableBegin):
			inside = true
			continue
		case strings.HasPrefix(l, tableEnd):
			require.True(t, inside, "%s:%d: end marker before begin marker", compatDoc, i+1)
			inside, sawEnd = false, true
			continue
		}
		if !inside || !strings.HasPrefix(l, "| `") {
			continue
		}
		cells := strings.Split(l, "|")
		require.GreaterOrEqual(t, len(cells), 7, "%s:%d: a command row has five cells: %q", compatDoc, i+1, l)
		m := rowName.FindStringSubmatch(strings.TrimSpace(cells[1]))
		require.NotNil(t, m, "%s:%d: first cell must be `NAME`: %q", compatDoc, i+1, l)
		rows = append(rows, docRow{
			line:     i + 1,
			name:     strings.ToLower(m[1]),
			pika:     strings.TrimSpace(cells[2]),
			redis:    strings.TrimSpace(cells[3]),
			pikaraft: strings.TrimSpace(cells[4]),
			notes:    strings.TrimSpace(strings.Join(cells[5:len(cells)-1], "|")),
		})
	}
	require.True(t, sawEnd, "%s: command-table markers missing", compatDoc)
	return rows
}

// arityCell reports whether s is a valid arity column: an integer or "—".
func arityCell(s string) bool {
	if s == absentArity {
		return true
	}
	_, err := strconv.Atoi(s)
	return err == nil
}

// suggestedRow is the row to paste into the doc for a command of the table.
func suggestedRow(s *command.Spec) string {
	return fmt.Sprintf("| `%s` | <Pika 3.5.5 arity or —> | <Redis 7.0 arity or —> | %d | <differences> |",
		strings.ToUpper(s.Name), s.Arity)
}

// TestCompatibilityCommandTable fails when docs/COMPATIBILITY.md and the
// command table disagree: every registered command has exactly one row with
// its arity in the pikaraft column, and every row claiming a command that
// pikaraft lacks really is absent from the table.
func TestCompatibilityCommandTable(t *testing.T) {
	raw, err := os.ReadFile(compatDoc)
	require.NoError(t, err)
	rows := parseCommandRows(t, string(raw))
	require.NotEmpty(t, rows)

	var problems []string
	seen := map[string]int{}
	for _, r := range rows {
		if prev, dup := seen[r.name]; dup {
			problems = append(problems, fmt.Sprintf("line %d: %s listed again (first at line %d)", r.line, r.name, prev))
			continue
		}
		seen[r.name] = r.line
		for col, v := range map[string]string{"Pika 3.5.5": r.pika, "Redis 7.0": r.redis, "pikaraft": r.pikaraft} {
			if !arityCell(v) {
				problems = append(problems, fmt.Sprintf("line %d: %s: %s column must be an arity or %s, got %q", r.line, r.name, col, absentArity, v))
			}
		}
		spec, ok := command.Commands.Lookup([]byte(r.name))
		switch {
		case r.pikaraft == absentArity && ok:
			problems = append(problems, fmt.Sprintf("line %d: %s is implemented (arity %d) but the doc says it is not", r.line, r.name, spec.Arity))
		case r.pikaraft == absentArity && r.notes == "":
			problems = append(problems, fmt.Sprintf("line %d: %s is not implemented: the notes must say why or which issue brings it", r.line, r.name))
		case r.pikaraft != absentArity && !ok:
			problems = append(problems, fmt.Sprintf("line %d: the doc lists %s as implemented but the command table has no such command", r.line, r.name))
		case ok && r.pikaraft != strconv.Itoa(spec.Arity):
			problems = append(problems, fmt.Sprintf("line %d: %s has arity %d in the command table, the doc says %s", r.line, r.name, spec.Arity, r.pikaraft))
		}
		if r.pika == absentArity && r.redis == absentArity && r.pikaraft == absentArity {
			problems = append(problems, fmt.Sprintf("line %d: %s is in none of the three servers", r.line, r.name))
		}
	}
	var missing []string
	for _, s := range command.Commands.All() {
		if _, ok := seen[s.Name]; !ok {
			missing = append(missing, suggestedRow(s))
		}
	}
	if len(missing) > 0 {
		problems = append(problems, "commands of the table missing from the doc; add these rows to the right family table:\n"+
			strings.Join(missing, "\n"))
	}
	if len(problems) > 0 {
		require.FailNow(t, "docs/"+compatDoc+" disagrees with the command table", strings.Join(problems, "\n"))
	}
}

// TestParseCommandRows checks the parser on a hand-written table, so a
// broken parser cannot make the real check pass vacuously.
func TestParseCommandRows(t *testing.T) {
	doc := "intro\n| `IGNORED` | 1 | 1 | 1 | before the marker |\n" +
		tableBegin + " -->\n" +
		"| Command | Pika 3.5.5 | Redis 7.0 | pikaraft | Notes |\n| --- | --- | --- | --- | --- |\n" +
		"| `GET` | 2 | 2 | 2 |  |\n" +
		"| `KEYS` | -2 | 2 | -2 | `KEYS pattern [string\\|hash]` |\n" +
		"| `SLOTSDEL` | -2 | — | — | Not planned. |\n" +
		tableEnd + " -->\n| `AFTER` | 1 | 1 | 1 | after |\n"
	rows := parseCommandRows(t, doc)
	require.Len(t, rows, 3)
	require.Equal(t, docRow{line: 6, name: "get", pika: "2", redis: "2", pikaraft: "2"}, rows[0])
	require.Equal(t, "keys", rows[1].name)
	require.Equal(t, "-2", rows[1].pikaraft)
	require.Equal(t, "`KEYS pattern [string\\|hash]`", rows[1].notes)
	require.Equal(t, docRow{line: 8, name: "slotsdel", pika: "-2", redis: "—", pikaraft: "—", notes: "Not planned."}, rows[2])
	require.True(t, arityCell("-4"))
	require.True(t, arityCell(absentArity))
	require.False(t, arityCell("yes"))
}
