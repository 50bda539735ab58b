package runner

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/pikaraft/pikaraft/jepsen-lite/checker"
	"github.com/pikaraft/pikaraft/jepsen-lite/history"
)

// Report is a run's outcome, written as results.json.
type Report struct {
	Status           checker.Status       `json:"status"`
	Valid            bool                 `json:"valid"`
	Command          string               `json:"command,omitempty"`
	Seed             uint64               `json:"seed"`
	Nodes            int                  `json:"nodes"`
	Workloads        []string             `json:"workloads"`
	Nemeses          []string             `json:"nemeses"`
	Concurrency      int                  `json:"concurrency"`
	UnsafeStaleReads bool                 `json:"unsafe_stale_reads,omitempty"`
	Started          time.Time            `json:"started"`
	ClientPhase      string               `json:"client_phase"`
	Duration         string               `json:"duration"`
	Ops              map[history.Type]int `json:"ops"`
	NemesisCounts    map[string]int       `json:"nemesis_counts"`
	Convergence      Convergence          `json:"convergence"`
	Results          []*checker.Result    `json:"results"`
	Notes            []string             `json:"notes,omitempty"`
}

// write saves history.edn, history.json, results.json and report.md.
func (r *Report) write(dir string, ops []history.Op) error {
	r.Valid = r.Status == checker.Valid
	f, err := os.Create(filepath.Join(dir, "history.edn"))
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	err = history.WriteEDN(f, ops)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	f, err = os.Create(filepath.Join(dir, "history.json"))
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	err = history.WriteJSON(f, ops)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), append(js, '\n'), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "report.md"), []byte(r.Markdown()), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// Summary is the one-screen text printed at the end of a run.
func (r *Report) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "jepsen-lite: %s\n", strings.ToUpper(string(r.Status)))
	fmt.Fprintf(&b, "  workloads %s, nemesis %s, %d nodes, %d clients, seed %d\n", strings.Join(r.Workloads, ","),
		orNone(r.Nemeses), r.Nodes, r.Concurrency, r.Seed)
	fmt.Fprintf(&b, "  client phase %s, total %s; completions: ok %d, fail %d, info %d\n", r.ClientPhase, r.Duration,
		r.Ops[history.OK], r.Ops[history.Fail], r.Ops[history.Info])
	fmt.Fprintf(&b, "  faults: %s\n", countsText(r.NemesisCounts))
	fmt.Fprintf(&b, "  convergence: ok=%v in %s %s\n", r.Convergence.OK, r.Convergence.Took, strings.Join(r.Convergence.Notes, "; "))
	for _, res := range r.Results {
		fmt.Fprintf(&b, "  %-12s %-8s %s\n", res.Workload, res.Status, fCounts(res))
		for i, a := range res.Anomalies {
			if i == 5 {
				fmt.Fprintf(&b, "      ... %d more in results.json\n", len(res.Anomalies)-5)
				break
			}
			fmt.Fprintf(&b, "      %s %s: %s\n", a.Kind, a.Key, a.Detail)
		}
		var viz []string
		for key := range res.Visualizations {
			viz = append(viz, key)
		}
		sort.Strings(viz)
		for i, key := range viz {
			if i == 3 {
				fmt.Fprintf(&b, "      ... %d more porcupine views in the report directory\n", len(viz)-3)
				break
			}
			fmt.Fprintf(&b, "      porcupine view of %s: %s\n", key, res.Visualizations[key])
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	return b.String()
}

// Markdown is report.md: the summary, every anomaly with its ops, and the
// checkers' notes.
func (r *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# jepsen-lite run: %s\n\n", r.Status)
	if r.Command != "" {
		fmt.Fprintf(&b, "```\n%s\n```\n\n", r.Command)
	}
	fmt.Fprintf(&b, "```\n%s```\n\n", r.Summary())
	fmt.Fprintf(&b, "| workload | status | ok | fail | info | anomalies |\n|---|---|---|---|---|---|\n")
	for _, res := range r.Results {
		var ok, fail, info int
		for _, m := range res.Counts {
			ok, fail, info = ok+m[history.OK], fail+m[history.Fail], info+m[history.Info]
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %d | %d |\n", res.Workload, res.Status, ok, fail, info, len(res.Anomalies))
	}
	for _, res := range r.Results {
		fmt.Fprintf(&b, "\n## %s\n\n", res.Workload)
		for _, n := range res.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
		for _, a := range res.Anomalies {
			fmt.Fprintf(&b, "\n### %s %s\n\n%s\n\n```\n", a.Kind, a.Key, a.Detail)
			for _, op := range a.Ops {
				fmt.Fprintln(&b, history.EDN(op))
			}
			b.WriteString("```\n")
		}
	}
	return b.String()
}

func countsText(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func fCounts(res *checker.Result) string {
	var fs []string
	for f := range res.Counts {
		fs = append(fs, f)
	}
	sort.Strings(fs)
	var parts []string
	for _, f := range fs {
		m := res.Counts[f]
		parts = append(parts, fmt.Sprintf("%s %d/%d/%d", f, m[history.OK], m[history.Fail], m[history.Info]))
	}
	return strings.Join(parts, "  ") + "  (ok/fail/info)"
}
