package cmd

import (
	"fmt"
	"path/filepath"

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

// loadIPAM reads --ipam.
func (a *App) loadIPAM() (*ipam.Export, error) {
	if a.cfg.IPAM == "" {
		return nil, usageErrorf("no IPAM export: pass --ipam FILE or set ipam: in the config")
	}
	opt := ipam.Options{Format: ipam.Format(a.cfg.IPAMFormat), Columns: a.cfg.IPAMColumns, VRFs: a.cfg.VRFs, Strict: a.cfg.Strict}
	var (
		exp *ipam.Export
		err error
	)
	if a.cfg.IPAM == "-" {
		exp, err = ipam.Read(a.IO.In, "stdin", opt)
	} else {
		exp, err = ipam.ReadFile(a.cfg.IPAM, opt)
	}
	if err != nil {
		return nil, inputError(err)
	}
	for _, p := range exp.Problems {
		a.warn(p)
	}
	return exp, nil
}

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
