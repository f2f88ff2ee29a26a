package cmd

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/rdnsctl/rdnsctl/ipam"
	"github.com/rdnsctl/rdnsctl/namedconf"
	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// loadZones loads the zones named by --zones / the config. Malformed lines
// are reported on stderr and skipped (fatal with --strict).
func (a *App) loadZones() (*zoneset.Set, error) { return a.loadZonesFor(false) }

// loadZonesReadOnly loads zones for a run that will not write them.
func (a *App) loadZonesReadOnly() (*zoneset.Set, error) { return a.loadZonesFor(true) }

func (a *App) loadZonesFor(readOnly bool) (*zoneset.Set, error) {
	specs, err := a.zoneSpecs()
	if err != nil {
		return nil, err
	}
	if len(specs) == 0 && len(a.cfg.RemoteZones) == 0 {
		return nil, usageErrorf("no zones: pass --zones DIR|FILE or --named-conf FILE, or set zones: or named_conf: in the config")
	}
	bar := a.progress(-1, "loading zones")
	s, err := zoneset.Load(specs, a.loadOptions(readOnly, bar))
	bar.Finish()
	if err != nil {
		return nil, inputError(err)
	}
	a.warnAll(s.Problems)
	if len(a.cfg.RemoteZones) > 0 {
		if err := a.loadRemote(s); err != nil {
			return nil, err
		}
	}
	if !readOnly && a.tx != nil && a.thaw == nil {
		// writing: a dynamic zone's file is frozen on its primary (the
		// journal folded into it) and read again before it is patched;
		// thawed when the write's lock is released
		thaw, err := a.freezeDynamic(a.context(), s)
		a.thaw = thaw
		if err != nil {
			return nil, err
		}
		if len(a.frozen) > 0 {
			return a.loadZonesFor(false)
		}
	}
	return s, nil
}

// loadOptions are the options every zone set of the run is loaded with:
// relative $INCLUDE paths start from named.conf's directory with
// --named-conf, else from the config's include_base, else from the working
// directory (as named-checkzone does).
func (a *App) loadOptions(readOnly bool, progress ...rdns.Progress) zoneset.Options {
	opt := zoneset.Options{Style: a.cfg.ClasslessStyle, Strict: a.cfg.Strict, ReadOnly: readOnly, IncludeBase: a.cfg.IncludeBase,
		MaxGenerate: a.cfg.MaxGenerate}
	if len(progress) > 0 {
		opt.Progress = progress[0]
	}
	if a.cfg.NamedConf != "" {
		if nc, err := a.namedConf(); err == nil {
			opt.IncludeBase = nc.Directory
		}
	}
	return opt
}

// zoneSpecs is what the zone set is loaded from: the --zones paths (or the
// config's zones:) and the zones --named-conf serves (in --view).
func (a *App) zoneSpecs() ([]zoneset.Spec, error) {
	var specs []zoneset.Spec
	for _, z := range a.cfg.Zones {
		specs = append(specs, zoneset.Spec{Path: z.Path, Origin: z.Origin})
	}
	if a.cfg.NamedConf == "" {
		if a.cfg.View != "" {
			return nil, usageErrorf("--view %s needs --named-conf", a.cfg.View)
		}
		return specs, nil
	}
	nc, err := a.namedConf()
	if err != nil {
		return nil, err
	}
	zones, err := nc.Select(a.cfg.View)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	for _, z := range zones {
		sp := zoneset.Spec{Path: z.File, Origin: z.Name, Type: z.Type, View: z.View, Source: z.Where}
		// includes and symlinked zone files are confined to named's
		// directory, or to the zone file's own directory outside it
		if rel, err := filepath.Rel(nc.Directory, z.File); err == nil && filepath.IsLocal(rel) {
			sp.Root = nc.Directory
		}
		if z.Dynamic != "" {
			sp.Dynamic = true
			sp.ReadOnly = "a dynamic zone (" + z.Dynamic + " at " + z.Where + "): BIND keeps its changes in its journal, so the file is not the zone; change it with dynamic updates (nsupdate), not by writing the file"
		}
		specs = append(specs, sp)
	}
	return specs, nil
}

// namedConf reads --named-conf once.
func (a *App) namedConf() (*namedconf.Config, error) {
	if a.named == nil {
		nc, err := namedconf.Load(a.cfg.NamedConf, namedconf.Options{})
		if err != nil {
			return nil, inputError(err)
		}
		a.named = nc
	}
	return a.named, nil
}

// loadIPAM reads the --ipam exports (several: an address export and a
// prefix export, say) into one Export; problems name their own file and
// are reported on stderr. At most one of them is - (stdin).
func (a *App) loadIPAM() (*ipam.Export, error) {
	if len(a.cfg.IPAM) == 0 {
		return nil, usageErrorf("no IPAM export: pass --ipam FILE (repeatable) or set ipam: in the config")
	}
	stdin := 0
	for _, f := range a.cfg.IPAM {
		if f == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return nil, usageErrorf("--ipam -: only one IPAM export can be read from stdin, %d are", stdin)
	}
	opt := ipam.Options{Format: ipam.Format(a.cfg.IPAMFormat), Columns: a.cfg.IPAMColumns, VRFs: a.cfg.VRFs, Strict: a.cfg.Strict}
	exps := make([]*ipam.Export, 0, len(a.cfg.IPAM))
	for _, f := range a.cfg.IPAM {
		var (
			exp *ipam.Export
			err error
		)
		if f == "-" {
			exp, err = ipam.Read(a.IO.In, "stdin", opt)
		} else {
			exp, err = ipam.ReadFile(f, opt)
		}
		if err != nil {
			return nil, inputError(err)
		}
		exps = append(exps, exp)
	}
	exp := exps[0]
	if len(exps) > 1 {
		exp = ipam.Merge(exps...)
	}
	for _, p := range exp.Problems {
		a.warn(p)
	}
	return exp, nil
}

// loadIPAMAddresses is loadIPAM for a command that works on addresses
// (what it is, for the message): prefix exports alone are a usage error.
func (a *App) loadIPAMAddresses(what string) (*ipam.Export, error) {
	exp, err := a.loadIPAM()
	if err != nil {
		return nil, err
	}
	var prefixFiles []string
	for _, s := range exp.Sources {
		if !s.PrefixExport {
			return exp, nil
		}
		prefixFiles = append(prefixFiles, s.File)
	}
	subject := prefixFiles[0] + " is a prefix export"
	if len(prefixFiles) > 1 {
		subject = strings.Join(prefixFiles, ", ") + " are prefix exports"
	}
	return nil, usageErrorf("%s needs an IPAM export of addresses, but %s (prefix rows, no addresses); add --ipam ADDRESSES.csv", what, subject)
}

// ipamNames names the IPAM exports, for messages.
func (a *App) ipamNames() string { return strings.Join(a.cfg.IPAM, ", ") }

const maxWarnings = 50

// warnAll prints problems on stderr, at most maxWarnings of them.
func (a *App) warnAll(errs []error) {
	for i, e := range errs {
		if i == maxWarnings {
			fmt.Fprintf(a.IO.ErrOut, "warning: ... and %d more\n", len(errs)-maxWarnings)
			return
		}
		a.warn(e)
	}
}

func (a *App) warn(e any) {
	if a.cfg != nil && a.cfg.Quiet {
		return
	}
	fmt.Fprintf(a.IO.ErrOut, "warning: %s\n", safeLines(fmt.Sprint(e)))
}

// info prints a summary line on stderr unless --quiet.
func (a *App) info(format string, args ...any) {
	if a.cfg != nil && a.cfg.Quiet {
		return
	}
	fmt.Fprintf(a.IO.ErrOut, "%s\n", safeLines(fmt.Sprintf(format, args...)))
}
