package cmd

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rdnsctl/rdnsctl/report"
	"github.com/rdnsctl/rdnsctl/zonecheck"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

func (a *App) newZonesCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "zones",
		Short: "List the loaded zones: origin, covered prefix, type, PTR count, file",
		Long: `List every zone found under --zones (or named in --named-conf) with the block of
addresses it covers (for reverse zones), its type, how many PTR records it holds,
and its file.

TYPE is primary for a zone rdnsctl reads and writes; dynamic for a primary that
takes dynamic updates (allow-update, update-policy in named.conf): it is read
but never written as a file; secondary (and stub, mirror, ...) for a zone named
in named.conf whose primary is elsewhere: it is neither read nor written; failed
for a zone that could not be loaded (no write may touch its addresses).

Files of a zones directory whose names mark backups or editor leftovers (*~,
#*#, *.bak, *.orig, *.ori*, *.old, *.rej, *.swp, *.retired, a date suffix
such as .20181126) are not read unless named explicitly (--zones FILE, or the
config's zones: list); each one skipped is said on stderr and listed under
"skipped" in -o json. Two files that claim one origin are listed under
"conflicts": commands that write refuse until one is removed; the others read
the first.
` + exitStatusHelp,
		Example: `  rdnsctl zones --zones examples/zones
  rdnsctl zones --named-conf /etc/bind/named.conf --view external
  rdnsctl zones --config examples/rdnsctl.yaml -o json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			s, err := a.loadZonesReadOnly()
			if err != nil {
				return err
			}
			for _, sk := range s.Skipped {
				a.warn(fmt.Sprintf("skipped %s: %s (name it in --zones or the config to read it)", sk.Path, sk.Reason))
			}
			return a.renderZones(s)
		},
	}
}

// zonesReport is the JSON contract of the zones verb.
type zonesReport struct {
	Zones     []zoneRow     `json:"zones"`
	Skipped   []skippedRow  `json:"skipped"`
	Conflicts []conflictRow `json:"conflicts"`
}

type zoneRow struct {
	Origin string `json:"origin"`
	Prefix string `json:"prefix"`
	// Type is primary, dynamic, secondary (stub, mirror, ...) or failed.
	Type     string  `json:"type"`
	Loaded   bool    `json:"loaded"`
	Writable bool    `json:"writable"`
	PTRs     *int    `json:"ptrs"`
	File     string  `json:"file"`
	Link     *string `json:"link"`
	View     *string `json:"view"`
	Source   *string `json:"source"`
	// Reason is why the zone is not loaded or not writable.
	Reason *string `json:"reason"`
}

type skippedRow struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
}

type conflictRow struct {
	Origin string   `json:"origin"`
	Files  []string `json:"files"`
	Read   string   `json:"read"`
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (a *App) renderZones(s *zoneset.Set) error {
	out := zonesReport{Zones: []zoneRow{}, Skipped: []skippedRow{}, Conflicts: []conflictRow{}}
	claimed := map[string]string{}
	for _, c := range s.Conflicts {
		claimed[c.Origin] = "also claimed by " + strings.Join(c.Files[1:], ", ") + ": no write until one is removed"
	}
	for _, z := range s.Zones {
		n := z.Count()
		r := zoneRow{Origin: z.Origin, Type: z.Type, Loaded: true, Writable: z.ReadOnly == "", PTRs: &n, File: z.Path,
			Link: optString(z.Link), View: optString(z.View), Source: optString(z.Source), Reason: optString(z.ReadOnly)}
		if z.Dynamic {
			r.Type = "dynamic"
		}
		if why, ok := claimed[z.Origin]; ok && z.ReadOnly == "" {
			r.Writable, r.Reason = false, &why
		}
		if z.Reverse {
			r.Prefix = z.Name.Prefix.String()
		}
		out.Zones = append(out.Zones, r)
	}
	for _, nl := range s.NotLoaded {
		r := zoneRow{Origin: nl.Origin, Type: nl.Type, File: nl.Path, View: optString(nl.View), Source: optString(nl.Source)}
		if nl.Type == "primary" {
			r.Type = "failed"
		}
		if nl.Prefix.IsValid() {
			r.Prefix = nl.Prefix.String()
		}
		if nl.Err != nil {
			r.Reason = optString(nl.Err.Error())
		}
		out.Zones = append(out.Zones, r)
	}
	for _, sk := range s.Skipped {
		out.Skipped = append(out.Skipped, skippedRow{File: sk.Path, Reason: sk.Reason})
	}
	for _, c := range s.Conflicts {
		out.Conflicts = append(out.Conflicts, conflictRow{Origin: c.Origin, Files: c.Files, Read: c.Files[0]})
	}
	rows := report.Rows{Header: []string{"origin", "prefix", "type", "ptrs", "file"}}
	for _, r := range out.Zones {
		n := "-"
		if r.PTRs != nil {
			n = strconv.Itoa(*r.PTRs)
		}
		file := r.File
		if r.Link != nil {
			file = *r.Link + " -> " + r.File
		}
		rows.Add(r.Origin, r.Prefix, r.Type, n, file)
	}
	return a.render(out, rows)
}

// render writes a report in the --output format on stdout.
func (a *App) render(v any, rows report.Rows) error {
	return a.printer().Render(v, rows)
}

// printer prints data on stdout in the --output format, with --no-headers.
func (a *App) printer() report.Printer {
	o := report.Options{Format: report.Table, TTY: a.IO.OutTTY}
	if a.cfg != nil {
		o.Format, o.NoHeaders = report.Format(a.cfg.Output), a.cfg.NoHeaders
	}
	return report.Printer{W: a.IO.Out, Options: o}
}

// summaryTable prints a table of counts on stderr, unless --quiet: counts
// are not data, so they never mix with a report on stdout.
func (a *App) summaryTable(rows report.Rows) error {
	if a.cfg != nil && a.cfg.Quiet {
		return nil
	}
	o := report.Options{Format: report.Table, TTY: a.IO.ErrTTY}
	if a.cfg != nil {
		o.NoHeaders = a.cfg.NoHeaders
	}
	return report.Printer{W: a.IO.ErrOut, Options: o}.Table(rows)
}

func (a *App) newZoneCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "zone",
		Short: "Work on zone files: check, dump",
		Long: `Work on zone files: check lints them (the CI job on zone changes), dump prints every
record fully qualified in canonical order, to compare with BIND's reading.
` + exitStatusHelp,
		Example: `  rdnsctl zone check --zones examples/zones
  rdnsctl zone dump --origin 100.51.198.in-addr.arpa examples/zones/db.198.51.100`,
	}
	c.AddCommand(a.newZoneCheckCmd(), a.newZoneDumpCmd())
	return c
}

// zonesFromArgs loads the files named on the command line (with --origin
// when given) or, with none, the configured zones.
func (a *App) zonesFromArgs(args []string, origin string) (*zoneset.Set, error) {
	if len(args) > 0 {
		a.cfg.Zones = a.cfg.Zones[:0]
		for _, f := range args {
			a.cfg.Zones = append(a.cfg.Zones, ZoneSpec{Path: f, Origin: origin})
		}
	} else if origin != "" {
		return nil, usageErrorf("--origin needs a FILE argument")
	}
	return a.loadZonesQuiet()
}

// loadZonesQuiet loads zones and leaves the problems to the caller.
func (a *App) loadZonesQuiet() (*zoneset.Set, error) {
	specs, err := a.zoneSpecs()
	if err != nil {
		return nil, err
	}
	if len(specs) == 0 {
		return nil, usageErrorf("no zones: pass FILE arguments, --zones DIR|FILE or --named-conf FILE, or set zones: in the config")
	}
	s, err := zoneset.Load(specs, a.loadOptions(true))
	if err != nil {
		return nil, inputError(err)
	}
	return s, nil
}

// zoneCheckOptions are the zone check verb's inputs.
type zoneCheckOptions struct {
	Files    []string // zone files; none: the configured zones
	Origin   string   // origin of Files
	Severity []string // CODE=SEVERITY, after the config's checks
	// CheckNames is named-checkzone's -k: fail, warn or ignore sets the
	// check-names codes to error, warning or off ("" leaves them).
	CheckNames string
}

func (a *App) newZoneCheckCmd() *cobra.Command {
	var opts zoneCheckOptions
	c := &cobra.Command{
		Use:   "check [FILE...]",
		Short: "Lint zone files, for CI pipelines on zone changes",
		Long: `Check zone files as BIND loads them (named-checkzone -i local -k fail) and
against rdnsctl's PTR policy. Every finding has a file, line, code, severity
and message. The codes, with their default severity (BIND: named-checkzone
makes the same check and refuses the zone on an error):

` + checkCodesHelp() + `
With the default severities a zone gets an error from a BIND code exactly when
named-checkzone -i local -k fail refuses it; --check-names warn (check-names-owner
and check-names-target at warning) matches -k warn. The other codes are rdnsctl's own:
BIND loads such zones, but the PTRs they hold are wrong. DNS-SD browsing PTRs
(b, db, r, dr, lb under _dns-sd._udp, RFC 6763) are exempt from the host-name
checks, as in BIND.

Change a code's severity with --severity CODE=SEVERITY (repeatable; error,
warning, info or off) or in the config:
  checks:
    multiple-ptr: warning     # this house style publishes two PTRs on purpose
A --severity flag wins over the config. parse-error is always an error.
` + exitStatusHelp + `

  zone check exits 1 only when a finding of severity error remains; warnings
  make it exit 1 too with --strict; info findings never do.`,
		Example: `  rdnsctl zone check --zones examples/zones
  rdnsctl zone check --origin 100.51.198.in-addr.arpa db.198.51.100
  rdnsctl zone check --zones zones/ --severity multiple-ptr=warning --severity out-of-zone=off
  rdnsctl zone check --check-names warn --origin 100.51.198.in-addr.arpa db.198.51.100   # as named-checkzone -k warn
  rdnsctl zone check --zones zones/ -o json | jq '.findings[] | select(.severity == "error")'`,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Files = args
			return a.runZoneCheck(opts)
		},
	}
	c.Flags().StringVar(&opts.Origin, "origin", "", "origin of the FILE arguments (as named-checkzone takes it)")
	c.Flags().StringVar(&opts.CheckNames, "check-names", "", "as named-checkzone -k: fail, warn or ignore (the check-names codes at error, warning or off)")
	_ = c.RegisterFlagCompletionFunc("check-names", cobra.FixedCompletions([]string{"fail", "warn", "ignore"}, cobra.ShellCompDirectiveNoFileComp))
	c.Flags().StringArrayVar(&opts.Severity, "severity", nil, "set a check code's severity: CODE=error|warning|info|off (repeatable)")
	_ = c.RegisterFlagCompletionFunc("severity", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, ci := range zonecheck.Codes() {
			for _, s := range []zonecheck.Severity{zonecheck.Error, zonecheck.Warning, zonecheck.Info, zonecheck.Off} {
				out = append(out, ci.Code+"="+string(s))
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
	return c
}

// checkCodesHelp lists the codes for --help.
func checkCodesHelp() string {
	var b strings.Builder
	for _, ci := range zonecheck.Codes() {
		sev := string(ci.Severity)
		if ci.BIND {
			sev += ", BIND"
		}
		fmt.Fprintf(&b, "  %-21s %-14s %s\n", ci.Code, sev, ci.Help)
	}
	return b.String()
}

// checkSeverities are the config's checks, then --check-names, then the
// --severity flags over them.
func (a *App) checkSeverities(checkNames string, flags []string) (zonecheck.Severities, error) {
	sev := zonecheck.Severities{}
	for code, s := range a.cfg.Checks {
		sev[code] = s
	}
	if checkNames != "" {
		level, ok := map[string]zonecheck.Severity{"fail": zonecheck.Error, "warn": zonecheck.Warning, "ignore": zonecheck.Off}[checkNames]
		if !ok {
			return nil, usageErrorf("--check-names %q: want fail, warn or ignore", checkNames)
		}
		sev[zonecheck.CodeNamesOwner], sev[zonecheck.CodeNamesTarget] = level, level
	}
	over, err := zonecheck.ParseSeverities(flags)
	if err != nil {
		return nil, usageErrorf("--severity %v", err)
	}
	for code, s := range over {
		sev[code] = s
	}
	return sev, nil
}

func (a *App) runZoneCheck(opts zoneCheckOptions) error {
	sev, err := a.checkSeverities(opts.CheckNames, opts.Severity)
	if err != nil {
		return err
	}
	s, err := a.zonesFromArgs(opts.Files, opts.Origin)
	if err != nil {
		return err
	}
	findings := zonecheck.Check(s, zonecheck.Options{Severity: sev})
	if err := a.renderFindings(s, findings); err != nil {
		return err
	}
	if zonecheck.Errors(findings) > 0 || (a.cfg.Strict && zonecheck.Count(findings, zonecheck.Warning) > 0) {
		return errFindings
	}
	return nil
}

// zoneCheckReport is zone check's JSON document.
type zoneCheckReport struct {
	Findings []zonecheck.Finding `json:"findings"`
	Summary  zoneCheckSummary    `json:"summary"`
}

type zoneCheckSummary struct {
	Zones    int `json:"zones"`
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	Info     int `json:"info"`
}

func (a *App) renderFindings(s *zoneset.Set, f []zonecheck.Finding) error {
	sum := zoneCheckSummary{Zones: len(s.Zones), Errors: zonecheck.Errors(f),
		Warnings: zonecheck.Count(f, zonecheck.Warning), Info: zonecheck.Count(f, zonecheck.Info)}
	out := zoneCheckReport{Findings: f, Summary: sum}
	if out.Findings == nil {
		out.Findings = []zonecheck.Finding{}
	}
	rows := report.Rows{Header: []string{"file", "line", "severity", "code", "message"}}
	for _, x := range f {
		rows.Add(x.File, strconv.Itoa(x.Line), string(x.Severity), x.Code, x.Message)
	}
	if err := a.render(out, rows); err != nil {
		return err
	}
	a.info("%d zones checked: %d errors, %d warnings, %d info", sum.Zones, sum.Errors, sum.Warnings, sum.Info)
	return nil
}

func (a *App) newZoneDumpCmd() *cobra.Command {
	var origin string
	c := &cobra.Command{
		Use:   "dump [FILE...]",
		Short: "Print every record fully qualified, in canonical order",
		Long: `Print every record of the zones fully qualified, one per line, in canonical order
(name, TTL, class, type, data), with $GENERATE expanded and $INCLUDE followed, so
it can be compared with BIND's own reading of the file:

  named-compilezone -q -k ignore -i local -o - ORIGIN FILE
` + exitStatusHelp,
		Example: `  rdnsctl zone dump --origin 100.51.198.in-addr.arpa examples/zones/db.198.51.100
  rdnsctl zone dump --zones examples/zones > all.txt`,
		RunE: func(c *cobra.Command, args []string) error {
			s, err := a.zonesFromArgs(args, origin)
			if err != nil {
				return err
			}
			if len(s.Problems) > 0 {
				for _, p := range s.Problems {
					fmt.Fprintf(a.IO.ErrOut, "rdnsctl: %s\n", safeLines(fmt.Sprint(p)))
				}
				return errSilent{ExitUsage}
			}
			for _, z := range s.Zones {
				if err := z.Dump(a.IO.Out); err != nil {
					return err
				}
			}
			return nil
		},
	}
	c.Flags().StringVar(&origin, "origin", "", "origin of the FILE arguments (as named-checkzone takes it)")
	return c
}
