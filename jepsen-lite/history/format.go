package history

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteEDN writes the history as one EDN map per line, in the style of
// Jepsen's history.edn:
//
//	{:index 4, :type :ok, :process 2, :f :read, :key "r:0:1", :value 17, :node 1, :time 123456}
func WriteEDN(w io.Writer, ops []Op) error {
	bw := bufio.NewWriter(w)
	for _, op := range ops {
		if _, err := bw.WriteString(EDN(op) + "\n"); err != nil {
			return fmt.Errorf("write history: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write history: %w", err)
	}
	return nil
}

// EDN formats one entry as an EDN map.
func EDN(op Op) string {
	var b strings.Builder
	proc := strconv.Itoa(op.Process)
	if op.Process == NemesisProcess {
		proc = ":nemesis"
	}
	fmt.Fprintf(&b, "{:index %d, :type :%s, :process %s", op.Index, op.Type, proc)
	if op.Workload != "" {
		fmt.Fprintf(&b, ", :workload :%s", op.Workload)
	}
	fmt.Fprintf(&b, ", :f :%s", op.F)
	if op.Key != "" {
		fmt.Fprintf(&b, ", :key %q", op.Key)
	}
	switch {
	case op.Transfer != nil:
		fmt.Fprintf(&b, ", :value {:from %d, :to %d, :amount %d}", op.Transfer.From, op.Transfer.To, op.Transfer.Amount)
	case op.Values != nil:
		b.WriteString(", :value [")
		for i, v := range op.Values {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strconv.FormatInt(v, 10))
		}
		b.WriteByte(']')
	case op.Nil || ((strings.HasPrefix(op.F, "read") || op.F == "final-read" || op.F == "incr") && op.Type != OK):
		b.WriteString(", :value nil")
	case op.Process != NemesisProcess:
		fmt.Fprintf(&b, ", :value %d", op.Value)
	}
	if op.Node >= 0 && op.Process != NemesisProcess {
		fmt.Fprintf(&b, ", :node %d", op.Node)
	}
	fmt.Fprintf(&b, ", :time %d", op.Time)
	if op.Error != "" {
		fmt.Fprintf(&b, ", :error %q", op.Error)
	}
	b.WriteByte('}')
	return b.String()
}

// WriteJSON writes the history as a JSON array.
func WriteJSON(w io.Writer, ops []Op) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	if err := enc.Encode(ops); err != nil {
		return fmt.Errorf("write history json: %w", err)
	}
	return nil
}

// ReadJSON reads a history written by WriteJSON.
func ReadJSON(r io.Reader) ([]Op, error) {
	var ops []Op
	if err := json.NewDecoder(r).Decode(&ops); err != nil {
		return nil, fmt.Errorf("read history json: %w", err)
	}
	return ops, nil
}
