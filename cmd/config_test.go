package cmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/rdnsctl/rdnsctl/internal/dnstest"
	"github.com/rdnsctl/rdnsctl/journal"
	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zonecheck"
)

// keyCase is how one config key is tested: a value for its RDNSCTL_*
// variable (for a structured key, YAML), and what the loaded Config must then
// hold.
type keyCase struct {
	value string
	check func(c *Config) error
}

// fileValues are the values, as YAML, of keys whose config file form
// differs from their variable's: a list where the variable holds a
// separated string.
var fileValues = map[string]string{
	"ipam": "[/srv/netbox.csv, /srv/prefixes.csv]",
}

func want[T any](what string, got func(c *Config) T, w T) func(c *Config) error {
	return func(c *Config) error {
		if g := got(c); !reflect.DeepEqual(g, w) {
			return fmt.Errorf("%s = %#v, want %#v", what, g, w)
		}
		return nil
	}
}

// keyCases holds a case for every config key. A key added to rawConfig
// without a case here fails TestEveryConfigKey.
var keyCases = map[string]keyCase{
	"zones":       {"/srv/z1:/srv/z2", want("Zones", func(c *Config) []ZoneSpec { return c.Zones }, []ZoneSpec{{Path: "/srv/z1"}, {Path: "/srv/z2"}})},
	"ipam":        {"/srv/netbox.csv,/srv/prefixes.csv", want("IPAM", func(c *Config) []string { return c.IPAM }, []string{"/srv/netbox.csv", "/srv/prefixes.csv"})},
	"ipam_format": {"netbox", want("IPAMFormat", func(c *Config) string { return c.IPAMFormat }, "netbox")},
	"ipam_columns": {"{address: addr, hostname: dns}", want("IPAMColumns", func(c *Config) [2]string {
		return [2]string{c.IPAMColumns.Address, c.IPAMColumns.Hostname}
	}, [2]string{"addr", "dns"})},
	"ipam_columns.address":  {"addr", want("Address", func(c *Config) string { return c.IPAMColumns.Address }, "addr")},
	"ipam_columns.hostname": {"dns", want("Hostname", func(c *Config) string { return c.IPAMColumns.Hostname }, "dns")},
	"ipam_columns.status":   {"state", want("Status", func(c *Config) string { return c.IPAMColumns.Status }, "state")},
	"ipam_columns.customer": {"tenant", want("Customer", func(c *Config) string { return c.IPAMColumns.Customer }, "tenant")},
	"ipam_columns.prefix":   {"net", want("Prefix", func(c *Config) string { return c.IPAMColumns.Prefix }, "net")},
	"ipam_columns.vrf":      {"vrf_name", want("VRF", func(c *Config) string { return c.IPAMColumns.VRF }, "vrf_name")},
	"vrfs":                  {"blue,red", want("VRFs", func(c *Config) []string { return c.VRFs }, []string{"blue", "red"})},
	"output":                {"csv", want("Output", func(c *Config) string { return c.Output }, "csv")},
	"quiet":                 {"true", want("Quiet", func(c *Config) bool { return c.Quiet }, true)},
	"no_progress":           {"true", want("NoProgress", func(c *Config) bool { return c.NoProgress }, true)},
	"no_headers":            {"true", want("NoHeaders", func(c *Config) bool { return c.NoHeaders }, true)},
	"strict":                {"true", want("Strict", func(c *Config) bool { return c.Strict }, true)},
	"classless_style":       {"rfc4183", want("ClasslessStyle", func(c *Config) rdns.Style { return c.ClasslessStyle }, rdns.RFC4183)},
	"defaults": {`[{prefix: 198.51.100.0/24, template: "{dashed}.pool.example.net.", name: pool}]`, func(c *Config) error {
		if len(c.Defaults) != 1 || c.Defaults[0].Prefix != netip.MustParsePrefix("198.51.100.0/24") || c.Defaults[0].Name != "pool" ||
			c.Defaults[0].Template.Render(netip.MustParseAddr("198.51.100.7"), "pool") != "198-51-100-7.pool.example.net." {
			return fmt.Errorf("Defaults = %+v", c.Defaults)
		}
		return nil
	}},
	"synthesize": {`[{prefix: 2001:db8:100:f000::/52, template: "{dashed}.dyn.example.net.", server: Knot}]`, func(c *Config) error {
		if len(c.Synthesize) != 1 || c.Synthesize[0].Prefix != netip.MustParsePrefix("2001:db8:100:f000::/52") || c.Synthesize[0].Server != "knot" ||
			c.Synthesize[0].Template.Render(netip.MustParseAddr("2001:db8:100:f000::7"), "") != "2001-db8-100-f000--7.dyn.example.net." {
			return fmt.Errorf("Synthesize = %+v", c.Synthesize)
		}
		return nil
	}},
	"zone_template": {"{primary: ns1.example.net., ns: [ns1.example.net., ns2.example.net.]}", want("ZoneTemplate",
		func(c *Config) [3]string {
			return [3]string{c.ZoneTemplate.MName, strings.Join(c.ZoneTemplate.NS, " ")}
		},
		[3]string{"ns1.example.net.", "ns1.example.net. ns2.example.net."})},
	"zone_template.ttl":     {"300", want("TTL", func(c *Config) uint32 { return c.ZoneTemplate.TTL }, 300)},
	"zone_template.primary": {"ns1.example.net", want("MName", func(c *Config) string { return c.ZoneTemplate.MName }, "ns1.example.net.")},
	"zone_template.contact": {"hostmaster.example.net.", want("RName", func(c *Config) string { return c.ZoneTemplate.RName }, "hostmaster.example.net.")},
	"zone_template.refresh": {"7200", want("Refresh", func(c *Config) uint32 { return c.ZoneTemplate.Refresh }, 7200)},
	"zone_template.retry":   {"900", want("Retry", func(c *Config) uint32 { return c.ZoneTemplate.Retry }, 900)},
	"zone_template.expire":  {"1209600", want("Expire", func(c *Config) uint32 { return c.ZoneTemplate.Expire }, 1209600)},
	"zone_template.minimum": {"60", want("Minimum", func(c *Config) uint32 { return c.ZoneTemplate.Minimum }, 60)},
	"zone_template.ns":      {"a.example.net.,b.example.net.", want("NS", func(c *Config) []string { return c.ZoneTemplate.NS }, []string{"a.example.net.", "b.example.net."})},
	"journal":               {"/var/log/rdns.jsonl", want("Journal", func(c *Config) string { return c.Journal }, "/var/log/rdns.jsonl")},
	"operator":              {"provisioning", want("Operator", func(c *Config) string { return c.Operator }, "provisioning")},
	"deprovision":           {"delete", want("Deprovision", func(c *Config) string { return c.Deprovision }, "delete")},
	"notify":                {"logger rdns", want("Notify", func(c *Config) string { return c.Notify }, "logger rdns")},
	"resolvers":             {"127.0.0.1:5353,127.0.0.2", want("Resolvers", func(c *Config) []string { return c.Resolvers }, []string{"127.0.0.1:5353", "127.0.0.2"})},
	"checks": {"{multiple-ptr: warning, out-of-zone: off}", want("Checks", func(c *Config) zonecheck.Severities { return c.Checks },
		zonecheck.Severities{"multiple-ptr": zonecheck.Warning, "out-of-zone": zonecheck.Off})},
	"lock_timeout": {"45s", want("LockTimeout", func(c *Config) time.Duration { return c.LockTimeout }, 45*time.Second)},
	"api": {"{listen: 127.0.0.1:9000, rate_limit: 5}", want("API", func(c *Config) [2]string {
		return [2]string{c.API.Listen, fmt.Sprint(c.API.RateLimit, c.API.Burst)}
	}, [2]string{"127.0.0.1:9000", "5 5"})},
	"api.listen":      {"127.0.0.1:9001", want("Listen", func(c *Config) string { return c.API.Listen }, "127.0.0.1:9001")},
	"api.tokens_file": {"/etc/rdnsctl/tokens.json", want("TokensFile", func(c *Config) string { return c.API.TokensFile }, "/etc/rdnsctl/tokens.json")},
	"api.rate_limit":  {"20", want("RateLimit", func(c *Config) float64 { return c.API.RateLimit }, 20)},
	"api.burst":       {"40", want("Burst", func(c *Config) int { return c.API.Burst }, 40)},
	"on_change":       {"logger rdns", want("OnChange", func(c *Config) string { return c.OnChange }, "logger rdns")},
	"zones_conf":      {"/etc/bind/rdnsctl-zones.conf", want("ZonesConf", func(c *Config) string { return c.ZonesConf }, "/etc/bind/rdnsctl-zones.conf")},
	"key_dir":         {"/etc/bind/customer-keys", want("KeyDir", func(c *Config) string { return c.KeyDir }, "/etc/bind/customer-keys")},
	"servers": {"[{name: ns1, address: 127.0.0.1, role: secondary}]", want("Servers", func(c *Config) [3]string {
		if len(c.Servers) != 1 {
			return [3]string{}
		}
		return [3]string{c.Servers[0].Name, c.Servers[0].Address, c.Servers[0].Role}
	}, [3]string{"ns1", "127.0.0.1:53", "secondary"})},
	"named_conf":    {"/etc/bind/named.conf", want("NamedConf", func(c *Config) string { return c.NamedConf }, "/etc/bind/named.conf")},
	"view":          {"external", want("View", func(c *Config) string { return c.View }, "external")},
	"include_base":  {"/etc/bind", want("IncludeBase", func(c *Config) string { return c.IncludeBase }, "/etc/bind")},
	"max_generate":  {"65536", want("MaxGenerate", func(c *Config) int { return c.MaxGenerate }, 65536)},
	"new_zone_file": {"db.{origin}", want("NewZoneFile", func(c *Config) string { return c.NewZoneFile }, "db.{origin}")},
	"ns_port":       {"5300", want("NSPort", func(c *Config) int { return c.NSPort }, 5300)},
}

// clearEnv unsets every RDNSCTL_* variable for the test, and the places a
// config file is looked for.
func clearEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "RDNSCTL_") {
			t.Setenv(name, "")
			os.Unsetenv(name)
		}
	}
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
}

// testConfig loads the configuration as a command would, with file as
// --config ("" for none).
func testConfig(t *testing.T, file string) (*Config, error) {
	t.Helper()
	a := &App{IO: &IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}}
	a.NewRootCmd()
	return loadConfig(a.v, file, func(string) bool { return false })
}

// Every key of the config file is read from its RDNSCTL_* variable and from
// the file: the keys are found by reflection, so a new one cannot be
// forgotten.
func TestEveryConfigKey(t *testing.T) {
	clearEnv(t)
	base, err := testConfig(t, "")
	if err != nil {
		t.Fatal(err)
	}
	keys := configKeys()
	if len(keys) < 20 {
		t.Fatalf("configKeys found only %d keys: %v", len(keys), keys)
	}
	for _, k := range keys {
		tc, ok := keyCases[k.Name]
		if !ok {
			t.Errorf("config key %s has no case in keyCases (config_test.go): add one", k.Name)
			continue
		}
		t.Run("env/"+k.Name, func(t *testing.T) {
			t.Setenv(k.Env(), tc.value)
			c, err := testConfig(t, "")
			if err != nil {
				t.Fatalf("%s=%q: %v", k.Env(), tc.value, err)
			}
			if reflect.DeepEqual(c, base) {
				t.Fatalf("%s=%q changed nothing", k.Env(), tc.value)
			}
			if err := tc.check(c); err != nil {
				t.Errorf("%s=%q: %v", k.Env(), tc.value, err)
			}
		})
		t.Run("file/"+k.Name, func(t *testing.T) {
			var val any = tc.value
			if fv, ok := fileValues[k.Name]; ok {
				if err := yaml.Unmarshal([]byte(fv), &val); err != nil {
					t.Fatal(err)
				}
			} else if !k.Leaf() {
				if err := yaml.Unmarshal([]byte(tc.value), &val); err != nil {
					t.Fatal(err)
				}
			}
			doc := map[string]any{}
			m := doc
			parts := strings.Split(k.Name, ".")
			for _, p := range parts[:len(parts)-1] {
				next := map[string]any{}
				m[p] = next
				m = next
			}
			m[parts[len(parts)-1]] = val
			b, _ := yaml.Marshal(doc)
			file := filepath.Join(t.TempDir(), "rdnsctl.yaml")
			os.WriteFile(file, b, 0o644)
			c, err := testConfig(t, file)
			if err != nil {
				t.Fatalf("%s: %v", b, err)
			}
			if err := tc.check(c); err != nil {
				// paths in the file are relative to it; these samples are absolute
				t.Errorf("%s: %v", b, err)
			}
		})
	}
	for name := range keyCases {
		found := false
		for _, k := range keys {
			found = found || k.Name == name
		}
		if !found {
			t.Errorf("keyCases has %s, which is no config key", name)
		}
	}
}

// RDNSCTL_CONFIG names the config file; flags beat the environment, which
// beats the file.
func TestConfigFileFromEnvAndPrecedence(t *testing.T) {
	clearEnv(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "site.yaml")
	os.WriteFile(file, []byte("journal: j.jsonl\nresolvers: [127.0.0.9]\nlock_timeout: 2m\n"), 0o644)
	t.Setenv("RDNSCTL_CONFIG", file)
	c, err := testConfig(t, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.File != file || c.Journal != filepath.Join(dir, "j.jsonl") || c.LockTimeout != 2*time.Minute || !reflect.DeepEqual(c.Resolvers, []string{"127.0.0.9"}) {
		t.Fatalf("from RDNSCTL_CONFIG: %+v", c)
	}
	t.Setenv("RDNSCTL_RESOLVERS", "127.0.0.10")
	t.Setenv("RDNSCTL_JOURNAL", "other.jsonl")
	if c, err = testConfig(t, ""); err != nil {
		t.Fatal(err)
	}
	// a path from the environment is relative to the working directory
	if c.Journal != "other.jsonl" || !reflect.DeepEqual(c.Resolvers, []string{"127.0.0.10"}) {
		t.Fatalf("environment over file: journal %q resolvers %v", c.Journal, c.Resolvers)
	}
}

// An unknown or misspelled key is an error naming the key and the file
// (exit 2), and a duration needs its unit.
func TestConfigRefusesUnknownKeys(t *testing.T) {
	clearEnv(t)
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"top level", "zones: [z]\nresolver: [127.0.0.1]\n", []string{":2:", `"resolver"`, `did you mean "resolvers"`}},
		{"nested", "zone_template:\n  ttl: 300\n  primery: ns1.example.net.\n", []string{":3:", `"zone_template.primery"`, `"primary"`}},
		{"in a list", "defaults:\n  - prefix: 192.0.2.0/24\n    templat: x\n", []string{":3:", `"defaults[0].templat"`, `"template"`}},
		{"far off", "frobnicate: 1\n", []string{":1:", `"frobnicate"`, "known here:"}},
		{"zones entry", "zones:\n  - {origin: 2.0.192.in-addr.arpa., fiel: db}\n", []string{"zones[0]", `"fiel"`}},
		{"bare duration", "lock_timeout: 30\n", []string{"lock_timeout", `"30"`, "unit"}},
		{"bad duration", "lock_timeout: soon\n", []string{"lock_timeout", "soon"}},
		{"bad deprovision", "deprovision: remove\n", []string{"deprovision", "remove"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "rdnsctl.yaml")
			os.WriteFile(file, []byte(tt.yaml), 0o644)
			r := run(t, "", "", "zones", "--config", file)
			if r.code != ExitUsage {
				t.Fatalf("exit %d, want 2\n%s", r.code, r.err)
			}
			for _, w := range append(tt.want, "rdnsctl.yaml") {
				if !strings.Contains(r.err, w) && !(w == "rdnsctl.yaml" && strings.HasPrefix(tt.name, "zones")) {
					t.Errorf("stderr lacks %q:\n%s", w, r.err)
				}
			}
		})
	}
	// a structured key from the environment is checked the same way
	t.Setenv("RDNSCTL_ZONE_TEMPLATE", "{primery: x}")
	if r := run(t, "", "", "zones", "--zones", "../examples/zones"); r.code != ExitUsage || !strings.Contains(r.err, "RDNSCTL_ZONE_TEMPLATE") {
		t.Errorf("exit %d: %s", r.code, r.err)
	}
	t.Setenv("RDNSCTL_ZONE_TEMPLATE", "")
	// a variable that names no key is said, with the one it resembles
	t.Setenv("RDNSCTL_RESOLVER", "127.0.0.1")
	r := run(t, "", "", "zones", "--zones", "../examples/zones")
	if r.code != 0 || !strings.Contains(r.err, "RDNSCTL_RESOLVER is not a setting") || !strings.Contains(r.err, "RDNSCTL_RESOLVERS") {
		t.Errorf("unknown variable: exit %d: %s", r.code, r.err)
	}
}

// The config's lock_timeout and operator reach the verbs' --lock-timeout and
// --operator.
func TestConfigReachesVerbFlags(t *testing.T) {
	clearEnv(t)
	dir := copyExamples(t)
	cfg := filepath.Join(dir, "rdnsctl.yaml")
	b, _ := os.ReadFile(cfg)
	b = regexp.MustCompile(`(?m)^(operator|lock_timeout):.*\n`).ReplaceAll(b, nil)
	os.WriteFile(cfg, append(b, "operator: from-config\nlock_timeout: 300ms\n"...), 0o644)

	l, err := journal.Acquire(filepath.Join(dir, "zones", ".rdnsctl.lock"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := run(t, "", "", "unset", "198.51.100.10", "--config", cfg, "--write")
	waited := time.Since(start)
	l.Release()
	if r.code != ExitUsage || !strings.Contains(r.err, "300ms") || waited > 5*time.Second {
		t.Fatalf("lock_timeout 300ms: exit %d after %v\n%s", r.code, waited, r.err)
	}
	if r := run(t, "", "", "unset", "198.51.100.10", "--config", cfg, "--write", "--lock-timeout", "1s"); r.code != 0 {
		t.Fatalf("unset: exit %d\n%s", r.code, r.err)
	}
	t.Setenv("RDNSCTL_OPERATOR", "from-env")
	if r := run(t, "", "", "unset", "198.51.100.20", "--config", cfg, "--write"); r.code != 0 {
		t.Fatalf("unset: exit %d\n%s", r.code, r.err)
	}
	if r := run(t, "", "", "unset", "198.51.100.22", "--config", cfg, "--write", "--operator", "from-flag"); r.code != 0 {
		t.Fatalf("unset: exit %d\n%s", r.code, r.err)
	}
	entries, _, err := journal.ReadFile(filepath.Join(dir, "rdns-changes.jsonl"), journal.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, e := range entries {
		ops = append(ops, e.Operator)
	}
	if got := strings.Join(ops, " "); got != "from-config from-env from-flag" {
		t.Errorf("operators %q, want from-config from-env from-flag", got)
	}
}

// fcrdns asks the resolvers of RDNSCTL_RESOLVERS; with none configured it
// says on stderr which system resolver it uses.
func TestResolversFromEnv(t *testing.T) {
	clearEnv(t)
	addr := dnstest.NewServer(t, dnstest.Handler(t,
		"1.100.51.198.in-addr.arpa. 300 IN PTR good.example.net.",
		"good.example.net. 300 IN A 198.51.100.1"))
	t.Setenv("RDNSCTL_RESOLVERS", addr)
	r := run(t, "", "", "fcrdns", "198.51.100.1", "-o", "json")
	var out struct {
		Results []struct{ Verdict string } `json:"results"`
	}
	if err := json.Unmarshal([]byte(r.out), &out); err != nil || len(out.Results) != 1 || out.Results[0].Verdict != "pass" {
		t.Fatalf("RDNSCTL_RESOLVERS=%s: exit %d %v\n%s\n%s", addr, r.code, err, r.out, r.err)
	}
	if strings.Contains(r.err, "resolv.conf") {
		t.Errorf("mentions resolv.conf though a resolver is configured:\n%s", r.err)
	}

	t.Setenv("RDNSCTL_RESOLVERS", "")
	rc := filepath.Join(t.TempDir(), "resolv.conf")
	os.WriteFile(rc, []byte("nameserver "+strings.Split(addr, ":")[0]+"\n"), 0o644)
	var o, e bytes.Buffer
	app := &App{IO: &IOStreams{In: strings.NewReader(""), Out: &o, ErrOut: &e}, Now: time.Now, ResolvConf: rc}
	app.Run(t.Context(), []string{"fcrdns", "198.51.100.1", "--timeout", "100ms", "--retries", "0", "-o", "json", "--quiet"})
	if !strings.Contains(e.String(), rc) || !strings.Contains(e.String(), "127.0.0.1:53") {
		t.Errorf("no resolver configured: stderr does not say which system resolver is used:\n%s", e.String())
	}
}
