package cmd

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/spf13/cobra"

	"github.com/rdnsctl/rdnsctl/bulk"
	"github.com/rdnsctl/rdnsctl/rdns"
)

func init() { extraCommands = append(extraCommands, (*App).newBlockInitCmd) }

// parseBlocks reads CIDR arguments; a bare address is its /32 or /128. A
// CIDR with host bits set is a usage error (rdns.ParseBlock).
func parseBlocks(args []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range args {
		p, err := rdns.ParseBlock(strings.TrimSpace(s))
		if err != nil {
			return nil, &usageError{err}
		}
		out = append(out, p)
	}
	return out, nil
}

func (a *App) newBlockInitCmd() *cobra.Command {
	var (
		f          changeFlags
		template   string
		overwrite  string
		skipNB     bool
		generate   bool
		maxAddrs   int
		fromIPAM   bool
		synthesize string
	)
	c := &cobra.Command{
		Use:   "block-init CIDR...",
		Short: "Set a default PTR for every address of new blocks",
		Long: `Set a default PTR, rendered from a template, for every address of each block.
A block that spans several /24s is spread over their zones; zones that do not exist
yet are created from zone_template in the config (or the SOA and NS of the
nearest loaded zone).

TEMPLATE PLACEHOLDERS
  {dashed}   IPv4 198-51-100-44; IPv6 the compressed address with ':' as '-'
             and a 0 where it would start or end with '-' (2001-db8-100--25)
  {o1}..{o4} IPv4 octets        {h1}..{h8} IPv6 16-bit groups, hex
  {rev}      reversed octets (44.100.51.198) or nibbles, dotted
  {hex}      IPv4 as 8 hex digits; IPv6 as its 32 nibbles
  {prefix}   the block's name from the config (defaults: [{prefix, template, name}])
Without --template each address takes the default template of the config that
covers it (longest prefix).

EXISTING PTRs (--overwrite)
  none      leave every existing PTR (default)
  defaults  replace only PTRs that a configured default template renders
            (re-template a block without touching customers' custom names)
  all       replace everything

IPv6: a /48 cannot be enumerated. A block of more than --max addresses is refused;
give --from-ipam to set PTRs for the assigned addresses only, or --synthesize
knot|powerdns to print the DNS server configuration that generates the names on
the fly (RFC 8501): Knot's mod-synthrecord reverse and forward, or PowerDNS's
createReverse6/createForward6 Lua records, so a synthesized PTR and the address
of its name confirm each other. The template is --template, else that of the
config's synthesize entry covering the block, else the default. Without a CIDR,
--synthesize prints the configuration of every synthesize entry of that server.
Knot's reverse module goes to the loaded zone that serves the block (a /52 entry
in the /48 zone), else to each loaded zone inside it, else, with a comment, to
the block's own nibble zone.
` + changeHelp + "\n" + exitStatusHelp,
		Example: `  # preview, then apply
  rdnsctl block-init 198.51.100.0/24 --template '{dashed}.customers.example.net.'
  rdnsctl block-init 198.51.100.0/24 --template '{dashed}.customers.example.net.' --write

  # re-template a pool, keeping customers' custom names
  rdnsctl block-init 192.0.2.0/24 --template '{dashed}.pool2.example.net.' --overwrite defaults --write

  # IPv6: only the addresses IPAM has assigned
  rdnsctl block-init 2001:db8:100::/48 --from-ipam --ipam netbox.csv --write

  # IPv6: print Knot's synthrecord configuration instead
  rdnsctl block-init 2001:db8:100::/48 --template '{dashed}.v6.example.net.' --synthesize knot
  rdnsctl block-init --synthesize knot   # every synthesize entry of the config with server: knot`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 && synthesize != "" {
				return nil
			}
			return cobra.MinimumNArgs(1)(c, args)
		},
		RunE: func(c *cobra.Command, args []string) error {
			blocks, err := parseBlocks(args)
			if err != nil {
				return err
			}
			if len(blocks) == 0 {
				for _, e := range a.cfg.Synthesize {
					if e.Server == strings.ToLower(synthesize) {
						blocks = append(blocks, e.Prefix)
					}
				}
				if len(blocks) == 0 {
					return usageErrorf("--synthesize %s without a CIDR: the config has no synthesize entry with server: %s", synthesize, synthesize)
				}
			}
			ow, err := bulk.ParseOverwrite(overwrite)
			if err != nil {
				return &usageError{err}
			}
			opt := bulk.InitOptions{Blocks: blocks, Defaults: a.cfg.Defaults, Overwrite: ow,
				SkipNetworkBroadcast: skipNB, MaxAddrs: maxAddrs}
			if template != "" {
				if opt.Template, err = rdns.ParseTemplate(template); err != nil {
					return &usageError{err}
				}
			}
			if synthesize != "" {
				return a.printSynthesize(synthesize, blocks, opt)
			}
			if generate {
				for _, b := range blocks {
					if !b.Addr().Is4() {
						return usageErrorf("--generate writes $GENERATE lines, which are for IPv4 only")
					}
				}
			}
			if fromIPAM {
				exp, err := a.loadIPAMAddresses("block-init --from-ipam")
				if err != nil {
					return err
				}
				opt.Addrs = []netip.Addr{}
				for _, r := range exp.Records {
					if r.Status.InUse() {
						opt.Addrs = append(opt.Addrs, r.Addr)
					}
				}
			}
			s, unlock, err := a.loadForChange(&f)
			if err != nil {
				return err
			}
			defer unlock()
			opt.NewZone = func(addr netip.Addr) (string, string) {
				origin := newZoneOrigin(addr, blocks)
				return origin, a.newZoneFile(s, origin)
			}
			bar := a.progress(countAddrs(blocks, opt), "block-init")
			opt.Progress = bar
			cs, st, err := bulk.BlockInit(s, opt)
			bar.Finish()
			if err != nil {
				return &usageError{err}
			}
			if generate {
				cs = bulk.Generate(cs, opt.GenerateRHS())
			}
			if st.Delegated > 0 {
				a.warn(fmt.Sprintf("%d addresses lie in delegations whose child zone is not loaded; left alone", st.Delegated))
			}
			if st.Kept > 0 {
				a.info("%d existing PTRs kept (--overwrite %s)", st.Kept, ow)
			}
			return a.runPlan(s, cs, st.Unchanged+st.Kept, &f)
		},
	}
	fl := c.Flags()
	fl.StringVar(&template, "template", "", "PTR template, e.g. '{dashed}.customers.example.net.' (default: the config's defaults)")
	fl.StringVar(&overwrite, "overwrite", "none", "existing PTRs to replace: none, defaults, all")
	fl.BoolVar(&skipNB, "skip-network-broadcast", false, "leave out the network and broadcast addresses of IPv4 blocks of /30 and larger")
	fl.BoolVar(&generate, "generate", false, "write $GENERATE lines for contiguous runs instead of one record per address (IPv4)")
	fl.IntVar(&maxAddrs, "max", 65536, "largest IPv6 block to enumerate, in addresses")
	fl.BoolVar(&fromIPAM, "from-ipam", false, "only the addresses in use in the IPAM export")
	fl.StringVar(&synthesize, "synthesize", "", "print the DNS server configuration that synthesises the PTRs instead: knot or powerdns")
	a.addChangeFlags(c, &f)
	return c
}

// newZoneOrigin is the zone a new PTR goes to when no loaded zone covers it:
// the /24 for IPv4, the nibble-aligned zone covering the block for IPv6.
func newZoneOrigin(addr netip.Addr, blocks []netip.Prefix) string {
	if addr.Is4() {
		o, _ := rdns.ZoneOrigin(rdns.CoveringZone(netip.PrefixFrom(addr, 32)))
		return o
	}
	for _, b := range blocks {
		if b.Contains(addr) {
			o, _ := rdns.ZoneOrigin(rdns.CoveringZone(b))
			return o
		}
	}
	o, _ := rdns.ZoneOrigin(rdns.CoveringZone(netip.PrefixFrom(addr, 64)))
	return o
}

func countAddrs(blocks []netip.Prefix, opt bulk.InitOptions) int {
	if opt.Addrs != nil {
		return len(opt.Addrs)
	}
	n := 0
	for _, b := range blocks {
		hb := b.Addr().BitLen() - b.Bits()
		if hb > 30 {
			return -1
		}
		n += 1 << hb
	}
	return n
}

// printSynthesize prints the Knot or PowerDNS configuration that generates
// the block's PTRs on the fly.
// Knot's modules go to the loaded zones that serve the blocks, so the zones
// are loaded when any are configured.
func (a *App) printSynthesize(kind string, blocks []netip.Prefix, opt bulk.InitOptions) error {
	var loaded []rdns.ZoneName
	if specs, err := a.zoneSpecs(); err != nil {
		return err
	} else if len(specs) > 0 || len(a.cfg.RemoteZones) > 0 {
		s, err := a.loadZonesReadOnly()
		if err != nil {
			return err
		}
		for _, z := range s.Zones {
			if z.Reverse {
				loaded = append(loaded, z.Name)
			}
		}
	}
	out, err := bulk.Synthesize(strings.ToLower(kind), blocks, opt.Template, opt.Defaults, a.cfg.Synthesize, loaded)
	if err != nil {
		return &usageError{err}
	}
	_, err = fmt.Fprint(a.IO.Out, out)
	return err
}
