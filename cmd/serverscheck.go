package cmd

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rdnsctl/rdnsctl/drift"
	"github.com/rdnsctl/rdnsctl/report"
	"github.com/rdnsctl/rdnsctl/zonefile"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

func init() { extraCommands = append(extraCommands, (*App).newServersCmd) }

func (a *App) newServersCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "servers",
		Short: "The live servers: are they serving what rdnsctl has?",
		Long: `Work on the live servers of servers: in the config: check compares what each one
serves with what rdnsctl has.
` + exitStatusHelp,
		Example: `  rdnsctl servers check --config rdnsctl.yaml
  rdnsctl servers check --records -o json`,
		Args: cobra.NoArgs,
	}
	c.AddCommand(a.newServersCheckCmd())
	return c
}

type serversCheckFlags struct {
	records     bool
	wait        time.Duration
	concurrency int
}

func (a *App) newServersCheckCmd() *cobra.Command {
	var f serversCheckFlags
	c := &cobra.Command{
		Use:   "check [ZONE...]",
		Short: "Compare every zone's serial (and with --records its data) on every configured server",
		Long: `For every zone (file-backed and on servers) and every server of servers: in the
config, ask the server for the zone's SOA serial and compare it, in RFC 1982
serial arithmetic, with what it should be: on the primary, the zone file's serial
(a zone read from its primary by AXFR is its own truth); on each secondary, the
primary's serial. File-backed zones are checked on every primary of type dns and
every secondary; a zone {origin, server} on its server and every secondary.

STATUS is one of
  ok           the serial is the one wanted (and with --records, so is the data)
  behind       a lower serial: the server has not transferred or loaded the change
  ahead        a higher serial than ours
  missing      the server is not authoritative for the zone (REFUSED, NOTAUTH,
               SERVFAIL, or an answer without SOA and AA)
  unreachable  no answer (timeout, connection refused)
  differs      (--records) the same serial with other PTR/CNAME data: the worst
               drift, which serial checks alone never see; the first differing
               addresses are listed

--records reads each server's copy by AXFR (signed with the server's key), so the
servers must allow rdnsctl to transfer. --wait polls until every server is ok or
the time runs out (to confirm that a change is live everywhere).
` + exitStatusHelp + `
  (1 here: a server is not ok)`,
		Example: `  rdnsctl servers check --config rdnsctl.yaml
  rdnsctl servers check 100.51.198.in-addr.arpa --records -o json
  rdnsctl servers check --wait 2m`,
		RunE: func(c *cobra.Command, args []string) error { return a.runServersCheck(args, f) },
	}
	fl := c.Flags()
	fl.BoolVar(&f.records, "records", false, "also compare the PTR and CNAME records (AXFR of each server's copy)")
	fl.DurationVar(&f.wait, "wait", 0, "poll until every server is ok, at most this long")
	fl.IntVar(&f.concurrency, "concurrency", 64, "queries in flight at once")
	return c
}

// checkGroup is zones that have the same servers.
type checkGroup struct {
	zones   []drift.Zone
	targets []drift.Target
}

func (a *App) serverGroups(only []string) ([]checkGroup, error) {
	if len(a.cfg.Servers) == 0 {
		return nil, usageErrorf("no servers: configure servers: in the config (see --help)")
	}
	want := map[string]bool{}
	for _, z := range only {
		want[zonefile.Fqdn(z)] = true
	}
	pick := func(origin string) bool { return len(want) == 0 || want[origin] }
	var secondaries []drift.Target
	var filePrimaries []drift.Target
	for i := range a.cfg.Servers {
		s := &a.cfg.Servers[i]
		if s.Address == "" {
			a.warn(fmt.Sprintf("server %s has no address: its zones' serials cannot be asked over DNS (give address: host:port)", s.Name))
			continue
		}
		t := drift.Target{Server: s.dnsServer(), Role: s.Role}
		if s.Type == "powerdns" {
			t.Server.Key = nil
		}
		switch {
		case s.Role == "secondary":
			secondaries = append(secondaries, t)
		case s.Type == "dns":
			filePrimaries = append(filePrimaries, t)
		}
	}
	var groups []checkGroup
	if len(a.cfg.Zones) > 0 {
		s, err := a.loadFileZones()
		if err != nil {
			return nil, err
		}
		g := checkGroup{targets: append(append([]drift.Target{}, filePrimaries...), secondaries...)}
		for _, z := range s.Zones {
			if !pick(z.Origin) {
				continue
			}
			dz := drift.Zone{Origin: z.Origin, Records: z.Records}
			for _, r := range z.Records {
				if r.Type == zonefile.TypeSOA {
					if soa, err := zonefile.ParseSOA(r.Data); err == nil {
						dz.Serial, dz.Known = soa.Serial, true
					}
					break
				}
			}
			g.zones = append(g.zones, dz)
		}
		if len(g.zones) > 0 && len(g.targets) > 0 {
			groups = append(groups, g)
		}
	}
	remote, err := a.remoteZones(a.context())
	if err != nil {
		return nil, err
	}
	byServer := map[string]*checkGroup{}
	var order []string
	for _, z := range remote {
		if !pick(z.Origin) {
			continue
		}
		g := byServer[z.Server]
		if g == nil {
			s := a.server(z.Server)
			g = &checkGroup{}
			if s.Address != "" {
				t := drift.Target{Server: s.dnsServer(), Role: drift.Primary}
				if s.Type == "powerdns" {
					t.Server.Key = nil
				}
				g.targets = append(g.targets, t)
			}
			g.targets = append(g.targets, secondaries...)
			byServer[z.Server] = g
			order = append(order, z.Server)
		}
		g.zones = append(g.zones, drift.Zone{Origin: z.Origin})
	}
	for _, name := range order {
		if g := byServer[name]; len(g.targets) > 0 {
			groups = append(groups, *g)
		}
	}
	if len(want) > 0 {
		found := map[string]bool{}
		for _, g := range groups {
			for _, z := range g.zones {
				found[z.Origin] = true
			}
		}
		for z := range want {
			if !found[z] {
				return nil, usageErrorf("zone %s: not among the configured zones", z)
			}
		}
	}
	return groups, nil
}

// loadFileZones reads only the zone files (not the zones on servers).
func (a *App) loadFileZones() (*zoneset.Set, error) {
	remote := a.cfg.RemoteZones
	a.cfg.RemoteZones = nil
	defer func() { a.cfg.RemoteZones = remote }()
	return a.loadZonesReadOnly()
}

// serversReport is the JSON contract of servers check.
type serversReport struct {
	Zones   []drift.Row    `json:"zones"`
	Summary serversSummary `json:"summary"`
}

type serversSummary struct {
	Zones    int            `json:"zones"`
	Servers  int            `json:"servers"`
	Statuses map[string]int `json:"statuses"`
	OK       bool           `json:"ok"`
}

func (a *App) runServersCheck(only []string, f serversCheckFlags) error {
	groups, err := a.serverGroups(only)
	if err != nil {
		return err
	}
	ctx := a.context()
	deadline := time.Now().Add(f.wait)
	var rows []drift.Row
	for {
		rows = rows[:0]
		for _, g := range groups {
			rs, err := drift.Check(ctx, g.zones, g.targets, drift.Options{Records: f.records, Concurrency: f.concurrency})
			if err != nil {
				if ctx.Err() != nil {
					return fmt.Errorf("%w: %v", errInterrupted, err)
				}
				return err
			}
			rows = append(rows, rs...)
		}
		if allOK(rows) || f.wait <= 0 || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %v", errInterrupted, ctx.Err())
		case <-time.After(time.Second):
		}
	}
	sum := serversSummary{Statuses: map[string]int{}}
	zones, servers := map[string]bool{}, map[string]bool{}
	for _, st := range drift.Statuses {
		sum.Statuses[string(st)] = 0
	}
	for _, r := range rows {
		zones[r.Zone], servers[r.Server] = true, true
		sum.Statuses[string(r.Status)]++
	}
	sum.Zones, sum.Servers, sum.OK = len(zones), len(servers), allOK(rows)
	if err := a.renderServers(rows, sum); err != nil {
		return err
	}
	var counts []string
	for _, st := range drift.Statuses {
		if n := sum.Statuses[string(st)]; n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n, st))
		}
	}
	a.info("%d zone(s) on %d server(s): %s", sum.Zones, sum.Servers, strings.Join(counts, ", "))
	if !sum.OK {
		return errFindings
	}
	return nil
}

func allOK(rows []drift.Row) bool {
	for _, r := range rows {
		if r.Status != drift.OK {
			return false
		}
	}
	return true
}

func (a *App) renderServers(rows []drift.Row, sum serversSummary) error {
	f := report.Format(a.cfg.Output)
	if f == report.JSON {
		if rows == nil {
			rows = []drift.Row{}
		}
		return report.WriteJSON(a.IO.Out, serversReport{Zones: rows, Summary: sum})
	}
	w := report.NewRowWriter(a.IO.Out, f, a.IO.OutTTY, []string{"zone", "server", "role", "serial", "want", "status", "detail"})
	for _, r := range rows {
		detail := r.Error
		if len(r.Diffs) > 0 {
			var ds []string
			for _, d := range r.Diffs {
				who := d.IP
				if who == "" {
					who = d.Name
				}
				ds = append(ds, fmt.Sprintf("%s ours %s, theirs %s", who, orNone(d.Ours), orNone(d.Theirs)))
			}
			detail = strings.Join(ds, "; ")
			if r.DiffCount > len(r.Diffs) {
				detail += fmt.Sprintf("; and %d more", r.DiffCount-len(r.Diffs))
			}
		}
		w.Row(r.Zone, r.Server, r.Role, serialText(r.Serial), serialText(r.WantSerial), string(r.Status), detail)
	}
	return w.Close()
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ",")
}

func serialText(s *uint32) string {
	if s == nil {
		return "-"
	}
	return strconv.FormatUint(uint64(*s), 10)
}
