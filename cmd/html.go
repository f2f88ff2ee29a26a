package cmd

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rdnsctl/rdnsctl/audit"
	"github.com/rdnsctl/rdnsctl/fcrdns"
	"github.com/rdnsctl/rdnsctl/ipam"
	"github.com/rdnsctl/rdnsctl/report"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// htmlVerbs are the commands that write the HTML report (-o html, --html).
var htmlVerbs = map[string]bool{"audit": true, "fcrdns": true}

// checkOutputFor refuses -o html on a command that has no HTML report.
func (a *App) checkOutputFor(c *cobra.Command) error {
	if a.cfg != nil && a.cfg.Output == string(report.HTML) && !htmlVerbs[c.Name()] {
		return usageErrorf("--output html: only audit and fcrdns write an HTML report")
	}
	return nil
}

// htmlRun is the HTML side of one audit or fcrdns run.
type htmlRun struct {
	file   string // --html FILE
	fcrdns string // audit --fcrdns RESULTS.json
	start  time.Time
	set    *zoneset.Set
	exp    *ipam.Export
	status int
}

func (a *App) addHTMLFlags(c *cobra.Command, h *htmlRun, withFCrDNS bool) {
	c.Flags().StringVar(&h.file, "html", "", "also write the HTML report to FILE (beside any -o)")
	if withFCrDNS {
		c.Flags().StringVar(&h.fcrdns, "fcrdns", "", "lay the verdicts of an `fcrdns -o json` run (FILE) over the HTML report's map")
	}
}

// wanted says whether this run writes an HTML report.
func (h *htmlRun) wanted(a *App) bool { return a.cfg.Output == string(report.HTML) || h.file != "" }

// readFCrDNS reads the results of `fcrdns -o json`.
func readFCrDNS(path string) (*fcrdnsReport, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, inputError(fmt.Errorf("--fcrdns: %w", err))
	}
	var r fcrdnsReport
	if err := json.Unmarshal(b, &r); err != nil {
		line := 1
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		off := int64(-1)
		switch {
		case errors.As(err, &se):
			off = se.Offset
		case errors.As(err, &te):
			off = te.Offset
		}
		if off > 0 && off <= int64(len(b)) {
			line += bytes.Count(b[:off], []byte("\n"))
		}
		return nil, inputError(fmt.Errorf("%s:%d: not the JSON of `rdnsctl fcrdns -o json`: %v", path, line, err))
	}
	if r.Results == nil {
		return nil, inputError(fmt.Errorf("%s:1: no \"results\" list: not the JSON of `rdnsctl fcrdns -o json`", path))
	}
	return &r, nil
}

// inputs lists what the run read, for the report's summary.
func (a *App) htmlInputs(h *htmlRun) []report.HTMLInput {
	var out []report.HTMLInput
	if h.set != nil {
		var paths []string
		for _, z := range a.cfg.Zones {
			paths = append(paths, z.Path)
		}
		n, ptrs := 0, 0
		for _, z := range h.set.Zones {
			if z.Reverse {
				n++
				ptrs += z.Count()
			}
		}
		out = append(out, report.HTMLInput{Kind: "zones", Path: strings.Join(paths, ", "), Detail: fmt.Sprintf("%d reverse zones, %d PTRs", n, ptrs)})
	}
	if h.exp != nil {
		for _, src := range h.exp.Sources {
			d := fmt.Sprintf("%s, %d rows", src.Format, src.Records)
			if src.PrefixExport {
				d = fmt.Sprintf("%s, %d prefixes", src.Format, src.PrefixRecords)
			}
			if st, err := os.Stat(src.File); err == nil && src.File != "stdin" {
				d += ", modified " + st.ModTime().UTC().Format("2006-01-02 15:04 UTC")
			}
			out = append(out, report.HTMLInput{Kind: "ipam", Path: src.File, Detail: d})
		}
	}
	if h.fcrdns != "" {
		d := ""
		if st, err := os.Stat(h.fcrdns); err == nil {
			d = "modified " + st.ModTime().UTC().Format("2006-01-02 15:04 UTC")
		}
		out = append(out, report.HTMLInput{Kind: "fcrdns", Path: h.fcrdns, Detail: d})
	}
	return out
}

// writeHTML writes the report to stdout (-o html) and to --html FILE.
func (a *App) writeHTML(h *htmlRun, r *report.HTMLReport) error {
	r.Generated = a.Now()
	r.Elapsed = a.Now().Sub(h.start)
	r.Version = Version
	r.ExitStatus = h.status
	r.Command = strings.Join(append([]string{"rdnsctl"}, a.Args[min(1, len(a.Args)):]...), " ")
	if a.cfg.Output == string(report.HTML) {
		if err := report.WriteHTML(a.IO.Out, r); err != nil {
			return err
		}
	}
	if h.file != "" {
		return writeFileAtomic(h.file, func(w io.Writer) error { return report.WriteHTML(w, r) })
	}
	return nil
}

// writeFileAtomic writes path through a temporary file in its directory,
// fsync and rename: a reader sees the old report or the new one.
func writeFileAtomic(path string, fill func(io.Writer) error) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return inputError(fmt.Errorf("--html: %w", err))
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after the rename there is nothing to remove
	if err := fill(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return inputError(fmt.Errorf("--html: %w", err))
	}
	return nil
}

// fcrdnsSummaryOf summarises verdicts read back from a file.
func fcrdnsSummaryOf(r *fcrdnsReport) *fcrdns.Summary {
	s := fcrdns.Summarize(r.Results)
	return &s
}

// auditHTML writes the HTML report of an audit; doc and rows are what -o
// json and -o table/csv print for the same run.
func (a *App) auditHTML(res *audit.Result, h *htmlRun, doc any, rows report.Rows) error {
	in := report.MapInput{Set: h.set, Export: h.exp, Defaults: a.cfg.Defaults, Findings: res.Findings}
	r := &report.HTMLReport{
		Kind:     "audit",
		JSON:     func(w io.Writer) error { return report.Render(w, report.JSON, false, doc, rows) },
		Findings: res.Findings,
		Summary:  res.Summary(),
		Rows:     rows,
	}
	if h.fcrdns != "" {
		fr, err := readFCrDNS(h.fcrdns)
		if err != nil {
			return err
		}
		in.FCrDNS = fr.Results
		r.FCrDNS = fr.Results
		r.FCrDNSSummary = fcrdnsSummaryOf(fr)
	}
	r.Inputs = a.htmlInputs(h)
	r.Map = report.BuildMap(in)
	return a.writeHTML(h, r)
}

// fcrdnsHTML writes the HTML report of an fcrdns run: the map of the checked
// addresses painted by verdict; the table lists the checks that did not pass.
func (a *App) fcrdnsHTML(results []fcrdns.Result, sum fcrdns.Summary, h *htmlRun, doc any, rows report.Rows) error {
	vc := slices.Index(rows.Header, "verdict")
	table := report.Rows{Header: rows.Header}
	for _, row := range rows.Rows {
		if vc < 0 || row[vc] != string(fcrdns.Pass) {
			table.Rows = append(table.Rows, row)
		}
	}
	r := &report.HTMLReport{
		Kind:          "fcrdns",
		JSON:          func(w io.Writer) error { return report.Render(w, report.JSON, false, doc, rows) },
		Rows:          table,
		FCrDNS:        results,
		FCrDNSSummary: &sum,
	}
	r.Inputs = a.htmlInputs(h)
	r.Map = report.BuildMap(report.MapInput{Set: h.set, FCrDNS: results, FCrDNSOnly: true})
	return a.writeHTML(h, r)
}
