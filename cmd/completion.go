package cmd

import (
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/rdnsctl/rdnsctl/audit"
	"github.com/rdnsctl/rdnsctl/bulk"
	"github.com/rdnsctl/rdnsctl/ipam"
	"github.com/rdnsctl/rdnsctl/report"
)

func (a *App) newCompletionCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "Print the shell completion script",
		Long: `Print the completion script for bash, zsh or fish: commands, flags, and the values
of flags that take one of a list (-o, --ipam-format, --overwrite, --style,
--fail-on, --stale, --origin and zone origins from the configured zones).

bash needs the bash-completion package (apt-get install bash-completion, or
brew install bash-completion@2); zsh and fish need nothing.
` + exitStatusHelp,
		Example: `  source <(rdnsctl completion bash)
  rdnsctl completion bash > /etc/bash_completion.d/rdnsctl
  rdnsctl completion zsh > "${fpath[1]}/_rdnsctl"
  rdnsctl completion fish > ~/.config/fish/completions/rdnsctl.fish`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: []string{"bash", "zsh", "fish"},
		RunE: func(c *cobra.Command, args []string) error {
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(a.IO.Out, true)
			case "zsh":
				return root.GenZshCompletion(a.IO.Out)
			case "fish":
				return root.GenFishCompletion(a.IO.Out, true)
			}
			return usageErrorf("completion %q: want bash, zsh or fish", args[0])
		},
	}
}

// flagValues are the values of the flags that take one of a list, by flag
// name, or "verb flag" where verbs differ. Each list comes from the package
// that parses the flag where one names them.
func flagValues() map[string][]string {
	cats := []string{"all"}
	for _, c := range audit.Categories {
		cats = append(cats, string(c))
	}
	for _, st := range audit.CoverageStates {
		if !st.Info() {
			cats = append(cats, string(st))
		}
	}
	return map[string][]string{
		"output":               {string(report.Table), string(report.JSON), string(report.CSV), string(report.HTML)},
		"ipam-format":          {string(ipam.FormatAuto), string(ipam.FormatCSV), string(ipam.FormatNetBox), string(ipam.FormatPhpIPAM)},
		"block-init overwrite": {string(bulk.OverwriteNone), string(bulk.OverwriteDefaults), string(bulk.OverwriteAll)},
		"import overwrite":     {string(bulk.OverwriteNone), string(bulk.OverwriteAll)},
		"style":                {"slash", "rfc4183", "range"},
		"fail-on":              cats,
		"stale":                {"reset", "delete"},
		"synthesize":           {"knot", "powerdns"},
	}
}

// registerCompletions gives every flag that takes one of a list its values,
// and every --origin flag the origins of the configured zones.
func (a *App) registerCompletions(root *cobra.Command) {
	values := flagValues()
	fixed := func(vals []string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return vals, cobra.ShellCompDirectiveNoFileComp
		}
	}
	for _, name := range []string{"output", "ipam-format"} {
		_ = root.RegisterFlagCompletionFunc(name, fixed(values[name]))
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
			if _, done := c.GetFlagCompletionFunc(f.Name); done {
				return // the verb registered its own
			}
			if f.Name == "origin" {
				_ = c.RegisterFlagCompletionFunc(f.Name, a.completeOrigins)
				return
			}
			vals, ok := values[c.Name()+" "+f.Name]
			if !ok {
				vals, ok = values[strings.TrimPrefix(c.CommandPath(), "rdnsctl ")+" "+f.Name]
			}
			if !ok {
				vals, ok = values[f.Name]
			}
			if ok && len(vals) > 0 {
				_ = c.RegisterFlagCompletionFunc(f.Name, fixed(vals))
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// completeOrigins lists the origins of the zones the command line (or the
// config) names.
func (a *App) completeOrigins(c *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	quiet := *a.IO
	quiet.ErrOut = io.Discard
	b := &App{IO: &quiet, Now: a.Now, v: a.v, configFile: a.configFile}
	if err := b.loadConfig(c); err != nil || len(b.cfg.Zones) == 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	s, err := b.loadZonesQuiet()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, z := range s.Zones {
		if strings.HasPrefix(z.Origin, prefix) {
			out = append(out, z.Origin)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}
