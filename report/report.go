// Package report renders every output of rdnsctl: tables (aligned on a
// terminal, tab-separated when piped), JSON and CSV (stable contracts:
// snake_case fields, addresses as strings, [] when empty) and unified diffs.
// It writes to an io.Writer and knows nothing of the command line.
package report

import (
	"bufio"
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
	bw := bufio.NewWriterSize(w, 64*1024)
	enc := json.NewEncoder(bw)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteCSV writes the header and rows as RFC 4180 CSV.
func WriteCSV(w io.Writer, r Rows) error {
	cw := NewCSVWriter(w, r.Header)
	for _, row := range r.Rows {
		cw.Row(row...)
	}
	return cw.Close()
}

// WriteTable writes rows aligned in columns on a terminal, and as
// tab-separated lines (header upper-cased, easy to cut and awk) when piped.
func WriteTable(w io.Writer, r Rows, tty bool) error {
	tw := NewTableWriter(w, r.Header, tty)
	for _, row := range r.Rows {
		tw.Row(row...)
	}
	return tw.Close()
}

// cellCleaner keeps a cell on its line and in its column.
var cellCleaner = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")

// TableWriter streams a table row by row: a report of a million changes is
// written without holding its rows. On a terminal the rows are aligned (and
// so held until Close).
type TableWriter struct {
	bw  *bufio.Writer
	tw  *tabwriter.Writer
	err error
}

// NewTableWriter starts a table with its header.
func NewTableWriter(w io.Writer, header []string, tty bool) *TableWriter {
	t := &TableWriter{bw: bufio.NewWriterSize(w, 64*1024)}
	if tty {
		t.tw = tabwriter.NewWriter(t.bw, 0, 4, 2, ' ', 0)
	}
	if len(header) > 0 {
		t.Row(upper(header)...)
	}
	return t
}

// Row writes one row.
func (t *TableWriter) Row(cells ...string) {
	var w io.Writer = t.bw
	if t.tw != nil {
		w = t.tw
	}
	for i, c := range cells {
		if i > 0 {
			io.WriteString(w, "\t")
		}
		if strings.ContainsAny(c, "\t\n\r") {
			c = cellCleaner.Replace(c)
		}
		io.WriteString(w, c)
	}
	_, err := io.WriteString(w, "\n")
	if err != nil && t.err == nil {
		t.err = err
	}
}

// Close flushes the table.
func (t *TableWriter) Close() error {
	if t.tw != nil {
		if err := t.tw.Flush(); err != nil && t.err == nil {
			t.err = err
		}
	}
	if err := t.bw.Flush(); err != nil && t.err == nil {
		t.err = err
	}
	return t.err
}

// CSVWriter streams CSV rows.
type CSVWriter struct {
	cw *csv.Writer
	bw *bufio.Writer
}

// NewCSVWriter starts a CSV report with its header.
func NewCSVWriter(w io.Writer, header []string) *CSVWriter {
	bw := bufio.NewWriterSize(w, 64*1024)
	c := &CSVWriter{cw: csv.NewWriter(bw), bw: bw}
	if len(header) > 0 {
		_ = c.cw.Write(header)
	}
	return c
}

// Row writes one row.
func (c *CSVWriter) Row(cells ...string) { _ = c.cw.Write(cells) }

// Close flushes the report.
func (c *CSVWriter) Close() error {
	c.cw.Flush()
	if err := c.cw.Error(); err != nil {
		return err
	}
	return c.bw.Flush()
}

// RowWriter is a streaming table or CSV report.
type RowWriter interface {
	Row(cells ...string)
	Close() error
}

// NewRowWriter streams rows in format f (Table or CSV).
func NewRowWriter(w io.Writer, f Format, tty bool, header []string) RowWriter {
	if f == CSV {
		return NewCSVWriter(w, header)
	}
	return NewTableWriter(w, header, tty)
}

func upper(h []string) []string {
	out := make([]string, len(h))
	for i, s := range h {
		out[i] = strings.ToUpper(s)
	}
	return out
}

// JSONList writes {"<key>": [items...], <rest>} with the items encoded one
// at a time, so that a list of a million entries is never held as one
// encoded buffer. rest holds the other top-level fields, in order.
func JSONList(w io.Writer, key string, n int, item func(i int) any, rest ...KV) error {
	bw := bufio.NewWriterSize(w, 64*1024)
	k, _ := json.Marshal(key)
	fmt.Fprintf(bw, "{\n  %s: [", k)
	for i := 0; i < n; i++ {
		b, err := json.MarshalIndent(item(i), "    ", "  ")
		if err != nil {
			return err
		}
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n    ")
		bw.Write(b)
	}
	if n > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteString("]")
	for _, kv := range rest {
		k, _ := json.Marshal(kv.Key)
		b, err := json.MarshalIndent(kv.Value, "  ", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintf(bw, ",\n  %s: %s", k, b)
	}
	bw.WriteString("\n}\n")
	return bw.Flush()
}

// KV is a top-level field for JSONList.
type KV struct {
	Key   string
	Value any
}
