package cmd

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rdnsctl/rdnsctl/bulk"
	"github.com/rdnsctl/rdnsctl/plan"
	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

func init() { extraCommands = append(extraCommands, (*App).newTransferCmd) }

func (a *App) newTransferCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "transfer",
		Short: "Move a block's PTRs between zone layouts and providers (RFC 2317 delegation, export, import)",
		Long: `Move a block's PTRs between zones without a moment where an address has no PTR:
the zone files are written together, new zones before the zones that point into them.
` + exitStatusHelp,
		Example: `  rdnsctl transfer delegate 198.51.100.64/26 --style slash --write
  rdnsctl transfer undelegate 198.51.100.64/26 --write
  rdnsctl transfer export 198.51.100.128/25 --out handover/ --cname-to 128-25.rev.provider.example. --write
  rdnsctl transfer import their-zone.db --block 203.0.113.0/24 --write`,
	}
	c.AddCommand(a.newDelegateCmd(), a.newUndelegateCmd(), a.newExportCmd(), a.newImportCmd())
	return c
}

func (a *App) newDelegateCmd() *cobra.Command {
	var (
		f        changeFlags
		style    string
		ns       []string
		external bool
		generate bool
		move     bool
		dk       dynamicKeyOptions
	)
	c := &cobra.Command{
		Use:   "delegate CIDR",
		Short: "Delegate an IPv4 /25../32 (RFC 2317) or an IPv6 customer prefix (NS sets at its nibble owners)",
		Long: `Move the PTRs of a block smaller than a /24 into a classless child zone (created from
the zone template, or the parent's SOA and NS, when missing). The parent gets an
NS set for the child and one CNAME per address pointing into it (RFC 2317).
The child's label style: slash (64/26, RFC 2317), rfc4183 (64-26) or range (64-127);
default classless_style of the config. A block without PTRs yet gets an empty child
zone (SOA and NS).

With --external the child zone is the customer's, on their own name servers (--ns,
required): the parent gets the NS set and the CNAMEs, no local child zone is made,
and PTRs the parent held for the block are deleted (the customer's servers answer
for them). The block may be empty: the delegation often precedes the first PTR.
The CNAMEs are written as one $GENERATE line when the parent already writes its
CNAMEs so, or with --generate. A name server inside the zone needs glue, and only
such a one takes it: --ns ns1.64/26.100.51.198.in-addr.arpa.=192.0.2.53 (repeat
--ns with the same name for more addresses).

An IPv6 prefix (--ns required, unless the child zone is loaded here and has its
own NS set) gets one NS set at each nibble owner that covers it exactly, in the
ip6.arpa zone above it: a /56, /60 or /64 one NS set, a /50 four /52 NS sets,
a /58 four /60s; never a larger block. Glue as for IPv4. A delegation over
explicit PTRs the parent holds below a delegation point is refused (the server
would never answer them): --move sends them into the child zone (which is then
hosted here, created when missing), --force delegates over them as they are.
A prefix inside a delegation the zone already has is refused (those servers
answer for it: undelegate it first); one around delegations of the zone is
refused as PTRs are (--force delegates over them, leaving their NS sets hidden).

--dynamic-key NAME (IPv6) is for a customer whose router updates its own PTRs
(RFC 8501: dynamic DNS from the customer's gateway, within the delegated prefix).
rdnsctl creates the TSIG key NAME (hmac-sha256, 32 random octets from the
system's CSPRNG) as a BIND key file KEY_DIR/NAME.key, mode 0600: only with
--write, never over an existing file; a later run with the same NAME reuses the
file, so the command stays idempotent. KEY_DIR is key_dir in the config
(RDNSCTL_KEY_DIR), else keys/ beside the journal. After the plan it prints the
named.conf text: the key's include and, per zone, the zone statement with an
update-policy of one "grant NAME subdomain OWNER PTR;" per nibble owner that
covers the prefix (a /50: four /52 owners). The key may then add, change and
delete PTR records at and below those owners, nothing else (no NS, no TXT, no
name outside the prefix). The secret is never printed: hand the key file to the
customer. Which zone holds the grant:
  (default)    the child zones at the nibble owners, hosted on our servers:
               delegated from the parent as above and, when not loaded, made
               (SOA, and NS from --ns, else the parent's);
  --in-parent  no delegation: the PTRs stay in our zone above the prefix, which
               must not delegate it; the grants go to that zone.
--external is refused with --dynamic-key: the customer's own servers hold that
zone, and updates go there with keys of theirs. With update-policy, BIND keeps
the updates in the zone's FILE.jnl: rdnsctl then writes that zone only with the
primary's freeze_cmd/thaw_cmd, or configured as {origin, server}. With
zones_conf, rdnsctl keeps the grants there (from KEY_DIR/NAME.grants.json, which
it writes beside the key): the key's include and the zone's update-policy, and
runs reconfig_cmd; without it, merge the printed update-policy with the zone's
statement (BIND takes one per zone). The key's creation is journaled. To revoke
a key, remove KEY_DIR/NAME.key and NAME.grants.json: zones_conf drops a key whose
file is gone at its next rewrite (undelegate leaves both).
` + changeHelp + "\n" + exitStatusHelp,
		Example: `  rdnsctl transfer delegate 2001:db8:100:a00::/56 --external --ns ns1.customer.example. --ns ns2.customer.example. --write
  rdnsctl transfer delegate 2001:db8:100:4000::/50 --ns ns1.customer.example. --move --write
  rdnsctl transfer delegate 2001:db8:100:a00::/56 --dynamic-key cust-a --write
  rdnsctl transfer delegate 2001:db8:100:4000::/50 --dynamic-key cust-b --in-parent --write
  rdnsctl transfer delegate 198.51.100.64/26 --style rfc4183
  rdnsctl transfer delegate 198.51.100.64/26 --ns ns1.customer.example. --ns ns2.customer.example. --write
  rdnsctl transfer delegate 198.51.100.128/27 --external --ns ns1.customer.example. --ns ns2.customer.example. --generate --write`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			blocks, err := parseBlocks(args)
			if err != nil {
				return err
			}
			s, unlock, err := a.loadForChange(&f)
			if err != nil {
				return err
			}
			defer unlock()
			st, err := setStyle(s, style)
			if err != nil {
				return err
			}
			names, glue, err := parseNS(ns)
			if err != nil {
				return err
			}
			if (dk.Name != "" || dk.InParent) && !blocks[0].Addr().Is6() {
				return usageErrorf("--dynamic-key is for IPv6 customer prefixes")
			}
			if dk.InParent && dk.Name == "" {
				return usageErrorf("--in-parent goes with --dynamic-key NAME")
			}
			if blocks[0].Addr().Is6() {
				opt := bulk.Delegate6Options{Prefix: blocks[0], NS: names, External: external, Glue: glue,
					Move: move, Force: f.force, NewFile: func(o string) string { return a.newZoneFile(s, o) }}
				if dk.Name != "" {
					return a.delegateDynamic(s, opt, dk, &f)
				}
				cs, err := bulk.Delegate6(s, opt)
				if err != nil {
					return &usageError{err}
				}
				return a.runPlan(s, cs, 0, &f)
			}
			if move {
				return usageErrorf("--move is for IPv6 delegations: an IPv4 delegation always moves the PTRs into a local child zone (without --external)")
			}
			cs, err := bulk.Delegate(s, bulk.DelegateOptions{Block: blocks[0], Style: st, NS: names, NewFile: func(o string) string { return a.newZoneFile(s, o) },
				External: external, Generate: generate, Glue: glue})
			if err != nil {
				return &usageError{err}
			}
			return a.runPlan(s, cs, 0, &f)
		},
	}
	c.Flags().StringVar(&style, "style", "", "child zone label style: slash, rfc4183, range (default: classless_style in the config)")
	c.Flags().StringArrayVar(&ns, "ns", nil, "name server of the child zone, NAME or NAME=ADDRESS for the glue of a name inside the zone (repeatable; default: the parent's)")
	c.Flags().BoolVar(&external, "external", false, "the child zone is on the customer's own servers (--ns): no local child zone")
	c.Flags().BoolVar(&generate, "generate", false, "write the parent's CNAMEs as a $GENERATE line")
	c.Flags().BoolVar(&move, "move", false, "IPv6: move the parent's explicit PTRs below the delegation points into the child zone (hosted here)")
	c.Flags().StringVar(&dk.Name, "dynamic-key", "", "IPv6: create TSIG key NAME for the customer's router and print the update-policy grant restricting it to the prefix's PTRs")
	c.Flags().BoolVar(&dk.InParent, "in-parent", false, "with --dynamic-key: no delegation, the customer's PTRs stay in our zone above the prefix")
	a.addChangeFlags(c, &f)
	return c
}

func (a *App) newUndelegateCmd() *cobra.Command {
	var f changeFlags
	c := &cobra.Command{
		Use:   "undelegate CIDR",
		Short: "Undo a delegation: a classless child zone's PTRs back into the parent, or an IPv6 prefix's NS sets removed",
		Long: `The reverse of delegate: the child zone's PTRs go back into the parent under their
plain names, the parent's CNAMEs and NS set for the child are removed, and the child
zone file is retired (renamed to FILE.retired, which rdnsctl does not load: remove
it from named.conf). For an IPv6 prefix the NS sets at its nibble owners and their
glue are removed; PTRs of child zones loaded here go back into the parent.
` + changeHelp + "\n" + exitStatusHelp,
		Example: `  rdnsctl transfer undelegate 198.51.100.64/26 --write`,
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			blocks, err := parseBlocks(args)
			if err != nil {
				return err
			}
			s, unlock, err := a.loadForChange(&f)
			if err != nil {
				return err
			}
			defer unlock()
			if blocks[0].Addr().Is6() {
				cs, retire, err := bulk.Undelegate6(s, blocks[0])
				if err != nil {
					return &usageError{err}
				}
				return a.runPlan(s, cs, 0, &f, retire...)
			}
			cs, child, err := bulk.Undelegate(s, blocks[0])
			if err != nil {
				return &usageError{err}
			}
			var retire []string
			if child != "" {
				retire = append(retire, child)
			}
			return a.runPlan(s, cs, 0, &f, retire...)
		},
	}
	a.addChangeFlags(c, &f)
	return c
}

func (a *App) newExportCmd() *cobra.Command {
	var (
		f       changeFlags
		out     string
		cnameTo string
		style   string
	)
	c := &cobra.Command{
		Use:   "export CIDR --out DIR [--cname-to ZONE]",
		Short: "Hand a block's PTRs to another provider: a standalone zone and CSV, removed from ours",
		Long: `Write the block's PTRs as a standalone zone file (DIR/ORIGIN.zone, with the SOA and NS
of the zone template) and as CSV (DIR/BLOCK.csv: ip,ptr) for another provider, and
remove them from our zones. With --cname-to ZONE the exported zone takes that origin
and our zones keep one CNAME per address pointing into it (RFC 2317), so the
addresses resolve without a moment's gap once the other provider serves it.
` + changeHelp + "\n" + exitStatusHelp,
		Example: `  rdnsctl transfer export 198.51.100.192/27 --out handover/
  rdnsctl transfer export 198.51.100.192/27 --out handover/ --cname-to 192-27.rev.other.example. --write`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if out == "" {
				return usageErrorf("export needs --out DIR")
			}
			blocks, err := parseBlocks(args)
			if err != nil {
				return err
			}
			s, unlock, err := a.loadForChange(&f)
			if err != nil {
				return err
			}
			defer unlock()
			st, err := setStyle(s, style)
			if err != nil {
				return err
			}
			ptrs, origin, cs, err := bulk.Export(s, bulk.ExportOptions{Block: blocks[0], Style: st, CNAMETo: cnameTo})
			if err != nil {
				return &usageError{err}
			}
			base := strings.ReplaceAll(strings.TrimSuffix(origin, "."), "/", "-")
			zonePath := filepath.Join(out, base+".zone")
			csvPath := filepath.Join(out, strings.ReplaceAll(blocks[0].String(), "/", "_")+".csv")
			if len(ptrs) == 0 {
				// run again after the export: the PTRs are gone from our
				// zones and the hand-over files are there, so nothing is
				// left to do
				if isFile(zonePath) && isFile(csvPath) {
					a.info("%s was already exported as zone %s (%s, %s)", blocks[0], origin, zonePath, csvPath)
					return a.runPlan(s, cs, 0, &f)
				}
				return usageErrorf("%s holds no PTR in the loaded zones: nothing to export", blocks[0])
			}
			head, ttl, err := plan.ZoneHead(s, origin, a.planTemplate(), a.Now())
			if err != nil {
				return err
			}
			zoneData, csvData := bulk.ExportFiles(ptrs, origin, ttl, head, st)
			if f.write {
				if err := os.MkdirAll(out, 0o755); err != nil {
					return err
				}
			}
			extra := []plan.File{
				{Zone: origin, Path: zonePath, New: zoneData},
				{Zone: origin, Path: csvPath, New: csvData},
			}
			a.info("exporting %d PTRs of %s as zone %s", len(ptrs), blocks[0], origin)
			return a.runPlanWith(s, cs, 0, &f, extra, nil)
		},
	}
	c.Flags().StringVar(&out, "out", "", "directory for the exported zone file and CSV")
	c.Flags().StringVar(&cnameTo, "cname-to", "", "the other provider's zone: leave CNAMEs pointing into it")
	c.Flags().StringVar(&style, "style", "", "label style of a classless exported zone: slash, rfc4183, range")
	a.addChangeFlags(c, &f)
	return c
}

func (a *App) newImportCmd() *cobra.Command {
	var (
		f         changeFlags
		block     string
		origin    string
		overwrite string
	)
	c := &cobra.Command{
		Use:   "import FILE --block CIDR",
		Short: "Re-home another provider's PTRs for a block we received into our zones",
		Long: `Read another provider's zone file (origin from $ORIGIN, or --origin) or CSV (ip and ptr
columns), and plan its PTRs inside --block into our zone layout (creating zones from
the zone template where needed). Where we already publish a different name for an
address, that is reported as a conflict and left alone, unless --overwrite all.
` + changeHelp + "\n" + exitStatusHelp,
		Example: `  rdnsctl transfer import their-zone.db --block 203.0.113.0/24
  rdnsctl transfer import handover.csv --block 203.0.113.0/24 --write`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			blocks, err := parseBlocks([]string{block})
			if err != nil || block == "" {
				return usageErrorf("import needs --block CIDR")
			}
			ow, err := bulk.ParseOverwrite(overwrite)
			if err != nil {
				return &usageError{err}
			}
			data, err := os.ReadFile(args[0])
			if err != nil {
				return inputError(err)
			}
			ptrs, err := bulk.ReadPTRs(data, args[0], origin, a.cfg.ClasslessStyle)
			if err != nil {
				return inputError(err)
			}
			s, unlock, err := a.loadForChange(&f)
			if err != nil {
				return err
			}
			defer unlock()
			cs, conflicts, st, err := bulk.Import(s, ptrs, bulk.ImportOptions{Block: blocks[0], Overwrite: ow,
				NewZone: func(addr netip.Addr) (string, string) {
					o := newZoneOrigin(addr, blocks)
					return o, a.newZoneFile(s, o)
				}})
			if err != nil {
				return &usageError{err}
			}
			for _, cf := range conflicts {
				verb := "kept ours"
				if cf.Replaced {
					verb = "replaced"
				}
				a.warn(fmt.Sprintf("conflict at %s: we publish %s, they %s (%s)", cf.Addr, strings.Join(cf.Ours, ", "), cf.Theirs, verb))
			}
			a.info("%d PTRs of %s read: %d already match, %d conflicts", st.Addresses, blocks[0], st.Unchanged, len(conflicts))
			return a.runPlan(s, cs, st.Unchanged+st.Kept, &f)
		},
	}
	c.Flags().StringVar(&block, "block", "", "the block we received (PTRs outside it are ignored)")
	c.Flags().StringVar(&origin, "origin", "", "origin of FILE when it has no $ORIGIN")
	c.Flags().StringVar(&overwrite, "overwrite", "none", "conflicts: none (keep ours) or all (take theirs)")
	a.addChangeFlags(c, &f)
	return c
}

// setStyle is --style, or the zone set's classless label style (the
// config's classless_style), so that what is written is read back the same.
func setStyle(s *zoneset.Set, flag string) (rdns.Style, error) {
	if flag == "" {
		return s.Style(), nil
	}
	st, err := rdns.ParseStyle(flag)
	if err != nil {
		return st, &usageError{err}
	}
	return st, nil
}

// isFile says whether path names a regular file.
func isFile(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// parseNS reads --ns values: NAME, or NAME=ADDRESS for glue (a name given
// twice keeps every address).
func parseNS(vals []string) ([]string, map[string][]netip.Addr, error) {
	var names []string
	glue := map[string][]netip.Addr{}
	for _, v := range vals {
		for _, item := range strings.Split(v, ",") {
			item = strings.TrimSpace(item)
			if item == "" {
				continue
			}
			name, addr, hasAddr := strings.Cut(item, "=")
			name = rdns.CanonicalHostname(name)
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
			if !hasAddr {
				continue
			}
			a, err := netip.ParseAddr(strings.TrimSpace(addr))
			if err != nil || a.Zone() != "" {
				return nil, nil, usageErrorf("--ns %s: %q is not an address", item, addr)
			}
			glue[name] = append(glue[name], a.Unmap())
		}
	}
	return names, glue, nil
}
