package cmd

import (
	"regexp"

	"github.com/spf13/cobra"

	"github.com/rdnsctl/rdnsctl/bulk"
)

func init() { extraCommands = append(extraCommands, (*App).newMassRenameCmd) }

func (a *App) newMassRenameCmd() *cobra.Command {
	var (
		f                changeFlags
		from, to         string
		suffix, toSuffix string
	)
	c := &cobra.Command{
		Use:   "mass-rename CIDR... (--from REGEX --to REPLACEMENT | --suffix OLD --to-suffix NEW)",
		Short: "Rewrite PTR target names across blocks",
		Long: `Rewrite the PTR targets in the blocks that match a pattern: a Go regular
expression with $1-style groups in the replacement (--from/--to), or a plain
domain-suffix swap (--suffix/--to-suffix, whole labels only). Targets are matched
in canonical form: lower-case, with the final dot. Non-matching PTRs are left
alone; a $GENERATE line whose names all match is rewritten as a line, not
expanded. If any result is not a valid host name, nothing is planned.
` + changeHelp + "\n" + exitStatusHelp,
		Example: `  # move a pool to a new domain
  rdnsctl mass-rename 192.0.2.0/24 --suffix pool1.example.net. --to-suffix pool2.example.net. --write

  # regular expression with groups
  rdnsctl mass-rename 198.51.100.0/24 --from '^(\d+-\d+-\d+-\d+)\.dsl\.example\.net\.$' --to '$1.fiber.example.net.'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			blocks, err := parseBlocks(args)
			if err != nil {
				return err
			}
			var rw bulk.Rewriter
			switch {
			case from != "" && suffix != "":
				return usageErrorf("give either --from/--to or --suffix/--to-suffix, not both")
			case from != "":
				re, err := regexp.Compile(from)
				if err != nil {
					return usageErrorf("--from: %v", err)
				}
				if !c.Flags().Changed("to") {
					return usageErrorf("--from needs --to")
				}
				rw = bulk.Regexp{From: re, To: to}
			case suffix != "":
				if toSuffix == "" {
					return usageErrorf("--suffix needs --to-suffix")
				}
				rw = bulk.NewSuffix(suffix, toSuffix)
			default:
				return usageErrorf("give --from REGEX --to REPLACEMENT or --suffix OLD --to-suffix NEW")
			}
			s, unlock, err := a.loadForChange(&f)
			if err != nil {
				return err
			}
			defer unlock()
			bar := a.progress(-1, "mass-rename")
			cs, st, err := bulk.MassRename(s, bulk.RenameOptions{Blocks: blocks, Rewriter: rw, Progress: bar})
			bar.Finish()
			if err != nil {
				return &usageError{err}
			}
			a.info("%d PTRs scanned, %d matched (%d $GENERATE lines rewritten)", st.Scanned, st.Matched, st.Generate)
			return a.runPlan(s, cs, st.Scanned-st.Matched+st.Unchanged, &f)
		},
	}
	fl := c.Flags()
	fl.StringVar(&from, "from", "", "Go regular expression matched against each PTR target (canonical: lower-case, final dot)")
	fl.StringVar(&to, "to", "", "replacement for --from ($1 for groups)")
	fl.StringVar(&suffix, "suffix", "", "domain suffix to replace, e.g. pool1.example.net.")
	fl.StringVar(&toSuffix, "to-suffix", "", "new domain suffix")
	a.addChangeFlags(c, &f)
	return c
}
