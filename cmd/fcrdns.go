package cmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rdnsctl/rdnsctl/fcrdns"
	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/report"
	"github.com/rdnsctl/rdnsctl/resolver"
	"github.com/rdnsctl/rdnsctl/zonefile"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

func init() { extraCommands = append(extraCommands, (*App).newFCrDNSCmd) }

func (a *App) newFCrDNSCmd() *cobra.Command {
	var (
		rf           resolverFlags
		fromZones    bool
		fromIPAM     bool
		offline      bool
		forwardZones []string
		failOnError  bool
		maxAddrs     int
		h            htmlRun
	)
	c := &cobra.Command{
		Use:   "fcrdns [CIDR...|IP...|-]",
		Short: "Check forward-confirmed reverse DNS: PTR -> name -> A/AAAA back to the address",
		Long: `For each address, look up its PTR (following CNAMEs, as an RFC 2317 parent answers),
then the A (IPv4) or AAAA (IPv6) records of each PTR name (following CNAMEs); the
address passes when one of them is the address. Verdicts, each with the RFC 8601
iprev result mail people know:

  pass        a PTR name resolves back to the address          iprev pass
  no-ptr      NXDOMAIN or no PTR data                          iprev permerror
  no-forward  the PTR name has no A/AAAA or does not exist     iprev fail
  mismatch    the name's addresses do not include the address  iprev fail
  multi-ptr   more than one PTR (receivers pick any one)       iprev pass when one
              of the names resolves back (RFC 8601 §3), else fail
  error       timeout, SERVFAIL, REFUSED after retries: unknown, never counted
              as a failed record                               iprev temperror

Addresses come from the arguments (an address, a CIDR block, or - for one per
line on stdin), --from-zones (every PTR of the loaded zones) or --from-ipam (every
address in use in the IPAM export). Queries go to --resolver (repeatable, spread
round-robin with failover), bounded by --workers and --qps. With --offline every
lookup is answered from the loaded reverse zones and --forward-zones, with no
network at all: CI can check a zone change before it is deployed.

-o html (or --html FILE beside any -o) writes one self-contained HTML page with
the verdicts on a map of the checked /24s (see audit --fcrdns to lay them over
an audit's map).

Exit 0 when every address passes (error verdicts too, unless --fail-on-error),
1 when any fails, 2 when nothing could be verified (every check ended in error:
the resolvers did not answer). Ctrl-C stops and still prints what was checked.
` + exitStatusHelp,
		Example: `  rdnsctl fcrdns 198.51.100.0/24 --resolver 127.0.0.1:5353
  rdnsctl fcrdns --from-zones --zones zones/ --resolver 192.0.2.53 --qps 500 -o json
  echo 198.51.100.10 | rdnsctl fcrdns -
  rdnsctl fcrdns --from-zones --offline --zones zones/ --forward-zones forward/
  rdnsctl fcrdns --from-zones --resolver 192.0.2.53 -o json --html fcrdns.html`,
		RunE: func(c *cobra.Command, args []string) error {
			h.start = a.Now()
			if !fromZones && !fromIPAM && len(args) == 0 {
				return usageErrorf("no addresses: give IPs or CIDRs, - for stdin, --from-zones or --from-ipam")
			}
			var set *zoneset.Set
			if fromZones || offline {
				if offline && len(forwardZones) > 0 {
					for _, fz := range forwardZones {
						a.cfg.Zones = append(a.cfg.Zones, ZoneSpec{Path: fz})
					}
				}
				var err error
				if set, err = a.loadZones(); err != nil {
					return err
				}
			}
			addrs, err := a.fcrdnsAddrs(args, set, fromZones, fromIPAM, maxAddrs)
			if err != nil {
				return err
			}
			var r closingResolver
			if offline {
				r = resolver.NewOffline(set)
			} else if r, err = a.newResolver(&rf); err != nil {
				return err
			}
			defer r.Close()
			bar := a.progress(len(addrs), "fcrdns")
			start := time.Now()
			results, err := fcrdns.CheckAll(c.Context(), r, addrs, fcrdns.Options{Workers: rf.workers, Progress: bar})
			bar.Finish()
			interrupted := err != nil && errors.Is(err, context.Canceled)
			if err != nil && !interrupted {
				return err
			}
			sum := fcrdns.Summarize(results)
			if rr, ok := r.(*resolver.Client); ok {
				el := time.Since(start).Seconds()
				st := rr.Stats()
				a.info("%d addresses checked in %.2fs (%.0f checks/s, %d queries, %.0f q/s)", len(results), el, float64(len(results))/el, st.Sent, float64(st.Sent)/el)
			}
			failed := sum.Failed() > 0 || (failOnError && sum.Error > 0)
			h.set, h.status = set, ExitOK
			if interrupted {
				h.status = ExitInterrupted
			} else if sum.NothingVerified() {
				h.status = ExitUsage
			} else if failed {
				h.status = ExitFindings
			}
			if err := a.renderFCrDNS(results, sum, &h); err != nil {
				return err
			}
			if interrupted {
				a.info("interrupted: %d of %d addresses checked", len(results), len(addrs))
				return errInterrupted
			}
			if sum.NothingVerified() {
				// Not a clean run: no record was checked at all.
				fmt.Fprintf(a.IO.ErrOut, "rdnsctl: nothing could be verified: all %d checks ended in error (%s)\n", sum.Total, firstError(results))
				return errSilent{ExitUsage}
			}
			if failed {
				return errFindings
			}
			return nil
		},
	}
	fl := c.Flags()
	fl.BoolVar(&fromZones, "from-zones", false, "check the address of every PTR in the loaded zones")
	fl.BoolVar(&fromIPAM, "from-ipam", false, "check every address in use in the IPAM export")
	fl.BoolVar(&offline, "offline", false, "answer every lookup from the loaded zones (and --forward-zones): no network")
	fl.StringSliceVar(&forwardZones, "forward-zones", nil, "forward zone files or directories, for --offline (repeatable)")
	fl.BoolVar(&failOnError, "fail-on-error", false, "exit 1 when a check ends in error (timeout, SERVFAIL) too")
	fl.IntVar(&maxAddrs, "max", 1<<20, "largest number of addresses a CIDR argument may expand to")
	a.addResolverFlags(c, &rf)
	a.addHTMLFlags(c, &h, false)
	return c
}

// fcrdnsAddrs collects the addresses to check, deduplicated, in order.
func (a *App) fcrdnsAddrs(args []string, set *zoneset.Set, fromZones, fromIPAM bool, maxAddrs int) ([]netip.Addr, error) {
	var out []netip.Addr
	seen := map[netip.Addr]bool{}
	add := func(x netip.Addr) {
		x = x.Unmap()
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	for _, arg := range args {
		if arg == "-" {
			sc := bufio.NewScanner(a.IO.In)
			line := 0
			for sc.Scan() {
				line++
				s := strings.TrimSpace(sc.Text())
				if s == "" || strings.HasPrefix(s, "#") {
					continue
				}
				x, err := rdns.ParseAddr(s)
				if err != nil {
					if a.cfg.Strict {
						return nil, usageErrorf("stdin:%d: %v", line, err)
					}
					a.warn(fmt.Sprintf("stdin:%d: %v; skipped", line, err))
					continue
				}
				add(x)
			}
			if err := sc.Err(); err != nil {
				if errors.Is(err, bufio.ErrTooLong) {
					return nil, usageErrorf("stdin:%d: line too long (limit %d bytes)", line+1, bufio.MaxScanTokenSize)
				}
				return nil, inputError(err)
			}
			continue
		}
		blocks, err := parseBlocks([]string{arg})
		if err != nil {
			return nil, err
		}
		b := blocks[0]
		if hb := b.Addr().BitLen() - b.Bits(); hb > 30 || 1<<hb > maxAddrs {
			return nil, usageErrorf("%s has more than --max %d addresses", b, maxAddrs)
		}
		for x := b.Addr(); x.IsValid() && b.Contains(x); x = x.Next() {
			add(x)
		}
	}
	if fromZones {
		for _, z := range set.Zones {
			if !z.Reverse {
				continue
			}
			z.Each(func(x netip.Addr, _ int32, r *zonefile.Record) {
				if r.Type == zonefile.TypePTR {
					add(x)
				}
			})
		}
	}
	if fromIPAM {
		exp, err := a.loadIPAMAddresses("fcrdns --from-ipam")
		if err != nil {
			return nil, err
		}
		for _, r := range exp.Records {
			if r.Status.InUse() {
				add(r.Addr)
			}
		}
	}
	return out, nil
}

// firstError returns the error of the first result that has one.
func firstError(results []fcrdns.Result) string {
	for _, r := range results {
		if r.Error != "" {
			return r.Error
		}
		for _, n := range r.Names {
			if n.Error != "" {
				return n.Error
			}
		}
	}
	return "no answer"
}

type fcrdnsReport struct {
	Results []fcrdns.Result `json:"results"`
	Summary fcrdns.Summary  `json:"summary"`
}

func (a *App) renderFCrDNS(results []fcrdns.Result, sum fcrdns.Summary, h *htmlRun) error {
	out := fcrdnsReport{Results: results, Summary: sum}
	if out.Results == nil {
		out.Results = []fcrdns.Result{}
	}
	rows := report.Rows{Header: []string{"ip", "verdict", "iprev", "ptr", "forward", "error"}}
	for _, r := range results {
		if a.cfg.Output == "table" && r.Verdict == fcrdns.Pass {
			continue // the table lists what needs attention
		}
		fw := make([]string, len(r.Forward))
		for i, f := range r.Forward {
			fw[i] = f.String()
		}
		rows.Add(r.IP.String(), string(r.Verdict), string(r.IPRev), strings.Join(r.PTR, " "), strings.Join(fw, " "), r.Error)
	}
	if h.wanted(a) {
		if err := a.fcrdnsHTML(results, sum, h, out, rows); err != nil {
			return err
		}
		if a.cfg.Output == string(report.HTML) {
			return nil
		}
	}
	if a.cfg.Output == "table" {
		counts := report.Rows{Header: []string{"verdict", "addresses"}}
		counts.Add("pass", itoa(sum.Pass))
		counts.Add("no-ptr", itoa(sum.NoPTR))
		counts.Add("no-forward", itoa(sum.NoForward))
		counts.Add("mismatch", itoa(sum.Mismatch))
		counts.Add("multi-ptr", itoa(sum.MultiPTR))
		counts.Add("error", itoa(sum.Error))
		// the counts are a summary: stderr, after the rows on stdout
		if err := a.render(out, rows); err != nil {
			return err
		}
		return a.summaryTable(counts)
	}
	return a.render(out, rows)
}
