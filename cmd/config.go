package cmd

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/viper"

	"github.com/rdnsctl/rdnsctl/bulk"
	"github.com/rdnsctl/rdnsctl/ipam"
	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zonecheck"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// Config is everything rdnsctl reads from its config file, RDNSCTL_*
// variables and global flags. Nothing but this file reads viper.
type Config struct {
	File  string
	Zones []ZoneSpec
	// IPAM lists the IPAM exports (--ipam, repeatable; ipam: FILE or a
	// list): address and prefix exports, read into one ipam.Export.
	IPAM           []string
	IPAMFormat     string
	IPAMColumns    ipam.Columns
	VRFs           []string
	Output         string
	Quiet          bool
	NoProgress     bool
	Strict         bool
	ClasslessStyle rdns.Style
	Defaults       rdns.Defaults
	// Synthesize lists the prefixes whose PTRs the DNS servers synthesize.
	Synthesize   []bulk.SynthEntry
	ZoneTemplate ZoneTemplate
	Journal      string
	Operator     string
	Deprovision  string
	Notify       string
	// Servers are the live servers (servers:); RemoteZones the zones read
	// from and written to one of them ({origin, server} in zones:).
	Servers     []ServerConfig
	RemoteZones []RemoteZone
	// ZonesConf is the named.conf fragment of zone statements rdnsctl
	// keeps for the zone files it manages (zones_conf).
	ZonesConf string
	// KeyDir is where transfer delegate --dynamic-key writes customers'
	// TSIG key files (key_dir; default: keys/ beside the journal).
	KeyDir string
	// OnChange runs after a custom PTR is written (on_change; notify is its
	// old name).
	OnChange string
	// API configures rdnsctl serve (api:).
	API       APIConfig
	Resolvers []string
	// NoHeaders drops the header line of tables and CSV (--no-headers).
	NoHeaders bool
	// LockTimeout is how long a writer waits for another's lock (lock_timeout,
	// --lock-timeout); zero means the flag's default.
	LockTimeout time.Duration
	// Checks are the zone check severities set per code (config checks:).
	Checks zonecheck.Severities
	// NamedConf is BIND's configuration (--named-conf, named_conf): the zones
	// it serves are the zone set; View chooses among its views (--view).
	NamedConf string
	View      string
	// IncludeBase is the directory relative $INCLUDE paths start from
	// (named's directory; include_base), when named.conf does not say it.
	IncludeBase string
	// MaxGenerate caps the records one $GENERATE line may make
	// (max_generate; 0: zonefile.DefaultMaxGenerate, 1,048,576).
	MaxGenerate int
	// NewZoneFile is the pattern of new zone files' names (new_zone_file:
	// "db.{origin}", "{origin}.zone", ...); empty: the house style of the
	// directory.
	NewZoneFile string
	// NSPort is the port audit --check-delegations asks name servers on
	// (ns_port, --ns-port; 0: 53), for labs and tests.
	NSPort int
}

// ZoneSpec is one --zones entry (a directory or a file) or a config entry
// {origin, file} naming a zone file's origin as named.conf would.
type ZoneSpec struct {
	Path   string
	Origin string
}

// ZoneTemplate is the SOA and NS a new zone file is made with.
type ZoneTemplate struct {
	TTL     uint32
	MName   string
	RName   string
	Refresh uint32
	Retry   uint32
	Expire  uint32
	Minimum uint32
	NS      []string
}

// IsSet says whether the template names at least a primary and one NS.
func (t ZoneTemplate) IsSet() bool { return t.MName != "" && len(t.NS) > 0 }

// rawConfig is the config file's schema: every key rdnsctl reads, from the
// file, from its RDNSCTL_* variable (configKeys finds them by reflection, so a
// key added here is settable from the environment and known to the
// unknown-key check without another edit), or from the flag of the same name.
type rawConfig struct {
	// Zones is a list of paths or {origin, file} maps (decodeZones).
	Zones any `mapstructure:"zones"`
	// IPAM is a path or a list of paths (decodeIPAM).
	IPAM           any          `mapstructure:"ipam"`
	IPAMFormat     string       `mapstructure:"ipam_format"`
	IPAMColumns    ipam.Columns `mapstructure:"ipam_columns"`
	VRFs           []string     `mapstructure:"vrfs"`
	Output         string       `mapstructure:"output"`
	Quiet          bool         `mapstructure:"quiet"`
	NoProgress     bool         `mapstructure:"no_progress"`
	NoHeaders      bool         `mapstructure:"no_headers"`
	Strict         bool         `mapstructure:"strict"`
	ClasslessStyle string       `mapstructure:"classless_style"`
	Defaults       []struct {
		Prefix   string `mapstructure:"prefix"`
		Template string `mapstructure:"template"`
		Name     string `mapstructure:"name"`
	} `mapstructure:"defaults"`
	Synthesize []struct {
		Prefix   string `mapstructure:"prefix"`
		Template string `mapstructure:"template"`
		Server   string `mapstructure:"server"`
	} `mapstructure:"synthesize"`
	ZoneTemplate struct {
		TTL     uint32   `mapstructure:"ttl"`
		Primary string   `mapstructure:"primary"`
		Contact string   `mapstructure:"contact"`
		Refresh uint32   `mapstructure:"refresh"`
		Retry   uint32   `mapstructure:"retry"`
		Expire  uint32   `mapstructure:"expire"`
		Minimum uint32   `mapstructure:"minimum"`
		NS      []string `mapstructure:"ns"`
	} `mapstructure:"zone_template"`
	Journal     string      `mapstructure:"journal"`
	Operator    string      `mapstructure:"operator"`
	Deprovision string      `mapstructure:"deprovision"`
	Notify      string      `mapstructure:"notify"`
	Servers     []rawServer `mapstructure:"servers"`
	OnChange    string      `mapstructure:"on_change"`
	API         struct {
		Listen     string  `mapstructure:"listen"`
		TokensFile string  `mapstructure:"tokens_file"`
		RateLimit  float64 `mapstructure:"rate_limit"`
		Burst      int     `mapstructure:"burst"`
	} `mapstructure:"api"`
	ZonesConf   string            `mapstructure:"zones_conf"`
	KeyDir      string            `mapstructure:"key_dir"`
	Resolvers   []string          `mapstructure:"resolvers"`
	LockTimeout time.Duration     `mapstructure:"lock_timeout"`
	Checks      map[string]string `mapstructure:"checks"`
	NamedConf   string            `mapstructure:"named_conf"`
	View        string            `mapstructure:"view"`
	IncludeBase string            `mapstructure:"include_base"`
	MaxGenerate int               `mapstructure:"max_generate"`
	NewZoneFile string            `mapstructure:"new_zone_file"`
	NSPort      int               `mapstructure:"ns_port"`
}

// loadConfig reads the config file (explicit, else $RDNSCTL_CONFIG, else the
// first of ./rdnsctl.yaml and $XDG_CONFIG_HOME/rdnsctl/rdnsctl.yaml that
// exists) into v, which already has the global flags bound, and decodes it.
// An unknown key in the file is an error naming the key and the file.
// overridden says whether a key was set by a flag or the environment (whose
// paths are relative to the working directory, not to the config file).
func loadConfig(v *viper.Viper, explicit string, overridden func(key string) bool) (*Config, error) {
	file := explicit
	if file == "" {
		file = os.Getenv("RDNSCTL_CONFIG")
	}
	if file == "" {
		for _, cand := range defaultConfigFiles() {
			if _, err := os.Stat(cand); err == nil {
				file = cand
				break
			}
		}
	}
	if file != "" {
		v.SetConfigFile(file)
		if err := v.ReadInConfig(); err != nil {
			return nil, usageErrorf("config %s: %v", file, err)
		}
		if err := checkConfigKeys(file); err != nil {
			return nil, err
		}
	}
	if err := bindEnv(v); err != nil {
		return nil, err
	}
	if err := checkDurations(v, file); err != nil {
		return nil, err
	}
	var raw rawConfig
	if err := v.Unmarshal(&raw); err != nil {
		return nil, usageErrorf("config %s: %v", configSource(file), err)
	}
	base := "."
	if file != "" {
		base = filepath.Dir(file)
	}
	c := &Config{
		File:        file,
		IPAMFormat:  v.GetString("ipam_format"),
		IPAMColumns: raw.IPAMColumns,
		VRFs:        raw.VRFs,
		Output:      strings.ToLower(v.GetString("output")),
		Quiet:       v.GetBool("quiet"),
		NoProgress:  v.GetBool("no_progress"),
		NoHeaders:   v.GetBool("no_headers"),
		Strict:      v.GetBool("strict"),
		Journal:     raw.Journal,
		Operator:    raw.Operator,
		Deprovision: raw.Deprovision,
		Notify:      raw.Notify,
		Resolvers:   raw.Resolvers,
		LockTimeout: raw.LockTimeout,
		NamedConf:   v.GetString("named_conf"),
		View:        v.GetString("view"),
		IncludeBase: raw.IncludeBase,
		MaxGenerate: raw.MaxGenerate,
		NewZoneFile: raw.NewZoneFile,
		NSPort:      raw.NSPort,
	}
	if c.NSPort < 0 || c.NSPort > 65535 {
		return nil, usageErrorf("config %s: ns_port %d: want a port, 1-65535 (0 for 53)", configSource(file), c.NSPort)
	}
	if c.MaxGenerate < 0 {
		return nil, usageErrorf("config max_generate: %d: want a number of records, at least 1 (0 for the default)", c.MaxGenerate)
	}
	switch c.Output {
	case "", "table":
		c.Output = "table"
	case "json", "csv", "html":
	default:
		return nil, usageErrorf("--output %q: want table, json, csv or html", c.Output)
	}
	switch c.Deprovision {
	case "", "reset", "delete":
	default:
		return nil, usageErrorf("config %s: deprovision %q: want reset or delete", configSource(file), c.Deprovision)
	}
	var err error
	if c.ClasslessStyle, err = rdns.ParseStyle(raw.ClasslessStyle); err != nil {
		return nil, usageErrorf("config %s: classless_style: %v", configSource(file), err)
	}
	// Paths from flags and the environment are relative to the working
	// directory; paths in the config file to the file's directory.
	fromFile := func(key string) bool {
		return file != "" && v.InConfig(key) && !overridden(key) && os.Getenv(envName(key)) == ""
	}
	if c.IPAM, err = decodeIPAM(v.Get("ipam"), base, fromFile("ipam")); err != nil {
		return nil, err
	}
	if c.Zones, c.RemoteZones, err = decodeZones(v.Get("zones"), base, fromFile("zones")); err != nil {
		return nil, err
	}
	if c.Servers, err = decodeServers(raw.Servers, base); err != nil {
		return nil, err
	}
	if err := checkRemoteZones(c.RemoteZones, c.Servers); err != nil {
		return nil, err
	}
	c.OnChange = raw.OnChange
	c.API = APIConfig{Listen: raw.API.Listen, TokensFile: raw.API.TokensFile, RateLimit: raw.API.RateLimit, Burst: raw.API.Burst}
	if c.API.TokensFile != "" && fromFile("api.tokens_file") {
		c.API.TokensFile = resolvePath(base, c.API.TokensFile)
	}
	if c.API.RateLimit < 0 || c.API.Burst < 0 {
		return nil, usageErrorf("config api: rate_limit and burst must not be negative")
	}
	if c.API.RateLimit > 0 && c.API.Burst == 0 {
		c.API.Burst = max(1, int(c.API.RateLimit))
	}
	if c.ZonesConf = raw.ZonesConf; c.ZonesConf != "" && fromFile("zones_conf") {
		c.ZonesConf = resolvePath(base, c.ZonesConf)
	}
	if c.KeyDir = raw.KeyDir; c.KeyDir != "" && fromFile("key_dir") {
		c.KeyDir = resolvePath(base, c.KeyDir)
	}
	if c.Journal != "" && fromFile("journal") {
		c.Journal = resolvePath(base, c.Journal)
	}
	if fromFile("named_conf") {
		c.NamedConf = resolvePath(base, c.NamedConf)
	}
	if fromFile("include_base") {
		c.IncludeBase = resolvePath(base, c.IncludeBase)
	}
	if c.NewZoneFile != "" {
		if err := zoneset.CheckFilePattern(c.NewZoneFile); err != nil {
			return nil, usageErrorf("config %s: new_zone_file: %v", configSource(file), err)
		}
	}
	for i, d := range raw.Defaults {
		p, err := rdns.ParsePrefix(strings.TrimSpace(d.Prefix))
		if err != nil {
			return nil, usageErrorf("config %s: defaults[%d]: prefix: %v", file, i, err)
		}
		t, err := rdns.ParseTemplate(d.Template)
		if err != nil {
			return nil, usageErrorf("config defaults[%d]: %v", i, err)
		}
		c.Defaults = append(c.Defaults, rdns.Default{Prefix: p, Template: t, Name: d.Name})
	}
	for i, e := range raw.Synthesize {
		p, err := rdns.ParsePrefix(strings.TrimSpace(e.Prefix))
		if err != nil {
			return nil, usageErrorf("config %s: synthesize[%d]: prefix: %v", file, i, err)
		}
		t, err := rdns.ParseTemplate(e.Template)
		if err != nil {
			return nil, usageErrorf("config %s: synthesize[%d]: %v", file, i, err)
		}
		srv := strings.ToLower(strings.TrimSpace(e.Server))
		if !slices.Contains(bulk.SynthServers, srv) {
			return nil, usageErrorf("config %s: synthesize[%d]: server %q: want knot or powerdns", file, i, e.Server)
		}
		c.Synthesize = append(c.Synthesize, bulk.SynthEntry{Prefix: p, Template: t, Server: srv})
	}
	zt := raw.ZoneTemplate
	c.ZoneTemplate = ZoneTemplate{TTL: zt.TTL, MName: rdns.CanonicalHostname(zt.Primary), RName: rdns.CanonicalHostname(zt.Contact),
		Refresh: zt.Refresh, Retry: zt.Retry, Expire: zt.Expire, Minimum: zt.Minimum}
	for _, ns := range zt.NS {
		c.ZoneTemplate.NS = append(c.ZoneTemplate.NS, rdns.CanonicalHostname(ns))
	}
	if c.Checks, err = decodeChecks(raw.Checks); err != nil {
		return nil, usageErrorf("config %s: checks: %v", configSource(file), err)
	}
	return c, nil
}

func configSource(file string) string {
	if file == "" {
		return "(environment)"
	}
	return file
}

// decodeChecks reads the checks key: zone check codes and their severities
// (error, warning, info, off).
func decodeChecks(m map[string]string) (zonecheck.Severities, error) {
	out := zonecheck.Severities{}
	codes := make([]string, 0, len(m))
	for code := range m {
		codes = append(codes, code)
	}
	slices.Sort(codes) // the first bad code is the one reported, every run
	for _, code := range codes {
		sev, err := zonecheck.ParseSeverity(m[code])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", code, err)
		}
		if err := out.Set(code, sev); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func defaultConfigFiles() []string {
	files := []string{"rdnsctl.yaml"}
	if x := os.Getenv("XDG_CONFIG_HOME"); x != "" {
		files = append(files, filepath.Join(x, "rdnsctl", "rdnsctl.yaml"))
	} else if h, err := os.UserHomeDir(); err == nil {
		files = append(files, filepath.Join(h, ".config", "rdnsctl", "rdnsctl.yaml"))
	}
	return files
}

func resolvePath(base, p string) string {
	if p == "" || p == "-" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(base, p)
}

// decodeZones reads the zones key: a list of paths (flags, environment, or
// config) or, in the config file, of {origin, file} maps.
func decodeZones(raw any, base string, rel bool) ([]ZoneSpec, []RemoteZone, error) {
	var out []ZoneSpec
	var remote []RemoteZone
	add := func(path, origin string) {
		if rel {
			path = resolvePath(base, path)
		}
		out = append(out, ZoneSpec{Path: path, Origin: origin})
	}
	switch z := raw.(type) {
	case nil:
	case string:
		for _, p := range splitList(z) {
			add(p, "")
		}
	case []string:
		for _, p := range z {
			add(p, "")
		}
	case []any:
		for i, item := range z {
			switch it := item.(type) {
			case string:
				add(it, "")
			case map[string]any:
				if _, ok := it["server"]; ok {
					rz, err := decodeRemoteZone(i, it)
					if err != nil {
						return nil, nil, err
					}
					remote = append(remote, rz)
					continue
				}
				for k := range it {
					if k != "file" && k != "origin" {
						return nil, nil, usageErrorf("config zones[%d]: unknown key %q: want origin and file, or origin and server", i, k)
					}
				}
				file, _ := it["file"].(string)
				origin, _ := it["origin"].(string)
				if file == "" {
					return nil, nil, usageErrorf("config zones[%d]: no file", i)
				}
				add(file, origin)
			default:
				return nil, nil, usageErrorf("config zones[%d]: want a path, {origin, file} or {origin, server}", i)
			}
		}
	default:
		return nil, nil, usageErrorf("config zones: want a list")
	}
	return out, remote, nil
}

// decodeIPAM reads the ipam key: in the config file a path (the old form,
// taken whole) or a list of paths, relative to the file's directory; from
// the flags a list (--ipam is repeatable); from RDNSCTL_IPAM a list
// separated by : or , as RDNSCTL_ZONES.
func decodeIPAM(raw any, base string, inFile bool) ([]string, error) {
	var out []string
	add := func(p string) {
		if p = strings.TrimSpace(p); p == "" {
			return
		}
		if inFile {
			p = resolvePath(base, p)
		}
		out = append(out, p)
	}
	switch x := raw.(type) {
	case nil:
	case string:
		if inFile {
			add(x)
		} else if x != "[]" { // an unset repeatable flag's default
			for _, p := range splitList(x) {
				add(p)
			}
		}
	case []string:
		for _, p := range x {
			add(p)
		}
	case []any:
		for i, item := range x {
			p, ok := item.(string)
			if !ok {
				return nil, usageErrorf("config ipam[%d]: want a path, got %v", i, item)
			}
			add(p)
		}
	default:
		return nil, usageErrorf("config ipam: want a path or a list of paths, got %v", raw)
	}
	return out, nil
}

// splitList splits a list of paths from the environment.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ':' || r == '\n' })
}

// APIConfig is the api: section: rdnsctl serve's listen address, tokens
// file and per-token rate limit (requests per second, with a burst).
type APIConfig struct {
	Listen     string
	TokensFile string
	RateLimit  float64
	Burst      int
}

// synthesizedPrefixes are the prefixes of the synthesize entries.
func (c *Config) synthesizedPrefixes() []netip.Prefix {
	out := make([]netip.Prefix, 0, len(c.Synthesize))
	for _, e := range c.Synthesize {
		out = append(out, e.Prefix)
	}
	return out
}
