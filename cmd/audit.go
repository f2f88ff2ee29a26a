package cmd

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rdnsctl/rdnsctl/audit"
	"github.com/rdnsctl/rdnsctl/delegation"
	"github.com/rdnsctl/rdnsctl/ipam"
	"github.com/rdnsctl/rdnsctl/report"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

func init() { extraCommands = append(extraCommands, (*App).newAuditCmd) }

func (a *App) newAuditCmd() *cobra.Command {
	var (
		f          changeFlags
		prefixes   []string
		managed    []string
		failOn     []string
		fix        bool
		stale      string
		noValidate bool
		showInfo   bool
		coverage   bool
		rf         resolverFlags
		h          htmlRun
		checkDeleg bool
		nsPort     int
	)
	c := &cobra.Command{
		Use:   "audit [--ipam FILE...] [--zones DIR] [--prefix CIDR...] [--check-delegations]",
		Short: "Compare IPAM with the zones: missing, stale, mismatched, duplicate, invalid PTRs",
		Long: `Compare the IPAM export (the truth) with the PTRs the zones publish. Findings, one
per address (or record), each with the PTR's zone, file and line:

  missing              in use in IPAM (active, reserved, dhcp), no PTR (none inside
                       a synthesize: entry: the server answers those)
  mismatch             IPAM has a host name and the PTR names something else
  stale                free or deprecated in IPAM, or absent from it inside a
                       prefix IPAM manages, and the PTR is a custom name (not a
                       default template's): the former customer's name
  duplicate            more than one PTR for one address (in one zone, or in both
                       a parent and an RFC 2317 child)
  invalid              the PTR target is not a host name, or lost its final dot
  unmanaged            in use in IPAM, and no loaded zone covers it
  orphan               a PTR outside every prefix IPAM knows (when the export
                       names prefixes, or --managed is given)
  default-on-assigned  (info) assigned to a customer, no name in IPAM, still the
                       default PTR
  delegated            (info) inside an RFC 2317 delegation whose child zone is
                       not loaded
  lame                 (--check-delegations) a delegation whose name servers do
                       not all answer for the child zone; one per delegation

--check-delegations asks, for every delegation point of the loaded reverse
zones (an NS set below a zone's apex: an IPv6 customer prefix at its nibble
owner, an RFC 2317 child zone such as 0-25.2.0.192.in-addr.arpa., a whole
octet; with --prefix, those overlapping the blocks), each of its name servers
at each of its addresses for the child zone's SOA, without recursion. The
addresses are the parent zone's glue, else A/AAAA records of the loaded zones,
else the NS name's A and AAAA through --resolver. A server is lame when it
refuses, fails (SERVFAIL), denies the zone (NXDOMAIN), answers without
authority (a referral, no AA bit) or from another zone, or does not answer
(timeout); an NS name without an address is lame too. The finding's ip is the
first address of the delegated block; its zone, file and line are those of the
NS set in the parent; its reason names the child zone, the name servers and
which are lame and why ("1 of 2 name servers lame: ..."). Name servers are
asked on port 53, or --ns-port (config ns_port) for a lab. A name server that
could not be checked (its name's lookup failed, its address is unreachable
from this host) is a warning, not a finding; when no delegation could be
checked at all the exit status is 2. Without an IPAM export (no --ipam, no
ipam: in the config), --check-delegations runs only the delegation check.

The coverage audit (IPv6 at ISP scale, RFC 8501): for each assigned (active or
reserved) IPv6 prefix of a prefix export longer than a /48, down to a /64, how
its reverse DNS is answered. Prefixes of a /48 and shorter, IPv4 prefixes and
other statuses (deprecated, container, ...) get no row.

  delegated            (info) NS sets in a loaded zone hand it over: at or above
                       the prefix, or at the nibble owners that cover it exactly
                       (a /50 is four /52 NS sets)
  synthesized          (info) inside a synthesize: entry of the config
  explicit             (info) it holds PTRs in a loaded zone, and every address
                       the address export has in use inside it has one
  uncovered            none of these, for the prefix or a part of it (3 of the
                       4 /52s of a /50 delegated, the fourth holding nothing);
                       no loaded zone covers it; or N of M addresses IPAM
                       assigns have no PTR (they are missing findings too)
  delegation-overlap   records a zone holds below one of its own delegation
                       points (IPv6 or RFC 2317, IPAM prefix or not): never
                       served; one row per delegation point, with the first
                       record's file and line and their count

A prefix is covered part by part: its delegated, synthesized and explicit parts
may mix (the state is that of the largest part; the reason names each part).
A loaded zone inside the prefix (a child zone we host) is decided by its own
records. The coverage rows follow the findings in the table; -o json has them
in "coverage" (and their counts in "coverage_summary"); --coverage prints only
the coverage rows in the table and CSV (-o csv holds the findings otherwise).

Info findings are counted in the summary and listed only with --show-info. A
finding's ptr lists the PTR targets at the address (at most 10, ptr_count counts
them all). --prefix limits the audit, and so its findings and fixes, to those
blocks; --managed adds prefixes to those IPAM manages.

Host names compare case-insensitively, final dot ignored. --fix turns the fixable
findings into a change set, previewed and applied (--write) like the bulk commands:
missing gets IPAM's name or the default; stale is reset to the default (--stale
delete deletes it); mismatch gets IPAM's name; duplicate keeps the PTR the
address would have once its other findings are fixed (IPAM's name; else the
custom one while the address is in use, the default once it is not). A name
taken from IPAM is written only where its forward DNS resolves back to the
address (through --resolver, as set does; --no-validate skips that); the others
are reported and left alone. One --fix --write leaves nothing fixable. Invalid
PTRs are reported, never guessed.

-o html (or --html FILE beside any -o) writes one self-contained HTML page: the
summary, a map of every managed address coloured by its state, and the findings
table, with the -o json document embedded (script id rdnsctl-data).

Exit 1 when a finding of a category in --fail-on (default: every category but the
info ones, and the coverage findings uncovered and delegation-overlap) is found,
listed or not.
` + exitStatusHelp,
		Example: `  rdnsctl audit --ipam netbox.csv --zones zones/
  rdnsctl audit --ipam addresses.csv --ipam netbox-prefixes.csv --zones zones/
  rdnsctl audit --ipam addresses.csv --ipam netbox-prefixes.csv --coverage -o csv > coverage.csv
  rdnsctl audit --config examples/rdnsctl.yaml -o json > audit.json
  rdnsctl audit --config examples/rdnsctl.yaml -o html > report.html
  rdnsctl audit -o json --html report.html         # both in one run (cron)
  rdnsctl audit --fcrdns fcrdns.json -o html > report.html   # FCrDNS verdicts on the map
  rdnsctl audit --fail-on missing,invalid          # CI: fail only on these
  rdnsctl audit --check-delegations --zones zones/ # lame delegations only (no IPAM)
  rdnsctl audit --check-delegations --prefix 2001:db8:100::/48 --resolver 192.0.2.53
  rdnsctl audit --fix                              # preview the fixes
  rdnsctl audit --fix --write --ticket OPS-1234    # apply them`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			h.start = a.Now()
			fail := map[audit.Category]bool{}
			covFail := map[audit.CoverageState]bool{}
			if len(failOn) == 0 {
				for _, cat := range audit.Categories {
					fail[cat] = !cat.Info()
				}
				for _, st := range audit.CoverageStates {
					covFail[st] = !st.Info()
				}
			}
			for _, s := range failOn {
				for _, part := range strings.Split(s, ",") {
					if strings.TrimSpace(part) == "" {
						continue
					}
					if part == "all" {
						for _, cat := range audit.Categories {
							fail[cat] = true
						}
						for _, st := range audit.CoverageStates {
							covFail[st] = !st.Info()
						}
						continue
					}
					if st, ok := audit.ParseCoverageFinding(part); ok {
						covFail[st] = true
						continue
					}
					cat, err := audit.ParseCategory(part)
					if err != nil {
						return usageErrorf("--fail-on: %v", err)
					}
					fail[cat] = true
				}
			}
			if stale != "reset" && stale != "delete" {
				return usageErrorf("--stale %q: want reset or delete", stale)
			}
			var only, extra []netip.Prefix
			if len(prefixes) > 0 {
				var err error
				if only, err = parseBlocks(prefixes); err != nil {
					return err
				}
			}
			if len(managed) > 0 {
				var err error
				if extra, err = parseBlocks(managed); err != nil {
					return err
				}
			}
			if f.write && !fix {
				return usageErrorf("--write goes with --fix")
			}
			if fix && h.wanted(a) {
				return usageErrorf("the HTML report (-o html, --html) is of an audit, not of --fix")
			}
			if coverage && fix {
				return usageErrorf("--coverage prints the coverage rows of an audit; --fix plans the fixes of the address findings: run them apart")
			}
			if checkDeleg && fix {
				return usageErrorf("--check-delegations reports lame delegations, --fix has nothing to fix there: run them apart")
			}
			if nsPort < 1 || nsPort > 65535 {
				return usageErrorf("--ns-port %d: want a port, 1-65535", nsPort)
			}
			noIPAM := checkDeleg && len(a.cfg.IPAM) == 0
			if noIPAM && h.wanted(a) {
				return usageErrorf("the HTML report maps IPAM's addresses: give --ipam, or leave -o html and --html out of --check-delegations")
			}
			if h.fcrdns != "" && !h.wanted(a) {
				return usageErrorf("--fcrdns lays verdicts over the HTML report: add -o html or --html FILE")
			}
			unlock, err := a.beginWrite(&f)
			if err != nil {
				return err
			}
			defer unlock()
			var exp *ipam.Export
			if !noIPAM {
				if exp, err = a.loadIPAM(); err != nil {
					return err
				}
			}
			load := a.loadZones
			if !fix {
				load = a.loadZonesReadOnly
			}
			s, err := load()
			if err != nil {
				return err
			}
			res := &audit.Result{Counts: map[audit.Category]int{}}
			if !noIPAM {
				bar := a.progress(-1, "audit")
				res = audit.Run(s, exp, audit.Options{Defaults: a.cfg.Defaults, Only: only, Managed: extra, ShowInfo: showInfo || h.wanted(a), Progress: bar, Synthesized: a.cfg.synthesizedPrefixes()})
				bar.Finish()
			}
			var notChecked error     // no delegation could be checked: exit 2, after the report
			var lame map[string]bool // the owners of the lame delegations
			if checkDeleg {
				if lame, notChecked, err = a.checkDelegations(c.Context(), s, only, res, &rf, uint16(nsPort)); err != nil {
					return err
				}
			}
			if fix {
				fo := audit.FixOptions{StaleDelete: stale == "delete"}
				toValidate := 0
				for i := range res.Findings {
					if res.Findings[i].Validates() {
						toValidate++
					}
				}
				if !noValidate && toValidate > 0 {
					r, err := a.newResolver(&rf)
					if err != nil {
						return err
					}
					defer r.Close()
					fo.Validate = a.validator(c.Context(), r)
				}
				cs, skipped := audit.Fix(res.Findings, fo)
				for _, sk := range skipped {
					a.warn(fmt.Sprintf("%s: not fixed: %s", sk.Finding.Addr, sk.Reason))
				}
				if noValidate {
					for i := range cs.Changes {
						if cs.Changes[i].New != "" && !a.cfg.Defaults.IsDefault(cs.Changes[i].Addr, cs.Changes[i].New) {
							cs.Changes[i].Reason += " (not validated: --no-validate)"
						}
					}
				} else if toValidate > 0 {
					a.info("%d name(s) taken from IPAM validated (forward DNS resolves back), %d refused", toValidate-len(skipped), len(skipped))
				}
				// Rows the export lost look like customers who left: a fix
				// would reset or delete their PTRs.
				if n := ipamErrors(exp); n > 0 && len(cs.Changes) > 0 && !f.force {
					msg := fmt.Sprintf("the IPAM export %s had %d error(s) (rows skipped or misread, listed above): fixes planned from it could reset or delete the PTRs of customers it lost; correct the export, or pass --force", a.ipamNames(), n)
					if f.write {
						return usageErrorf("refusing to write: %s", msg)
					}
					a.warn("--write would be refused: " + msg)
				}
				return a.runPlan(s, cs, 0, &f)
			}
			synth := make([]audit.Synthesized, len(a.cfg.Synthesize))
			for i, e := range a.cfg.Synthesize {
				synth[i] = audit.Synthesized{Prefix: e.Prefix, Server: e.Server}
			}
			var prefixRecs []ipam.PrefixRecord
			var addrRecs []ipam.Record
			if exp != nil {
				prefixRecs, addrRecs = exp.PrefixRecords, exp.Records
			}
			cov := audit.Coverage(audit.CoverageInput{Zones: s, Prefixes: prefixRecs, Addresses: addrRecs, Synthesize: synth,
				Points: delegation.Points(s, a.cfg.ClasslessStyle), Only: only, ShowInfo: showInfo})
			markLame(cov.Rows, lame)
			h.set, h.exp = s, exp
			if res.Failing(fail) || cov.Failing(covFail) {
				h.status = ExitFindings
			}
			if err := a.renderAudit(res, cov, &h, showInfo, !noIPAM, coverage, len(prefixRecs) > 0); err != nil {
				return err
			}
			if notChecked != nil {
				return notChecked
			}
			if h.status != ExitOK {
				return errFindings
			}
			return nil
		},
	}
	fl := c.Flags()
	fl.StringSliceVar(&prefixes, "prefix", nil, "audit (and fix) only these blocks (repeatable)")
	fl.StringSliceVar(&managed, "managed", nil, "blocks IPAM manages besides the prefixes its export names (repeatable)")
	fl.BoolVar(&showInfo, "show-info", false, "list the info findings too (default-on-assigned, delegated; the covered prefixes); they are always counted")
	fl.BoolVar(&coverage, "coverage", false, "table and CSV: print the coverage rows (IPv6 prefixes, delegation overlaps) instead of the address findings")
	fl.StringSliceVar(&failOn, "fail-on", nil, "categories that make the exit status 1 (comma-separated, or all; uncovered and delegation-overlap for the coverage audit)")
	fl.BoolVar(&fix, "fix", false, "plan the fixes of the fixable findings (apply with --write)")
	fl.StringVar(&stale, "stale", "reset", "what --fix does to stale PTRs: reset (to the default) or delete")
	fl.BoolVar(&noValidate, "no-validate", false, "with --fix: write names taken from IPAM without checking that they resolve back to the address")
	fl.BoolVar(&checkDeleg, "check-delegations", false, "ask every delegation's name servers for the child zone's SOA: lame findings (runs alone without an IPAM export)")
	fl.IntVar(&nsPort, "ns-port", 53, "with --check-delegations: the port name servers are asked on (config ns_port)")
	a.addChangeFlags(c, &f)
	a.addResolverFlags(c, &rf)
	a.addHTMLFlags(c, &h, true)
	return c
}

type auditReport struct {
	Findings []audit.Finding `json:"findings"`
	Summary  map[string]int  `json:"summary"`
	// Coverage lists the coverage rows (info ones with --show-info),
	// CoverageSummary counts them by state.
	Coverage        []audit.CoverageRow `json:"coverage"`
	CoverageSummary map[string]int      `json:"coverage_summary"`
}

// renderAudit writes the report. res holds the info findings too when the
// HTML map needs them (it paints delegated and default-on-assigned cells);
// the rows list them only with showInfo.
//
// The coverage rows follow the findings in a table (--coverage: they
// replace them in the table and CSV); JSON always has both.
func (a *App) renderAudit(res *audit.Result, cov *audit.CoverageResult, h *htmlRun, showInfo, addresses, coverageOnly, hasPrefixes bool) error {
	listed := res.Findings
	if !showInfo {
		listed = make([]audit.Finding, 0, len(res.Findings))
		for _, x := range res.Findings {
			if !x.Category.Info() {
				listed = append(listed, x)
			}
		}
	}
	out := auditReport{Findings: listed, Summary: res.Summary(), Coverage: cov.Rows, CoverageSummary: cov.Summary()}
	if out.Findings == nil {
		out.Findings = []audit.Finding{}
	}
	if out.Coverage == nil {
		out.Coverage = []audit.CoverageRow{}
	}
	covRows := coverageRows(cov.Rows)
	rows := report.Rows{Header: []string{"category", "ip", "ptr", "expected", "customer", "zone", "file", "line", "reason"}}
	for _, x := range listed {
		line := ""
		if x.Line > 0 {
			line = itoa(x.Line)
		}
		ptr := strings.Join(x.PTR, " ")
		if more := x.PTRCount - len(x.PTR); more > 0 && len(x.PTR) == audit.MaxListed {
			ptr += fmt.Sprintf(" (%d PTRs)", x.PTRCount)
		}
		ip := ""
		if x.Addr.IsValid() {
			ip = x.Addr.String()
		}
		rows.Add(string(x.Category), ip, ptr, x.Expected, x.Customer, x.Zone, x.File, line, x.Reason)
	}
	if h.wanted(a) {
		if err := a.auditHTML(res, h, out, rows); err != nil {
			return err
		}
		if a.cfg.Output == string(report.HTML) {
			return nil
		}
	}
	var summary []report.Rows
	if a.cfg.Output == "table" {
		counts := report.Rows{Header: []string{"category", "findings"}}
		for _, cat := range audit.Categories {
			if n := out.Summary[string(cat)]; n > 0 {
				counts.Add(string(cat), itoa(n))
			}
		}
		byPrefix := map[string]int{}
		for _, x := range listed {
			if !x.Addr.IsValid() {
				continue
			}
			bits := 24
			if !x.Addr.Is4() {
				bits = 48
			}
			p, _ := x.Addr.Prefix(bits)
			byPrefix[p.String()]++
		}
		keys := make([]string, 0, len(byPrefix))
		for k := range byPrefix {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(x, y string) int {
			return netip.MustParsePrefix(x).Addr().Compare(netip.MustParsePrefix(y).Addr())
		})
		pr := report.Rows{Header: []string{"prefix", "findings"}}
		for _, k := range keys {
			pr.Add(k, itoa(byPrefix[k]))
		}
		summary = []report.Rows{counts, pr}
	}
	switch {
	case coverageOnly && a.cfg.Output != string(report.JSON):
		if err := a.render(out, covRows); err != nil {
			return err
		}
	default:
		if err := a.render(out, rows); err != nil {
			return err
		}
		if a.cfg.Output == "table" && len(covRows.Rows) > 0 {
			fmt.Fprintln(a.IO.Out)
			if err := a.printer().Table(covRows); err != nil {
				return err
			}
		}
	}
	// counts are a summary: stderr, after the findings on stdout
	total := 0
	for _, n := range res.Counts {
		total += n
	}
	if !addresses {
		a.info("%d findings", total)
	} else if hidden := total - len(listed); hidden > 0 {
		a.info("%d addresses checked, %d findings (%d info findings not listed: --show-info lists them)", res.Checked, total, hidden)
	} else {
		a.info("%d addresses checked, %d findings", res.Checked, total)
	}
	if hasPrefixes || len(cov.Rows) > 0 || cov.Counts[audit.CoverDelegationOverlap] > 0 {
		a.info("%s", coverageSummary(cov, showInfo))
	}
	if total > 0 {
		for _, t := range summary {
			a.info("")
			if err := a.summaryTable(t); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkDelegations runs the lame delegation check over the delegation points
// of s (those overlapping only, when given) and adds the lame findings to
// res. Points that could not be checked are warnings; when none could be,
// the run could not complete: notChecked says so (exit 2), err is a failure
// to start.
func (a *App) checkDelegations(ctx context.Context, s *zoneset.Set, only []netip.Prefix, res *audit.Result, rf *resolverFlags, port uint16) (lame map[string]bool, notChecked, err error) {
	var points []delegation.Point
	for _, p := range delegation.Points(s, a.cfg.ClasslessStyle) {
		if len(only) > 0 && !slices.ContainsFunc(only, func(o netip.Prefix) bool { return p.Prefix.IsValid() && o.Overlaps(p.Prefix) }) {
			continue
		}
		points = append(points, p)
	}
	if len(points) == 0 {
		a.info("no delegation points to check (no NS set below a loaded reverse zone's apex%s)", map[bool]string{true: " inside --prefix"}[len(only) > 0])
		return lame, nil, nil
	}
	r, err := a.newResolver(rf)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	asker, ok := r.(delegation.Asker)
	if !ok {
		return nil, nil, fmt.Errorf("the resolver cannot ask a name server directly")
	}
	bar := a.progress(len(points), "delegations")
	results := delegation.Check(ctx, points, asker, delegation.CheckOptions{Port: port, Workers: rf.workers, Addrs: delegation.ZoneAddrs(s), Progress: bar})
	bar.Finish()
	counts := map[delegation.Verdict]int{}
	lame = map[string]bool{}
	for _, x := range results {
		counts[x.Verdict]++
		if x.Verdict == delegation.Lame {
			lame[x.Point.Owner] = true
		}
		if x.Verdict == delegation.Unknown {
			a.warn(fmt.Sprintf("%s:%d: delegation %s not checked: %s", x.Point.File, x.Point.Line, x.Point.Owner, x.Reason))
		}
	}
	res.Add(audit.LameFindings(results))
	a.info("%d delegation points checked: %d ok, %d lame, %d not checked", len(results), counts[delegation.OK], counts[delegation.Lame], counts[delegation.Unknown])
	if counts[delegation.Unknown] == len(results) {
		return lame, inputError(fmt.Errorf("no delegation could be checked (%d not checked, listed above)", len(results))), nil
	}
	return lame, nil, nil
}

// markLame says on each delegated coverage row which of its delegations
// the lame check found lame (each is also its own lame finding): the prefix
// is handed over, but not answered for.
func markLame(rows []audit.CoverageRow, lame map[string]bool) {
	if len(lame) == 0 {
		return
	}
	for i := range rows {
		r := &rows[i]
		if r.State != audit.CoverDelegated {
			continue
		}
		var bad []string
		for _, d := range r.Delegations {
			if lame[d] {
				bad = append(bad, d)
			}
		}
		if len(bad) > 0 {
			r.Reason += "; lame (see the lame finding): " + strings.Join(bad, " ")
		}
	}
}

// ipamErrors counts the problems of an IPAM read that make it incomplete.
func ipamErrors(exp *ipam.Export) int {
	n := 0
	for _, p := range exp.Problems {
		if p.IsError {
			n++
		}
	}
	return n
}

// coverageRows is the table and CSV form of the coverage rows.
func coverageRows(list []audit.CoverageRow) report.Rows {
	rows := report.Rows{Header: []string{"state", "prefix", "customer", "vrf", "zone", "delegations", "ns", "synthesize",
		"ptrs", "assigned", "without_ptr", "occluded", "file", "line", "reason"}}
	for _, r := range list {
		prefix, line := "", ""
		if r.Prefix.IsValid() {
			prefix = r.Prefix.String()
		}
		if r.Line > 0 {
			line = itoa(r.Line)
		}
		rows.Add(string(r.State), prefix, r.Customer, r.VRF, r.Zone, strings.Join(r.Delegations, " "), strings.Join(r.NS, " "),
			strings.Join(r.SynthesizeStrings(), " "), itoa(r.PTRCount), itoa(r.Assigned), itoa(r.WithoutPTR), itoa(r.Occluded),
			r.File, line, r.Reason)
	}
	return rows
}

// coverageSummary is the coverage audit's summary line: the count of each
// state.
func coverageSummary(cov *audit.CoverageResult, showInfo bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d IPv6 prefixes checked for coverage:", cov.Checked)
	hidden := 0
	for i, st := range audit.CoverageStates {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, " %d %s", cov.Counts[st], st)
		if st.Info() && !showInfo {
			hidden += cov.Counts[st]
		}
	}
	if hidden > 0 {
		fmt.Fprintf(&b, " (%d covered prefixes not listed: --show-info lists them)", hidden)
	}
	return b.String()
}
