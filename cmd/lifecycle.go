package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/rdnsctl/rdnsctl/fcrdns"
	"github.com/rdnsctl/rdnsctl/journal"
	"github.com/rdnsctl/rdnsctl/lifecycle"
	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/report"
	"github.com/rdnsctl/rdnsctl/resolver"
)

func init() {
	extraCommands = append(extraCommands, (*App).newSetCmd, (*App).newUnsetCmd, (*App).newProvisionCmd,
		(*App).newDeprovisionCmd, (*App).newApplyEventsCmd, (*App).newLogCmd)
}

// lifecycleFlags are shared by set, unset, provision, deprovision and
// apply-events.
type lifecycleFlags struct {
	change     changeFlags
	rf         resolverFlags
	noValidate bool
	notifyCmd  string
	waitLive   time.Duration
}

func (a *App) addLifecycleFlags(c *cobra.Command, lf *lifecycleFlags, validates bool) {
	a.addChangeFlags(c, &lf.change)
	if validates {
		a.addResolverFlags(c, &lf.rf)
		c.Flags().BoolVar(&lf.noValidate, "no-validate", false, "do not check that the custom name resolves to the address (recorded in the journal)")
	}
	c.Flags().StringVar(&lf.notifyCmd, "on-change-cmd", "", "after a custom PTR is written, run CMD (sh -c) with RDNS_IP, RDNS_OLD, RDNS_NEW, RDNS_CUSTOMER, RDNS_TICKET set (config on_change)")
	c.Flags().StringVar(&lf.notifyCmd, "notify-cmd", "", "old name of --on-change-cmd")
	_ = c.Flags().MarkDeprecated("notify-cmd", "use --on-change-cmd (a DNS NOTIFY is something else)")
	c.Flags().DurationVar(&lf.waitLive, "wait-live", 0, "after the write, wait until every configured server answers the new PTR (at most this long), then run --on-change-cmd")
}

const lifecycleHelp = `
Custom names are validated first: HOSTNAME must resolve (A for IPv4, AAAA for
IPv6, through --resolver) to the address, or nothing is planned for it.
--no-validate skips that, and the journal records it.`

// runLifecycle plans events and runs the plan like every changing verb.
// Problems with a line number are reported as SRC:LINE.
func (a *App) runLifecycle(ctx context.Context, events []lifecycle.Event, lf *lifecycleFlags, validates bool, strict bool, src string, early []lifecycle.Problem) error {
	unlock, err := a.beginWrite(&lf.change)
	if err != nil {
		return err
	}
	defer unlock()
	s, err := a.loadZones()
	if err != nil {
		return err
	}
	opt := lifecycle.Options{Defaults: a.cfg.Defaults, DeprovisionDelete: a.cfg.Deprovision == "delete"}
	// the names whose forward DNS was looked up and resolves back: the
	// only ones a message may call validated
	type addrName struct {
		addr netip.Addr
		name string
	}
	var validatedMu sync.Mutex
	validated := map[addrName]bool{}
	if validates && !lf.noValidate {
		var r closingResolver
		r, err = a.newResolver(&lf.rf)
		if err != nil {
			return err
		}
		defer r.Close()
		opt.Validate = func(addr netip.Addr, name string) error {
			err := fcrdns.ValidateForward(ctx, r, addr, name)
			if err == nil {
				validatedMu.Lock()
				validated[addrName{addr, name}] = true
				validatedMu.Unlock()
			}
			var fe *fcrdns.ForwardError
			var ae *fcrdns.AliasError
			if errors.As(err, &fe) || errors.As(err, &ae) {
				return fmt.Errorf("refused: %v", err)
			}
			if resolver.IsTemp(err) {
				return fmt.Errorf("cannot validate now: %v", err)
			}
			return err
		}
	}
	cs, problems := lifecycle.Plan(s, events, opt)
	problems = append(early, problems...)
	slices.SortStableFunc(problems, func(x, y lifecycle.Problem) int { return x.Line - y.Line })
	if src != "" {
		lf.change.rejected = []report.Rejected{}
	}
	for _, p := range problems {
		if p.Line > 0 {
			p.File = src
		}
		fmt.Fprintf(a.IO.ErrOut, "rdnsctl: %s\n", safeLines(fmt.Sprint(p)))
		lf.change.rejected = append(lf.change.rejected, rejectedDoc(p))
	}
	if len(problems) > 0 && (strict || len(cs.Changes) == 0) {
		if strict && len(cs.Changes) > 0 {
			a.info("nothing applied: %d event(s) could not be planned (--strict)", len(problems))
		}
		if a.cfg.Output == string(report.JSON) && lf.change.rejected != nil {
			// nothing planned, but the document still says why
			if err := a.renderChanges(rdns.ChangeSet{}, changeSummary{}, false, lf.change.rejected); err != nil {
				return err
			}
		}
		return errSilent{ExitUsage}
	}
	if lf.noValidate {
		for i := range cs.Changes {
			if cs.Changes[i].New != "" {
				cs.Changes[i].Reason += " (not validated: --no-validate)"
			}
		}
	}
	if len(cs.Changes) == 1 && cs.Changes[0].New != "" && validated[addrName{cs.Changes[0].Addr, cs.Changes[0].New}] {
		c := cs.Changes[0]
		lf.change.describe = fmt.Sprintf("%s: PTR %s, which resolves back to %s", c.Addr, c.New, c.Addr)
	}
	if err := a.runPlan(s, cs, 0, &lf.change); err != nil {
		return err
	}
	if lf.change.write {
		if lf.waitLive > 0 {
			if err := a.waitLive(cs, lf.waitLive); err != nil {
				return err
			}
		}
		a.notify(cs, lf)
	}
	if len(problems) > 0 {
		return errSilent{ExitUsage}
	}
	return nil
}

// notify runs --on-change-cmd (or the config's on_change:, formerly
// notify:) for every custom PTR written; a failure is reported, never undoes
// the change.
func (a *App) notify(cs rdns.ChangeSet, lf *lifecycleFlags) {
	cmdline := lf.notifyCmd
	if cmdline == "" {
		cmdline = a.cfg.OnChange
	}
	if cmdline == "" {
		cmdline = a.cfg.Notify
	}
	if cmdline == "" {
		return
	}
	for _, c := range cs.Changes {
		if c.New == "" || c.Type != "PTR" || a.cfg.Defaults.IsDefault(c.Addr, c.New) {
			continue
		}
		cmd := exec.Command("sh", "-c", cmdline)
		cmd.Env = append(os.Environ(), "RDNS_IP="+c.Addr.String(), "RDNS_OLD="+c.Old, "RDNS_NEW="+c.New,
			"RDNS_CUSTOMER="+c.Customer, "RDNS_TICKET="+firstNonEmpty(c.Ticket, lf.change.ticket))
		cmd.Stdout, cmd.Stderr = a.IO.ErrOut, a.IO.ErrOut
		if err := cmd.Run(); err != nil {
			// not a.warn: --quiet must not hide it
			fmt.Fprintf(a.IO.ErrOut, "warning: notify for %s failed (the change stays): %v\n", c.Addr, err)
		}
	}
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func (a *App) newSetCmd() *cobra.Command {
	var lf lifecycleFlags
	c := &cobra.Command{
		Use:   "set IP HOSTNAME",
		Short: "Set a customer's custom PTR, once its forward DNS validates",
		Long:  "Set the PTR of IP to HOSTNAME, a customer's own name.\n" + lifecycleHelp + "\n" + changeHelp + "\n" + exitStatusHelp,
		Example: `  rdnsctl set 198.51.100.44 mail.customer.example --ticket CS-1234
  rdnsctl set 198.51.100.44 mail.customer.example --ticket CS-1234 --write
  rdnsctl set 2001:db8:100::25 mx.customer.example --no-validate --write`,
		Args: cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			ev := lifecycle.Event{Kind: lifecycle.Set, IP: args[0], Hostname: args[1], Ticket: lf.change.ticket}
			if _, err := lifecycle.ParseTarget(args[0]); err != nil {
				return &usageError{err}
			}
			return a.runLifecycle(c.Context(), []lifecycle.Event{ev}, &lf, true, true, "", nil)
		},
	}
	a.addLifecycleFlags(c, &lf, true)
	return c
}

func (a *App) newUnsetCmd() *cobra.Command {
	return a.newResetCmd(lifecycle.Unset, "unset IP", "Reset an address's PTR to the default of its block",
		"Reset the PTR of IP to the default template of its block (defaults: in the config).",
		"  rdnsctl unset 198.51.100.44 --ticket CS-1240 --write", cobra.ExactArgs(1))
}

// newResetCmd makes the verbs that take an address (or block) back to its
// default PTR: unset and deprovision.
func (a *App) newResetCmd(kind lifecycle.Kind, use, short, long, example string, args cobra.PositionalArgs) *cobra.Command {
	var lf lifecycleFlags
	c := &cobra.Command{
		Use:     use,
		Short:   short,
		Long:    long + "\n" + changeHelp + "\n" + exitStatusHelp,
		Example: example,
		Args:    args,
		RunE: func(c *cobra.Command, args []string) error {
			if _, err := lifecycle.ParseTarget(args[0]); err != nil {
				return &usageError{err}
			}
			return a.runLifecycle(c.Context(), []lifecycle.Event{{Kind: kind, IP: args[0], Ticket: lf.change.ticket}}, &lf, false, true, "", nil)
		},
	}
	a.addLifecycleFlags(c, &lf, false)
	return c
}

func (a *App) newProvisionCmd() *cobra.Command {
	var (
		lf       lifecycleFlags
		customer string
		hostname string
	)
	c := &cobra.Command{
		Use:   "provision IP|CIDR --customer ID [--hostname NAME]",
		Short: "An address leaves the pool: default PTR, or the customer's validated name",
		Long:  "Give IP (or every address of CIDR) its PTR as it is assigned to a customer: the default\ntemplate of its block, or with --hostname the customer's name (one address).\n" + lifecycleHelp + "\n" + changeHelp + "\n" + exitStatusHelp,
		Example: `  rdnsctl provision 198.51.100.44 --customer C-1001 --write
  rdnsctl provision 198.51.100.44 --customer C-1001 --hostname mail.customer.example --write
  rdnsctl provision 198.51.100.128/29 --customer C-1002 --ticket PRV-77 --write`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if customer == "" {
				return usageErrorf("provision needs --customer")
			}
			if _, err := lifecycle.ParseTarget(args[0]); err != nil {
				return &usageError{err}
			}
			ev := lifecycle.Event{Kind: lifecycle.Provision, IP: args[0], Customer: customer, Hostname: hostname, Ticket: lf.change.ticket}
			return a.runLifecycle(c.Context(), []lifecycle.Event{ev}, &lf, hostname != "", true, "", nil)
		},
	}
	c.Flags().StringVar(&customer, "customer", "", "customer ID (recorded in the journal)")
	c.Flags().StringVar(&hostname, "hostname", "", "the customer's own host name (validated)")
	a.addLifecycleFlags(c, &lf, true)
	return c
}

func (a *App) newDeprovisionCmd() *cobra.Command {
	return a.newResetCmd(lifecycle.Deprovision, "deprovision IP|CIDR", "An address returns to the pool: reset (or delete) its PTR",
		"Reset the PTR of IP (or of every address of CIDR) to the default, or delete it when\nthe config says deprovision: delete, so the next customer starts clean.",
		"  rdnsctl deprovision 198.51.100.44 --ticket TERM-88 --write", cobra.ExactArgs(1))
}

func (a *App) newApplyEventsCmd() *cobra.Command {
	var lf lifecycleFlags
	c := &cobra.Command{
		Use:   "apply-events FILE|-",
		Short: "Apply a batch of lifecycle events from a provisioning system",
		Long: `Read lifecycle events, as JSON Lines or CSV with a header, and plan them as one change set,
applied all or nothing:

  {"event":"provision","ip":"198.51.100.44","customer":"C-1001","ticket":"PRV-1"}
  {"event":"set","ip":"198.51.100.44","hostname":"mail.customer.example"}
  {"event":"unset","ip":"198.51.100.44"}
  {"event":"deprovision","ip":"198.51.100.44"}

  event,ip,customer,hostname,ticket
  provision,198.51.100.44,C-1001,,PRV-1

A bad event is reported with its line and the rest is still planned; with --strict
nothing is applied. Custom names are validated like set, unless --no-validate.
` + changeHelp + "\n" + exitStatusHelp,
		Example: `  rdnsctl apply-events events.jsonl
  provisioning-export | rdnsctl apply-events - --write --operator provisioning`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			var in io.Reader = a.IO.In
			name := "stdin"
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return inputError(err)
				}
				defer f.Close()
				in, name = f, args[0]
			}
			events, problems, err := lifecycle.ReadEvents(in)
			if err != nil {
				var p lifecycle.Problem
				if errors.As(err, &p) {
					p.File = name
					return inputError(p)
				}
				return inputError(fmt.Errorf("%s: %w", name, err))
			}
			return a.runLifecycle(c.Context(), events, &lf, true, a.cfg.Strict, name, problems)
		},
	}
	a.addLifecycleFlags(c, &lf, true)
	return c
}

func (a *App) newLogCmd() *cobra.Command {
	var since string
	c := &cobra.Command{
		Use:   "log [IP|CIDR]",
		Short: "Show the change journal: when a PTR changed, by whom, from what to what",
		Long:  "Print the change journal (journal: in the config; default rdns-changes.jsonl beside the zones),\noldest first, for an address or block, since a duration (7d, 36h) or a date.\n" + exitStatusHelp,
		Example: `  rdnsctl log 198.51.100.44
  rdnsctl log 198.51.100.0/24 --since 30d -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			var f journal.Filter
			if len(args) == 1 {
				p, err := lifecycle.ParseTarget(args[0])
				if err != nil {
					return &usageError{err}
				}
				f.Prefix = p
			}
			if since != "" {
				t, err := parseSince(since, a.Now())
				if err != nil {
					return &usageError{err}
				}
				f.Since = t
			}
			entries, skipped, err := journal.ReadFile(a.journalPath(), f)
			if err != nil {
				return inputError(err)
			}
			if skipped > 0 {
				a.warn(fmt.Sprintf("%s: %d line(s) that do not parse were skipped", a.journalPath(), skipped))
			}
			out := report.LogDoc(entries)
			rows := report.Rows{Header: report.LogHeader}
			for i := range entries {
				rows.Add(report.LogRow(&entries[i])...)
			}
			return a.render(out, rows)
		},
	}
	c.Flags().StringVar(&since, "since", "", "only changes since DURATION ago (90m, 36h, 7d) or DATE (2026-11-01, RFC 3339)")
	return c
}

func parseSince(s string, now time.Time) (time.Time, error) {
	if strings.HasSuffix(s, "d") {
		var n int
		if _, err := fmt.Sscanf(s, "%dd", &n); err == nil {
			return now.Add(-time.Duration(n) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--since %q: want a duration (7d, 36h) or a date (2006-01-02)", s)
}

// rejectedDoc is a problem in the JSON contract of apply-events.
func rejectedDoc(p lifecycle.Problem) report.Rejected {
	r := report.Rejected{File: p.File, Event: string(p.Event.Kind), IP: p.Event.IP, Customer: p.Event.Customer,
		Hostname: p.Event.Hostname, Reason: fmt.Sprint(p.Err)}
	if p.Line > 0 {
		l := p.Line
		r.Line = &l
	}
	return r
}
