package cmd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rdnsctl/rdnsctl/apply"
	"github.com/rdnsctl/rdnsctl/journal"
	"github.com/rdnsctl/rdnsctl/live"
	"github.com/rdnsctl/rdnsctl/plan"
	"github.com/rdnsctl/rdnsctl/powerdns"
	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/rfc2136"
	"github.com/rdnsctl/rdnsctl/zonefile"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// rawServer is one servers: entry of the config file.
type rawServer struct {
	Name     string `mapstructure:"name"`
	Type     string `mapstructure:"type"`
	Address  string `mapstructure:"address"`
	Role     string `mapstructure:"role"`
	TSIGFile string `mapstructure:"tsig_file"`
	TSIG     struct {
		Name      string `mapstructure:"name"`
		Algorithm string `mapstructure:"algorithm"`
		Secret    string `mapstructure:"secret"`
	} `mapstructure:"tsig"`
	ReloadCmd   string        `mapstructure:"reload_cmd"`
	FreezeCmd   string        `mapstructure:"freeze_cmd"`
	ThawCmd     string        `mapstructure:"thaw_cmd"`
	UpdateBatch int           `mapstructure:"update_batch"`
	Timeout     time.Duration `mapstructure:"timeout"`
	URL         string        `mapstructure:"url"`
	APIKey      string        `mapstructure:"api_key"`
	APIKeyFile  string        `mapstructure:"api_key_file"`
	ServerID    string        `mapstructure:"server_id"`
	ZoneKind    string        `mapstructure:"zone_kind"`
	ReconfigCmd string        `mapstructure:"reconfig_cmd"`
}

// ServerConfig is a live server: a DNS server read by AXFR and written by
// RFC 2136 UPDATE (type dns), or a PowerDNS server's API (type powerdns).
type ServerConfig struct {
	Name, Type, Role    string
	Address             string // host:port where it answers DNS ("" for a PowerDNS server without one)
	Key                 *rfc2136.Key
	ReloadCmd           string
	FreezeCmd, ThawCmd  string
	UpdateBatch         int
	Timeout             time.Duration
	URL, APIKey, Server string // PowerDNS
	ZoneKind            string // PowerDNS: kind of the zones rdnsctl makes (Native, Master)
	ReconfigCmd         string // run after zones_conf changed (rndc reconfig)
}

// RemoteZone is a zones: entry {origin, server} (or {server, all_reverse}).
type RemoteZone struct {
	Origin     string
	Server     string
	AllReverse bool
}

func decodeRemoteZone(i int, it map[string]any) (RemoteZone, error) {
	var rz RemoteZone
	for k, v := range it {
		switch k {
		case "server":
			rz.Server, _ = v.(string)
		case "origin":
			o, _ := v.(string)
			if o != "" {
				rz.Origin = zonefile.Fqdn(o)
			}
		case "all_reverse":
			b, ok := v.(bool)
			if !ok {
				return rz, usageErrorf("config zones[%d]: all_reverse: want true or false", i)
			}
			rz.AllReverse = b
		default:
			return rz, usageErrorf("config zones[%d]: unknown key %q: want origin and server (or server and all_reverse)", i, k)
		}
	}
	switch {
	case rz.Server == "":
		return rz, usageErrorf("config zones[%d]: server: want a server's name", i)
	case rz.Origin == "" && !rz.AllReverse:
		return rz, usageErrorf("config zones[%d]: {server: %s} needs origin (or all_reverse: true)", i, rz.Server)
	case rz.Origin != "" && rz.AllReverse:
		return rz, usageErrorf("config zones[%d]: give origin or all_reverse, not both", i)
	}
	return rz, nil
}

func decodeServers(raw []rawServer, base string) ([]ServerConfig, error) {
	var out []ServerConfig
	seen := map[string]bool{}
	for i, r := range raw {
		where := fmt.Sprintf("config servers[%d]", i)
		if r.Name == "" {
			return nil, usageErrorf("%s: no name", where)
		}
		where = fmt.Sprintf("config servers[%d] (%s)", i, r.Name)
		if seen[r.Name] {
			return nil, usageErrorf("%s: a second server of that name", where)
		}
		seen[r.Name] = true
		s := ServerConfig{Name: r.Name, Type: r.Type, Role: r.Role, ReloadCmd: r.ReloadCmd, FreezeCmd: r.FreezeCmd, ThawCmd: r.ThawCmd,
			UpdateBatch: r.UpdateBatch, Timeout: r.Timeout, URL: r.URL, Server: r.ServerID, ZoneKind: r.ZoneKind, ReconfigCmd: r.ReconfigCmd}
		switch strings.ToLower(s.ZoneKind) {
		case "", "native":
			s.ZoneKind = "Native"
		case "master", "primary":
			s.ZoneKind = "Master"
		default:
			return nil, usageErrorf("%s: zone_kind %q: want Native or Master", where, r.ZoneKind)
		}
		if s.Type == "" {
			s.Type = "dns"
		}
		if s.Role == "" {
			s.Role = "primary"
		}
		if s.Role != "primary" && s.Role != "secondary" {
			return nil, usageErrorf("%s: role %q: want primary or secondary", where, s.Role)
		}
		if (s.FreezeCmd == "") != (s.ThawCmd == "") {
			return nil, usageErrorf("%s: freeze_cmd and thaw_cmd go together", where)
		}
		if r.Address != "" {
			addr, err := hostPort(r.Address)
			if err != nil {
				return nil, usageErrorf("%s: address: %v", where, err)
			}
			s.Address = addr
		}
		switch s.Type {
		case "dns":
			if s.Address == "" {
				return nil, usageErrorf("%s: no address (host:port, port 53 by default)", where)
			}
			key, err := serverKey(r, base)
			if err != nil {
				return nil, usageErrorf("%s: %v", where, err)
			}
			s.Key = key
		case "powerdns":
			if s.URL == "" {
				return nil, usageErrorf("%s: type powerdns needs url (the PowerDNS webserver, http://HOST:PORT)", where)
			}
			key := r.APIKey
			if env := os.Getenv(pdnsKeyEnv(r.Name)); env != "" {
				key = env
			}
			if key == "" && r.APIKeyFile != "" {
				data, err := os.ReadFile(resolvePath(base, r.APIKeyFile))
				if err != nil {
					return nil, usageErrorf("%s: api_key_file: %v", where, err)
				}
				key = strings.TrimSpace(string(data))
			}
			if key == "" {
				return nil, usageErrorf("%s: no API key (api_key, api_key_file or %s)", where, pdnsKeyEnv(r.Name))
			}
			s.APIKey = key
		default:
			return nil, usageErrorf("%s: type %q: want dns or powerdns", where, s.Type)
		}
		out = append(out, s)
	}
	return out, nil
}

func pdnsKeyEnv(name string) string {
	return strings.Replace(rfc2136.SecretEnv(name), "RDNSCTL_TSIG_SECRET_", "RDNSCTL_PDNS_API_KEY_", 1)
}

// serverKey is the TSIG key of a server entry: tsig_file, or tsig {name,
// algorithm, secret}; the secret may come from RDNSCTL_TSIG_SECRET_<NAME>.
func serverKey(r rawServer, base string) (*rfc2136.Key, error) {
	secret := os.Getenv(rfc2136.SecretEnv(r.Name))
	switch {
	case r.TSIGFile != "" && r.TSIG.Name != "":
		return nil, errors.New("give tsig_file or tsig, not both")
	case r.TSIGFile != "":
		k, err := rfc2136.ReadKeyFile(resolvePath(base, r.TSIGFile), "")
		if err != nil {
			return nil, fmt.Errorf("tsig_file: %w", err)
		}
		if secret != "" {
			k.Secret = secret
		}
		return k, nil
	case r.TSIG.Name != "":
		if secret == "" {
			secret = r.TSIG.Secret
		}
		if secret == "" {
			return nil, fmt.Errorf("tsig %s: no secret (tsig.secret or %s)", r.TSIG.Name, rfc2136.SecretEnv(r.Name))
		}
		return rfc2136.NewKey(r.TSIG.Name, r.TSIG.Algorithm, secret)
	}
	return nil, nil
}

// hostPort adds port 53 to an address without one.
func hostPort(s string) (string, error) {
	if _, _, err := net.SplitHostPort(s); err == nil {
		return s, nil
	}
	if strings.Count(s, ":") > 1 && !strings.HasPrefix(s, "[") { // a bare IPv6 address
		return net.JoinHostPort(s, "53"), nil
	}
	if strings.Contains(s, ":") {
		return "", fmt.Errorf("%q: want host:port", s)
	}
	return net.JoinHostPort(s, "53"), nil
}

func checkRemoteZones(zones []RemoteZone, servers []ServerConfig) error {
	for _, z := range zones {
		i := slices.IndexFunc(servers, func(s ServerConfig) bool { return s.Name == z.Server })
		if i < 0 {
			return usageErrorf("config zones: %s: no server named %q in servers:", z.Origin, z.Server)
		}
		if z.AllReverse && servers[i].Type != "powerdns" {
			return usageErrorf("config zones: all_reverse needs a powerdns server (%s is type %s)", z.Server, servers[i].Type)
		}
	}
	return nil
}

func (a *App) server(name string) *ServerConfig {
	for i := range a.cfg.Servers {
		if a.cfg.Servers[i].Name == name {
			return &a.cfg.Servers[i]
		}
	}
	return nil
}

// filePrimary is the server that serves the zone files: the first primary
// of type dns.
func (a *App) filePrimary() *ServerConfig {
	for i := range a.cfg.Servers {
		if s := &a.cfg.Servers[i]; s.Role == "primary" && s.Type == "dns" {
			return s
		}
	}
	return nil
}

func (s *ServerConfig) dnsServer() *rfc2136.Server {
	return &rfc2136.Server{Name: s.Name, Addr: s.Address, Key: s.Key, Timeout: s.Timeout}
}

func (s *ServerConfig) pdnsClient() *powerdns.Client {
	c := &powerdns.Client{Name: s.Name, URL: s.URL, APIKey: s.APIKey, ServerID: s.Server}
	return c
}

func (s *ServerConfig) writer() live.Writer {
	if s.Type == "powerdns" {
		return &live.PowerDNS{Client: s.pdnsClient(), Kind: s.ZoneKind}
	}
	return &live.RFC2136{Server: s.dnsServer(), Batch: s.UpdateBatch}
}

// remoteZones lists the configured server zones (all_reverse expanded).
func (a *App) remoteZones(ctx context.Context) ([]live.Zone, error) {
	var out []live.Zone
	for _, rz := range a.cfg.RemoteZones {
		s := a.server(rz.Server)
		if rz.AllReverse {
			zs, err := s.pdnsClient().ReverseZones(ctx)
			if err != nil {
				return nil, inputError(err)
			}
			for _, z := range zs {
				out = append(out, live.Zone{Origin: zonefile.Fqdn(z.Name), Server: s.Name, Writer: s.writer()})
			}
			continue
		}
		out = append(out, live.Zone{Origin: rz.Origin, Server: s.Name, Writer: s.writer()})
	}
	return out, nil
}

// liveBackend wraps the zone-file backend when servers are configured:
// zones on servers, .jnl checks and reloads. files may be nil.
func (a *App) liveBackend(files *plan.Backend) (apply.Backend, error) {
	if len(a.cfg.Servers) == 0 {
		return files, nil
	}
	remote, err := a.remoteZones(a.context())
	if err != nil {
		return nil, err
	}
	b := &live.Backend{Files: files, Remote: remote, State: a.stateDir(), Template: a.planTemplate(), Now: a.Now}
	if files == nil {
		// new zones go to the server that holds all reverse zones
		for _, rz := range a.cfg.RemoteZones {
			if rz.AllReverse {
				if c, ok := a.server(rz.Server).writer().(live.Creator); ok {
					b.Create, b.CreateServer = c, rz.Server
				}
				break
			}
		}
	}
	b.Hooks.Check = a.checkJournals
	p := a.filePrimary()
	if p != nil && (p.ReloadCmd != "" || p.ReconfigCmd != "") || a.cfg.ZonesConf != "" {
		journalPath := a.journalPathFor(files)
		b.Hooks.Written = func(ctx context.Context, s *zoneset.Set, targets []apply.Target) error {
			err := a.afterFileWrite(ctx, p, s, targets, journalPath)
			if err != nil {
				a.reloadErr = err
			}
			return err
		}
	}
	return b, nil
}

// stateDir holds the lock and journal batch of a zone set that has no zone
// files: the journal's directory, else the config file's, else ".".
func (a *App) stateDir() string {
	if a.cfg.Journal != "" {
		return dirOf(a.cfg.Journal)
	}
	if a.cfg.File != "" {
		return dirOf(a.cfg.File)
	}
	return "."
}

func dirOf(p string) string {
	if i := strings.LastIndexByte(p, '/'); i > 0 {
		return p[:i]
	} else if i == 0 {
		return "/"
	}
	return "."
}

// checkJournals refuses to write a zone file that has a BIND journal beside
// it, unless it was frozen for this write.
func (a *App) checkJournals(targets []apply.Target) error {
	for _, t := range targets {
		if t.Created {
			continue
		}
		jnl := t.Path + ".jnl"
		if _, err := os.Lstat(jnl); err != nil {
			continue
		}
		if slices.Contains(a.frozen, t.Zone) {
			continue
		}
		return usageErrorf("zone %s: %s has a BIND journal beside it (%s): the zone is dynamic, and editing its file under the running server loses the journal's updates or stops the zone from loading.\n"+
			"Nothing was written. Configure the zone as {origin: %s, server: NAME} (written by RFC 2136 UPDATE), or give the primary freeze_cmd and thaw_cmd (e.g. \"rndc freeze {zone}\" / \"rndc thaw {zone}\")",
			strings.TrimSuffix(t.Zone, "."), t.Path, jnl, t.Zone)
	}
	return nil
}

// freezeDynamic freezes, on the primary with freeze_cmd, every loaded zone
// file that has a BIND journal beside it, so that the file holds the
// journal's updates before it is read again and patched. It returns the
// thaw, which runs also when the write fails.
func (a *App) freezeDynamic(ctx context.Context, s *zoneset.Set) (thaw func() error, err error) {
	p := a.filePrimary()
	thaw = func() error { return nil }
	if p == nil || p.FreezeCmd == "" {
		return thaw, nil
	}
	var frozen []*zoneset.Zone
	thaw = func() error {
		var errs []error
		for _, z := range frozen {
			if err := runHook(ctx, p.ThawCmd, z.Origin, z.Path); err != nil {
				errs = append(errs, fmt.Errorf("thaw %s: %w", z.Origin, err))
			}
		}
		a.frozen = nil
		return errors.Join(errs...)
	}
	for _, z := range s.Zones {
		if z.Path == "" || strings.Contains(z.Path, "://") {
			continue
		}
		if _, err := os.Lstat(z.Path + ".jnl"); err != nil {
			continue
		}
		if err := runHook(ctx, p.FreezeCmd, z.Origin, z.Path); err != nil {
			return thaw, fmt.Errorf("freeze %s on %s: %w (nothing written)", z.Origin, p.Name, err)
		}
		frozen = append(frozen, z)
		a.frozen = append(a.frozen, z.Origin)
		if err := waitDumped(ctx, p, z); err != nil {
			return thaw, err
		}
	}
	return thaw, nil
}

// waitDumped waits until the frozen zone's file holds what the server
// serves: named dumps the zone after rndc freeze has returned, so the file's
// SOA serial is polled until it is the served one.
func waitDumped(ctx context.Context, p *ServerConfig, z *zoneset.Zone) error {
	served, err := p.dnsServer().Serial(ctx, z.Origin)
	if err != nil {
		return fmt.Errorf("freeze %s: %w (nothing written)", z.Origin, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		data, err := os.ReadFile(z.Path)
		if err == nil {
			if fz, perr := zonefile.ParseBytes(data, z.Path, zonefile.Options{Origin: z.Origin}); fz != nil {
				for _, r := range fz.Records {
					if r.Type == zonefile.TypeSOA {
						if soa, err := zonefile.ParseSOA(r.Data); err == nil && soa.Serial == served {
							return nil
						}
						break
					}
				}
			} else {
				err = perr
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("freeze %s: the file %s does not hold the served serial %d after 30s (nothing written)", z.Origin, z.Path, served)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w: %v", errInterrupted, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// thawFrozen thaws the zones freezeDynamic froze.
func (a *App) thawFrozen() {
	if a.thaw == nil {
		return
	}
	if err := a.thaw(); err != nil {
		a.warn(err)
		if a.reloadErr == nil {
			a.reloadErr = err
		}
	}
	a.thaw = nil
}

// afterFileWrite tells the primary about written zone files: zones_conf is
// rewritten when zones were made or retired (then reconfig_cmd runs, so the
// server loads new zones and drops retired ones), and reload_cmd runs for
// every other written zone.
func (a *App) afterFileWrite(ctx context.Context, p *ServerConfig, s *zoneset.Set, targets []apply.Target, journalPath string) error {
	var errs []error
	changedZones := false
	for _, t := range targets {
		changedZones = changedZones || t.Created || t.Retired
	}
	reconfigured := false
	reconfig := func(file string) {
		if p == nil || p.ReconfigCmd == "" {
			return
		}
		if err := runHook(ctx, p.ReconfigCmd, "", file); err != nil {
			errs = append(errs, fmt.Errorf("reconfig_cmd failed on %s: %w", p.Name, err))
			return
		}
		reconfigured = true
	}
	if a.cfg.ZonesConf != "" {
		grants, err := readKeyGrants(a.keyDir())
		changed := false
		if err == nil {
			changed, err = writeZonesConf(a.cfg.ZonesConf, s, targets, grants)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("zones_conf %s: %w", a.cfg.ZonesConf, err))
		} else if changed {
			reconfig(a.cfg.ZonesConf)
		}
	} else if changedZones {
		reconfig("")
	}
	if p != nil && p.ReloadCmd != "" {
		var reload []apply.Target
		for _, t := range targets {
			if t.Retired || (t.Created && reconfigured) {
				continue // a new zone is loaded by the reconfig
			}
			reload = append(reload, t)
		}
		if err := a.reloadZones(ctx, p, reload, journalPath); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// writeZonesConf rewrites the named.conf fragment that holds a zone
// statement for every zone file of the set (after this write: made zones
// in, retired ones out), atomically, when its contents change. A zone
// customers' dynamic keys are granted (transfer delegate --dynamic-key)
// gets their update-policy, and the fragment includes those keys' files.
func writeZonesConf(path string, s *zoneset.Set, targets []apply.Target, grants []keyGrants) (bool, error) {
	files := map[string]string{}
	for _, z := range s.Zones {
		if z.Path == "" || strings.Contains(z.Path, "://") || z.Type != "primary" {
			continue
		}
		files[z.Origin] = z.Path
	}
	for _, t := range targets {
		switch {
		case t.Retired:
			delete(files, t.Zone)
		case t.Created:
			files[t.Zone] = t.Path
		}
	}
	origins := make([]string, 0, len(files))
	for o := range files {
		origins = append(origins, o)
	}
	slices.SortFunc(origins, zonefile.CompareNames)
	var b strings.Builder
	b.WriteString("// Zone statements of the zone files rdnsctl manages, written by rdnsctl:\n// include this file from named.conf. Edits are overwritten.\n")
	includes, policy := zonesConfPolicy(grants, files)
	for _, k := range includes {
		fmt.Fprintf(&b, "include %s;\n", quoteConf(k))
	}
	for _, o := range origins {
		abs, err := filepath.Abs(files[o])
		if err != nil {
			return false, err
		}
		if rules := policy[o]; len(rules) > 0 {
			fmt.Fprintf(&b, "zone %s { type primary; file %s; update-policy { %s }; };\n", quoteConf(o), quoteConf(abs), strings.Join(rules, " "))
			continue
		}
		fmt.Fprintf(&b, "zone %s { type primary; file %s; };\n", quoteConf(o), quoteConf(abs))
	}
	old, err := os.ReadFile(path)
	if err == nil && string(old) == b.String() {
		return false, nil
	}
	if err := zonefile.WriteFiles([]zonefile.FileWrite{{Path: path, Data: []byte(b.String())}}); err != nil {
		return false, err
	}
	return true, nil
}

// quoteConf quotes a string for named.conf.
func quoteConf(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// reloadZones runs the primary's reload_cmd once per written zone. A zone
// whose reload fails stays written; the journal gets a reload-failed line
// for it, so that the journal says which zones the server may not serve.
func (a *App) reloadZones(ctx context.Context, p *ServerConfig, targets []apply.Target, journalPath string) error {
	var errs []error
	var failed []journal.Entry
	for _, t := range targets {
		if t.Retired {
			continue
		}
		if err := runHook(ctx, p.ReloadCmd, t.Zone, t.Path); err != nil {
			errs = append(errs, fmt.Errorf("zone %s was written but not reloaded on %s: %w", strings.TrimSuffix(t.Zone, "."), p.Name, err))
			failed = append(failed, journal.Entry{Time: a.Now().UTC(), Operator: journal.Operator(a.cfg.Operator), Command: strings.Join(a.Args, " "),
				Action: "reload-failed", Zone: t.Zone, File: t.Path, Reason: err.Error()})
		}
	}
	if len(failed) > 0 {
		if j, err := journal.Open(journalPath); err == nil {
			if err := j.Append(failed); err != nil {
				errs = append(errs, err)
			}
			j.Close()
		} else {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// runHook runs a configured command with {zone} and {file} substituted in
// its words (no shell: write sh -c '…' to have one).
func runHook(ctx context.Context, command, zone, file string) error {
	words, err := splitWords(command)
	if err != nil {
		return err
	}
	if len(words) == 0 {
		return errors.New("empty command")
	}
	r := strings.NewReplacer("{zone}", strings.TrimSuffix(zone, "."), "{file}", file)
	for i := range words {
		words[i] = r.Replace(words[i])
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, words[0], words[1:]...).CombinedOutput()
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		return fmt.Errorf("%s: %v: %s", words[0], err, msg)
	}
	return nil
}

// splitWords splits a command line into words as a shell would for plain
// words, 'single' and "double" quotes (no expansions).
func splitWords(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'' || c == '"':
			j := strings.IndexByte(s[i+1:], c)
			if j < 0 {
				return nil, fmt.Errorf("command %q: unterminated quote", s)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, nil
}

// loadRemote reads the zones that live on servers into s.
func (a *App) loadRemote(s *zoneset.Set) error {
	zones, err := a.remoteZones(a.context())
	if err != nil {
		return err
	}
	b := &live.Backend{Remote: zones}
	if err := b.LoadRemote(a.context(), s); err != nil {
		if a.context().Err() != nil {
			return fmt.Errorf("%w: %v", errInterrupted, err)
		}
		return inputError(err)
	}
	return nil
}

// waitLive waits until every configured server with an address answers
// each custom PTR the change set wrote (the seed's "confirm when live").
func (a *App) waitLive(cs rdns.ChangeSet, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(a.context(), limit)
	defer cancel()
	var servers []*rfc2136.Server
	for i := range a.cfg.Servers {
		if s := &a.cfg.Servers[i]; s.Address != "" {
			srv := s.dnsServer()
			if s.Type == "powerdns" {
				srv.Key = nil
			}
			servers = append(servers, srv)
		}
	}
	if len(servers) == 0 {
		return usageErrorf("--wait-live: no server with an address in servers:")
	}
	for _, c := range cs.Changes {
		if c.Type != "PTR" || c.New == "" || c.Action == rdns.Delete {
			continue
		}
		for _, srv := range servers {
			for {
				got, err := srv.Lookup(ctx, c.Name, zonefile.TypePTR)
				if err == nil && slices.Contains(got, strings.ToLower(c.New)) {
					break
				}
				select {
				case <-ctx.Done():
					if a.context().Err() != nil {
						return fmt.Errorf("%w: waiting for %s to be live", errInterrupted, c.Addr)
					}
					return usageErrorf("--wait-live: %s does not answer %s for %s after %s (the change is written; the on-change command was not run)", srv, c.New, c.Addr, limit)
				case <-time.After(200 * time.Millisecond):
				}
			}
		}
	}
	a.info("live on %d server(s)", len(servers))
	return nil
}
