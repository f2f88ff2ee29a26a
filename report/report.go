// Package report renders every output of rdnsctl: tables (aligned on a
// terminal, tab-separated when piped), JSON and CSV (stable contracts:
// snake_case fields, addresses as strings, [] when empty) and unified diffs.
// It writes to an io.Writer and knows nothing of the command line.
package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Format is an output format.
type Format string

const (
	Table Format = "table"
	JSON  Format = "json"
	CSV   Format = "csv"
)

// ParseFormat reads --output.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case Table, JSON, CSV:
		return f, nil
	case "":
		return Table, nil
	}
	return "", fmt.Errorf("unknown output format %q (want table, json or csv)", s)
}

// Rows is tabular data: the table and CSV forms of a report.
type Rows struct {
	Header []string
	Rows   [][]string
}

// Add appends a row.
func (r *Rows) Add(cells ...string) { r.Rows = append(r.Rows, cells) }

// Render writes the report in format f: v as JSON, or rows as a table or CSV.
// tty says whether w is a terminal (tables are aligned only there).
func Render(w io.Writer, f Format, tty bool, v any, rows Rows) error {
	switch f {
	case JSON:
		return WriteJSON(w, v)
	case CSV:
		return WriteCSV(w, rows)
	}
	return WriteTable(w, rows, tty)
}

// WriteJSON writes v as indented JSON with a final newline.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// WriteCSV writes the header and rows as RFC 4180 CSV.
func WriteCSV(w io.Writer, r Rows) error {
	cw := csv.NewWriter(w)
	if len(r.Header) > 0 {
		if err := cw.Write(r.Header); err != nil {
			return err
		}
	}
	for _, row := range r.Rows {
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteTable writes rows aligned in columns on a terminal, and as
// tab-separated lines (header upper-cased, easy to cut and awk) when piped.
func WriteTable(w io.Writer, r Rows, tty bool) error {
	if !tty {
		var b strings.Builder
		write := func(cells []string) {
			for i, c := range cells {
				if i > 0 {
					b.WriteByte('\t')
				}
				b.WriteString(strings.NewReplacer("\t", " ", "\n", " ").Replace(c))
			}
			b.WriteByte('\n')
		}
		if len(r.Header) > 0 {
			write(upper(r.Header))
		}
		for _, row := range r.Rows {
			write(row)
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(r.Header) > 0 {
		fmt.Fprintln(tw, strings.Join(upper(r.Header), "\t"))
	}
	for _, row := range r.Rows {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

func upper(h []string) []string {
	out := make([]string, len(h))
	for i, s := range h {
		out[i] = strings.ToUpper(s)
	}
	return out
}
