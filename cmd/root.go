// Package cmd is rdnsctl's command line: cobra commands wired to viper, one
// file per verb. Each verb turns flags into typed options, calls the domain
// packages, and hands the result to report; exit codes are decided in exit.go.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/rdnsctl/rdnsctl/apply"
	"github.com/rdnsctl/rdnsctl/namedconf"
	"github.com/rdnsctl/rdnsctl/report"
)

// Version, when set at build time with -ldflags "-X
// github.com/rdnsctl/rdnsctl/cmd.Version=v1.2.3", names a build whose module
// version the build info does not know (a build from a checkout is
// "(devel)"). See versionString.
var Version = ""

// App is the state one invocation shares between its commands: streams,
// configuration and the clock. Tests build one with buffers.
type App struct {
	IO  *IOStreams
	Now func() time.Time
	// Args is the command line, recorded in the change journal.
	Args []string
	// ResolvConf is the system's resolver configuration, read (and said on
	// stderr) when no resolver is configured; empty means /etc/resolv.conf.
	ResolvConf string

	v          *viper.Viper
	configFile string
	cfg        *Config
	named      *namedconf.Config // --named-conf, once read
	// started is set once a command's own code runs: an error before it is
	// cobra's refusal of the command line.
	started    bool
	cpuProfile string
	memProfile string
	root       *cobra.Command

	// ctx is this invocation's context (cancelled by SIGINT); tx is the
	// write holding the zones lock; committed says a write passed its
	// commit point, so an interrupt no longer means exit 130.
	ctx       context.Context
	tx        *apply.Txn
	committed bool
	// frozen are the zones frozen on the primary for this write (their
	// .jnl is folded into the file); reloadErr is a failed reload_cmd of
	// zones this run wrote.
	frozen []string
	thaw   func() error
	// stopped: a server (rdnsctl serve) was asked to stop and did, cleanly.
	stopped   bool
	reloadErr error
}

// context is the invocation's context.
func (a *App) context() context.Context {
	if a.ctx == nil {
		return context.Background()
	}
	return a.ctx
}

// Main runs rdnsctl with the process's arguments and returns the exit code.
func Main() int {
	// Whole-zone-set runs hold one big, long-lived heap; collecting at 50%
	// growth instead of Go's default 100% keeps peak memory about a fifth
	// lower at the same CPU time (bench/run.sh). GOGC still overrides.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	// The handler stays installed until the process exits: a SIGINT that
	// arrives after the command returned (while main exits) must not kill
	// the process with Go's default action instead of its exit status.
	ctx, _ := signal.NotifyContext(context.Background(), os.Interrupt)
	app := &App{IO: System(), Now: time.Now, Args: os.Args}
	return app.Run(ctx, os.Args[1:])
}

// Run executes one command line and returns its exit code; errors are
// printed on ErrOut.
func (a *App) Run(ctx context.Context, args []string) int {
	a.ctx = ctx
	root := a.NewRootCmd()
	root.SetArgs(args)
	root.SetIn(a.IO.In)
	root.SetOut(a.IO.Out)
	root.SetErr(a.IO.ErrOut)
	defer a.stopProfiles()
	c, err := root.ExecuteContextC(ctx)
	if err == nil && ctx.Err() != nil && !a.committed && !a.stopped {
		err = errInterrupted
	}
	code := exitCode(err)
	var se errSilent
	if err != nil && !errors.Is(err, errFindings) && !errors.As(err, &se) {
		fmt.Fprintf(a.IO.ErrOut, "rdnsctl: %s\n", safeLines(err.Error()))
	}
	if err != nil && !a.started && code == ExitUsage && c != nil {
		// cobra refused the command line (unknown flag or command, wrong
		// arguments) before the command ran: show how it is used
		fmt.Fprintf(a.IO.ErrOut, "Usage: %s\nRun '%s --help' for examples and every flag.\n", c.UseLine(), c.CommandPath())
	}
	return code
}

// NewRootCmd builds the command tree.
func (a *App) NewRootCmd() *cobra.Command {
	a.v = viper.New()
	root := &cobra.Command{
		Use:   "rdnsctl",
		Short: "Keep reverse DNS (PTR records) correct at ISP scale",
		Long: `rdnsctl reads the truth (IP-assignment exports from IPAM: generic CSV, NetBox,
phpIPAM) and the reverse zones (BIND zone files), and runs the bulk work on
PTR records: checks, audits, default PTRs for new blocks, renames, transfers.

Changes are previewed by default and applied only with --write. Zone files are
patched in place: untouched lines stay byte-identical, the SOA serial is bumped,
and every file is written atomically.

CONFIGURATION
  Flags override RDNSCTL_* environment variables (every key has one:
  RDNSCTL_ZONES, RDNSCTL_RESOLVERS, RDNSCTL_ZONE_TEMPLATE_PRIMARY, ...), which
  override the config file: --config, else $RDNSCTL_CONFIG, else ./rdnsctl.yaml,
  else $XDG_CONFIG_HOME/rdnsctl/rdnsctl.yaml. Paths in the config file are
  relative to the file. An unknown key in the file is an error. See
  examples/rdnsctl.yaml.
` + exitStatusHelp,
		Example: `  rdnsctl zone check --zones examples/zones
  rdnsctl zones --config examples/rdnsctl.yaml -o json`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(c *cobra.Command, _ []string) error {
			a.started = true
			return a.loadConfig(c)
		},
		Version: versionString(),
	}
	pf0 := root.PersistentFlags()
	pf0.StringVar(&a.cpuProfile, "cpuprofile", "", "write a CPU profile to FILE")
	pf0.StringVar(&a.memProfile, "memprofile", "", "write a heap profile to FILE at exit")
	_ = pf0.MarkHidden("cpuprofile")
	_ = pf0.MarkHidden("memprofile")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&a.configFile, "config", "", "config file (default ./rdnsctl.yaml, then $XDG_CONFIG_HOME/rdnsctl/rdnsctl.yaml)")
	pf.StringArray("zones", nil, "zone directory or file (repeatable; RDNSCTL_ZONES takes a list separated by : or ,)")
	pf.StringArray("ipam", nil, "IPAM export file (CSV, NetBox or phpIPAM; addresses or prefixes); repeatable: --ipam addrs.csv --ipam prefixes.csv")
	pf.String("ipam-format", "auto", "IPAM export format: auto, csv, netbox, phpipam")
	pf.StringP("output", "o", "table", "output format: table, json, csv (html for audit and fcrdns)")
	pf.BoolP("quiet", "q", false, "print no progress and no summary on stderr")
	pf.Bool("no-progress", false, "draw no progress bar")
	pf.Bool("strict", false, "stop at the first malformed input line instead of skipping it")
	pf.Bool("no-headers", false, "print tables and CSV without their header line")
	pf.String("named-conf", "", "BIND's named.conf: the zone set is the primary zones it serves (with --zones: both)")
	pf.String("view", "", "the named.conf view whose zones to use (needed when it has several)")
	for _, name := range globalConfigFlags {
		key := strings.ReplaceAll(name, "-", "_")
		_ = a.v.BindPFlag(key, pf.Lookup(name))
	}
	a.v.SetDefault("classless_style", "slash")

	root.AddCommand(
		a.newVersionCmd(),
		a.newZonesCmd(),
		a.newZoneCmd(),
	)
	for _, add := range extraCommands {
		root.AddCommand(add(a))
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(a.newCompletionCmd(root))
	root.SetVersionTemplate("rdnsctl {{.Version}}\n")
	a.registerCompletions(root)
	a.root = root
	return root
}

// extraCommands lets each verb's file register itself (see init in those
// files), so the root needs no edit when a verb is added.
var extraCommands []func(*App) *cobra.Command

// globalConfigFlags are the root's flags that are config keys too.
var globalConfigFlags = []string{"zones", "ipam", "ipam-format", "output", "quiet", "no-progress", "no-headers", "strict", "named-conf", "view"}

func (a *App) loadConfig(c *cobra.Command) error {
	if c.Name() == "version" || c.Name() == "help" || strings.HasPrefix(c.CommandPath(), "rdnsctl completion") {
		return nil
	}
	flags := c.Flags()
	overridden := func(key string) bool {
		name := strings.ReplaceAll(key, "_", "-")
		if f := flags.Lookup(name); f != nil && f.Changed {
			return true
		}
		return os.Getenv(envName(key)) != ""
	}
	if err := a.startProfiles(); err != nil {
		return err
	}
	cfg, err := loadConfig(a.v, a.configFile, overridden)
	if err != nil {
		return err
	}
	a.cfg = cfg
	for _, msg := range unknownEnv(os.Environ()) {
		a.warn(msg)
	}
	if err := a.checkOutputFor(c); err != nil {
		return err
	}
	return a.flagsFromConfig(c)
}

// flagsFromConfig gives a verb's own flags that are named like a config key
// (--operator, --lock-timeout) the key's value from the environment or the
// config file, when the flag itself was not given.
func (a *App) flagsFromConfig(c *cobra.Command) error {
	known := map[string]bool{}
	for _, k := range configKeys() {
		known[k.Name] = true
	}
	var err error
	c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
		key := strings.ReplaceAll(f.Name, "-", "_")
		if err != nil || f.Changed || !known[key] || !a.v.IsSet(key) {
			return
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			err = sv.Replace(a.v.GetStringSlice(key))
		} else {
			err = f.Value.Set(a.v.GetString(key))
		}
		if err != nil {
			err = usageErrorf("config %s (for --%s): %v", key, f.Name, err)
		}
	})
	return err
}

// safeLines is report.Text for a message of several lines: its newlines
// stay, every other control character is escaped.
func safeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = report.Text(l)
	}
	return strings.Join(lines, "\n")
}
