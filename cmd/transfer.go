package cmd

import (
	"github.com/spf13/cobra"

	"github.com/rdnsctl/rdnsctl/bulk"
	"github.com/rdnsctl/rdnsctl/rdns"
)

func init() { extraCommands = append(extraCommands, (*App).newTransferCmd) }

func (a *App) newTransferCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "transfer",
		Short: "Move a block's PTRs between zone layouts (RFC 2317 delegation and back)",
		Long: `Move a block's PTRs between zones without a moment where an address has no PTR:
the zone files are written together, new zones before the zones that point into them.`,
		Example: `  rdnsctl transfer delegate 198.51.100.64/26 --style slash --write
  rdnsctl transfer undelegate 198.51.100.64/26 --write`,
	}
	c.AddCommand(a.newDelegateCmd(), a.newUndelegateCmd())
	return c
}

func (a *App) newDelegateCmd() *cobra.Command {
	var (
		f     changeFlags
		style string
		ns    []string
	)
	c := &cobra.Command{
		Use:   "delegate CIDR",
		Short: "Move a /25../32 of a /24 into an RFC 2317 classless child zone",
		Long: `Move the PTRs of a block smaller than a /24 into a classless child zone (created from
the zone template, or the parent's SOA and NS, when missing). The parent gets an
NS set for the child and one CNAME per address pointing into it (RFC 2317).
The child's label style: slash (64/26, RFC 2317), rfc4183 (64-26) or range (64-127).
` + changeHelp + "\n" + exitStatusHelp,
		Example: `  rdnsctl transfer delegate 198.51.100.64/26 --style rfc4183
  rdnsctl transfer delegate 198.51.100.64/26 --ns ns1.customer.example. --ns ns2.customer.example. --write`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			blocks, err := parseBlocks(args)
			if err != nil {
				return err
			}
			st := a.cfg.ClasslessStyle
			if style != "" {
				if st, err = rdns.ParseStyle(style); err != nil {
					return &usageError{err}
				}
			}
			unlock, err := a.beginWrite(&f)
			if err != nil {
				return err
			}
			defer unlock()
			s, err := a.loadZones()
			if err != nil {
				return err
			}
			cs, err := bulk.Delegate(s, bulk.DelegateOptions{Block: blocks[0], Style: st, NS: ns, NewFile: a.newZoneFile})
			if err != nil {
				return &usageError{err}
			}
			return a.runPlan(s, cs, 0, &f)
		},
	}
	c.Flags().StringVar(&style, "style", "", "child zone label style: slash, rfc4183, range (default: classless_style in the config)")
	c.Flags().StringSliceVar(&ns, "ns", nil, "name servers of the child zone (repeatable; default: the parent's)")
	a.addChangeFlags(c, &f)
	return c
}

func (a *App) newUndelegateCmd() *cobra.Command {
	var f changeFlags
	c := &cobra.Command{
		Use:   "undelegate CIDR",
		Short: "Move a classless child zone's PTRs back into the parent",
		Long: `The reverse of delegate: the child zone's PTRs go back into the parent under their
plain names, the parent's CNAMEs and NS set for the child are removed, and the child
zone file is retired (renamed to FILE.retired, which rdnsctl does not load: remove
it from named.conf).
` + changeHelp + "\n" + exitStatusHelp,
		Example: `  rdnsctl transfer undelegate 198.51.100.64/26 --write`,
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			blocks, err := parseBlocks(args)
			if err != nil {
				return err
			}
			unlock, err := a.beginWrite(&f)
			if err != nil {
				return err
			}
			defer unlock()
			s, err := a.loadZones()
			if err != nil {
				return err
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
