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

// Options say how a report is printed.
type Options struct {
	Format Format
	// TTY says whether the writer is a terminal: tables are aligned only
	// there, and tab-separated when piped.
	TTY bool
	// NoHeaders leaves out the header line of tables and CSV (--no-headers).
	NoHeaders bool
}

// Printer writes reports to W with its options: the one way cmd prints
// data.
type Printer struct {
	W io.Writer
	Options
}

// Render writes the report: v as JSON, or rows as a table or CSV.
func (p Printer) Render(v any, rows Rows) error {
	if p.Format == JSON {
		return WriteJSON(p.W, v)
	}
	w := p.Rows(rows.Header)
	for _, r := range rows.Rows {
		w.Row(r...)
	}
	return w.Close()
}

// Table writes rows as a table, whatever the format (for the summary tables
// of a table report).
func (p Printer) Table(rows Rows) error {
	q := p
	q.Format = Table
	return q.Render(nil, rows)
}

// Rows streams a table or CSV report (CSV when the format is CSV).
func (p Printer) Rows(header []string) RowWriter {
	if p.NoHeaders {
		header = nil
	}
	if p.Format == CSV {
		return NewCSVWriter(p.W, header)
	}
	return NewTableWriter(p.W, header, p.TTY)
}

// Render writes the report in format f: v as JSON, or rows as a table or CSV.
// tty says whether w is a terminal (tables are aligned only there).
func Render(w io.Writer, f Format, tty bool, v any, rows Rows) error {
	return Printer{W: w, Options: Options{Format: f, TTY: tty}}.Render(v, rows)
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
	return Printer{W: w, Options: Options{Format: CSV}}.Render(nil, r)
}

// WriteTable writes rows aligned in columns on a terminal, and as
// tab-separated lines (header upper-cased, easy to cut and awk) when piped.
func WriteTable(w io.Writer, r Rows, tty bool) error {
	return Printer{W: w, Options: Options{Format: Table, TTY: tty}}.Render(nil, r)
}

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
		io.WriteString(w, Text(c)) // on its line, in its column, no terminal control
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
	cw   *csv.Writer
	bw   *bufio.Writer
	safe []string
}

// NewCSVWriter starts a CSV report with its header.
func NewCSVWriter(w io.Writer, header []string) *CSVWriter {
	bw := bufio.NewWriterSize(w, 64*1024)
	c := &CSVWriter{cw: csv.NewWriter(bw), bw: bw}
	if len(header) > 0 {
		c.Row(header...)
	}
	return c
}

// Row writes one row, every cell neutralised by CSVCell.
func (c *CSVWriter) Row(cells ...string) {
	c.safe = c.safe[:0]
	for _, x := range cells {
		c.safe = append(c.safe, CSVCell(x))
	}
	_ = c.cw.Write(c.safe)
}

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
	return Printer{W: w, Options: Options{Format: f, TTY: tty}}.Rows(header)
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
