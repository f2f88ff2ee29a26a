package cmd

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rdnsctl/rdnsctl/apply"
	"github.com/rdnsctl/rdnsctl/plan"
	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/report"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// changeFlags are the flags every changing verb shares.
type changeFlags struct {
	write           bool
	showDiff        bool
	diffFile        string
	maxChange       float64
	force           bool
	expectNoChanges bool
	ticket          string
	operator        string
	lockTimeout     time.Duration
	// describe, when set, is the one-line summary of a single change
	// (set), said in place of the counts.
	describe string
	// rejected, when not nil, are the input events that could not be
	// planned (apply-events): listed in -o json.
	rejected []report.Rejected
	// afterWrite, when set, runs with --write once the plan is written or
	// found empty (not when it is refused), with the plan's files: what the
	// verb writes beside the zones (transfer delegate --dynamic-key: the
	// customer's key file and its grants).
	afterWrite func(targets []apply.Target) error
	// extra, when set, gives more members of the -o json document, read
	// after the write.
	extra func() []report.KV
}

const changeHelp = `
Without --write nothing is written: the command prints the plan (a summary, the
changes, and with --show-diff or --diff FILE the unified diff of every zone file
that would change). With --write the plan is applied: all zones or none, SOA
serials bumped once per zone, each file written atomically, every change appended
to the change journal. Running the same command again changes nothing.`

func (a *App) addChangeFlags(c *cobra.Command, f *changeFlags) {
	fl := c.Flags()
	fl.BoolVar(&f.write, "write", false, "apply the plan (default: preview only)")
	fl.BoolVar(&f.showDiff, "show-diff", false, "print the unified diff of every zone file that would change on stdout")
	fl.StringVar(&f.diffFile, "diff", "", "write the unified diff to FILE")
	fl.Float64Var(&f.maxChange, "max-change", 30, "refuse a plan that deletes or replaces more than this percentage of the PTRs of a zone holding 10 or more")
	fl.BoolVar(&f.force, "force", false, "apply a plan over --max-change (transfer delegate: also delegate an IPv6 prefix over the parent's explicit PTRs below it)")
	fl.BoolVar(&f.expectNoChanges, "expect-no-changes", false, "exit 1 when the plan is not empty (for CI: assert the zones already match policy)")
	fl.StringVar(&f.ticket, "ticket", "", "ticket ID recorded in the change journal")
	fl.StringVar(&f.operator, "operator", "", "operator recorded in the change journal (default: config operator, else $SUDO_USER, else $USER, else the login name)")
	fl.DurationVar(&f.lockTimeout, "lock-timeout", 30*time.Second, "how long to wait for another writer's lock on the zones (config lock_timeout)")
}

// planTemplate is the zone template for new zones, from the config.
func (a *App) planTemplate() *plan.ZoneTemplate {
	t := a.cfg.ZoneTemplate
	if !t.IsSet() {
		return nil
	}
	return &plan.ZoneTemplate{TTL: t.TTL, MName: t.MName, RName: t.RName, Refresh: t.Refresh, Retry: t.Retry,
		Expire: t.Expire, Minimum: t.Minimum, NS: t.NS}
}

// changeReport is the JSON contract of every changing verb.
type changeReport struct {
	Changes []rdns.Change `json:"changes"`
	Summary changeSummary `json:"summary"`
}

type changeSummary struct {
	rdns.Summary
	Files   int  `json:"files"`
	Written bool `json:"written"`
}

// runPlan is the one path from change set to preview or write.
func (a *App) runPlan(s *zoneset.Set, cs rdns.ChangeSet, unchanged int, f *changeFlags, retire ...string) error {
	return a.runPlanWith(s, cs, unchanged, f, nil, retire)
}

// runPlanWith is runPlan with extra new files written alongside.
func (a *App) runPlanWith(s *zoneset.Set, cs rdns.ChangeSet, unchanged int, f *changeFlags, extra []plan.File, retire []string) error {
	e, err := a.engine(f)
	if err != nil {
		return err
	}
	req := apply.Request{Changes: cs, Retire: retire}
	for _, x := range extra {
		req.Extra = append(req.Extra, apply.ExtraFile{Zone: x.Zone, Path: x.Path, Data: x.New})
	}
	opt := apply.Options{MinPTRs: 10, Force: f.force}
	if f.maxChange > 0 {
		opt.MaxShare = f.maxChange / 100
	}
	p, err := e.Plan(a.context(), s, req, opt)
	if err != nil {
		return a.engineError(err)
	}
	cs = p.Changes
	targets := p.Write.Targets()
	sum := changeSummary{Summary: cs.Summarize(), Files: len(targets)}
	sum.Unchanged = unchanged
	if f.diffFile != "" || f.showDiff {
		var buf bytes.Buffer
		if err := p.Write.Diff(&buf); err != nil {
			return err
		}
		if f.diffFile != "" {
			if err := openDiffFile(f.diffFile, buf.Bytes()); err != nil {
				return err
			}
		}
		if f.showDiff && a.cfg.Output == "table" {
			if _, err := a.IO.Out.Write(buf.Bytes()); err != nil {
				return err
			}
		}
	}
	// named.conf serves only the zones it names: a new zone file needs its
	// zone statement (rdnsctl does not edit named.conf)
	if a.cfg.NamedConf != "" {
		for _, t := range targets {
			if t.Created {
				a.warn(fmt.Sprintf("new zone %s in %s is not in %s: add zone %q { type primary; file %q; }; for BIND to serve it",
					t.Zone, t.Path, a.cfg.NamedConf, strings.TrimSuffix(t.Zone, "."), t.Path))
			}
		}
	}
	// a write into a zone that is claimed twice, read-only, or not loaded
	// is refused (exit 2, nothing written); the preview still shows the
	// plan, and why
	if p.Blocked != nil {
		if f.write {
			return &usageError{p.Blocked}
		}
		a.warn(p.Blocked)
	}
	// the guard refuses the write, never the preview: the plan is shown
	// with the reason the write would be refused
	var refused error
	if f.write && !p.Empty() {
		if p.Refusal != nil {
			refused = a.engineError(p.Refusal)
		} else {
			if _, err := a.commit(p, f); err != nil {
				return err
			}
			sum.Written = true
		}
	}
	if f.write && f.afterWrite != nil && (p.Empty() || sum.Written) {
		if err := f.afterWrite(targets); err != nil {
			return err
		}
	}
	var more []report.KV
	if f.extra != nil {
		more = f.extra()
	}
	if err := a.renderChanges(cs, sum, f.showDiff, f.rejected, more...); err != nil {
		return err
	}
	if refused != nil {
		return refused
	}
	if p.Refusal != nil && !p.Empty() {
		a.warn(fmt.Sprintf("--write would be refused: %v\n(give --force to go ahead, or raise --max-change)", p.Refusal))
	}
	files := len(targets)
	prefix := ""
	if f.describe != "" {
		prefix = f.describe + "; "
	}
	switch {
	case p.Empty():
		a.info("%sno changes: the zones already match", prefix)
	case sum.Written:
		a.info("%swrote %d file(s) in %d zone(s): %d added, %d replaced, %d deleted", prefix, files, sum.Zones, sum.Added, sum.Replaced, sum.Deleted)
	default:
		a.info("%splan: %d zone(s), %d file(s): %d added, %d replaced, %d deleted, %d unchanged. Nothing written; run again with --write to apply.",
			prefix, sum.Zones, files, sum.Added, sum.Replaced, sum.Deleted, sum.Unchanged)
	}
	if a.reloadErr != nil {
		return &usageError{a.reloadErr}
	}
	if f.expectNoChanges && !p.Empty() && !sum.Written {
		return errFindings
	}
	return nil
}

// renderChanges prints the plan; rejected, when not nil (apply-events),
// lists the input events that could not be planned; extra are more members
// of the JSON document.
func (a *App) renderChanges(cs rdns.ChangeSet, sum changeSummary, diffShown bool, rejected []report.Rejected, extra ...report.KV) error {
	f := report.Format(a.cfg.Output)
	if f == report.JSON {
		rest := []report.KV{{Key: "summary", Value: sum}}
		if rejected != nil {
			rest = append(rest, report.KV{Key: "rejected", Value: rejected})
		}
		rest = append(rest, extra...)
		return report.JSONList(a.IO.Out, "changes", len(cs.Changes), func(i int) any { return report.ChangeDoc(&cs.Changes[i]) }, rest...)
	}
	if diffShown && f == report.Table {
		return nil // the diff was the output
	}
	w := a.printer().Rows(report.ChangeHeader)
	for i := range cs.Changes {
		w.Row(report.ChangeRow(&cs.Changes[i])...)
	}
	return w.Close()
}

// firstZoneDir is where new zone files go: the first configured zones
// directory (or the directory of the first zone file), else named.conf's
// directory.
func (a *App) firstZoneDir() string {
	for _, z := range a.cfg.Zones {
		if st, err := os.Stat(z.Path); err == nil && st.IsDir() {
			return z.Path
		}
	}
	if len(a.cfg.Zones) > 0 {
		return filepath.Dir(a.cfg.Zones[0].Path)
	}
	if a.cfg.NamedConf != "" {
		if nc, err := a.namedConf(); err == nil {
			return nc.Directory
		}
	}
	return "."
}

// newZoneFile names the file of a new zone in the first zones directory:
// the config's new_zone_file pattern, else the house style of the files
// already there (db.198.51.100 beside db.* files, ORIGIN.zone beside
// *.zone files).
func (a *App) newZoneFile(s *zoneset.Set, origin string) string {
	dir := a.firstZoneDir()
	p, err := s.NewFileName(dir, origin, a.cfg.NewZoneFile)
	if err != nil { // the pattern was checked with the config
		return filepath.Join(dir, strings.ReplaceAll(strings.TrimSuffix(origin, "."), "/", "-")+".zone")
	}
	return p
}

func itoa(n int) string { return strconv.Itoa(n) }
