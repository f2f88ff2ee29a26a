package cmd

import (
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rdnsctl/rdnsctl/internal/dnstest"
	"github.com/rdnsctl/rdnsctl/rdns"
)

// The Knot configuration block-init --synthesize knot prints from the
// config's synthesize entry, loaded into a real knotd: a synthesized
// address's PTR is the name rdnsctl's {dashed} template renders, that name
// resolves forward to the address, and an explicit PTR of the zone wins. An
// entry smaller than the loaded zone (a /52 in the /48) puts the module in
// the /48 zone Knot serves (regression: the zone section named the entry's
// own nibble zone, which Knot does not serve), and addresses of the zone
// outside the entry are not synthesized.
func TestSynthesizeKnotServes(t *testing.T) {
	if _, err := exec.LookPath("dig"); err != nil {
		t.Skip("dig not installed")
	}
	for _, c := range []struct {
		name, prefix string
		synth        []string // synthesized addresses
		not          []string // addresses of the zone outside the entry
	}{
		{"entry is the zone", "2001:db8:100::/48",
			[]string{"2001:db8:100:abcd::42", "2001:db8:100:1::", "2001:db8:100:0:1:2:3:4", "2001:db8:100:ffff:ffff:ffff:ffff:ffff"}, nil},
		{"entry inside the zone", "2001:db8:100:f000::/52",
			[]string{"2001:db8:100:f000::", "2001:db8:100:f00d::42", "2001:db8:100:ffff:ffff:ffff:ffff:ffff"}, []string{"2001:db8:100:abcd::42", "2001:db8:100:efff::1"}},
		// no loaded zone covers a /40: the module goes to the /48 inside it
		{"entry above the zone", "2001:db8:100::/40",
			[]string{"2001:db8:100:abcd::42", "2001:db8:100:ffff:ffff:ffff:ffff:ffff"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := copyExamples(t)
			cfg := filepath.Join(dir, "rdnsctl.yaml")
			const tmpl = "{dashed}.dyn.example.net."
			appendFile(t, cfg, "synthesize:\n  - prefix: "+c.prefix+"\n    template: \""+tmpl+"\"\n    server: knot\n")
			r := run(t, "", "", "block-init", "--synthesize", "knot", "--config", cfg)
			if r.code != 0 {
				t.Fatalf("exit %d\n%s", r.code, r.err)
			}
			rev := "0.0.1.0.8.b.d.0.1.0.0.2.ip6.arpa."
			revFile, _ := filepath.Abs(filepath.Join(dir, "zones", rev+"zone"))
			fwdFile := filepath.Join(dir, "dyn.example.net.zone")
			if err := os.WriteFile(fwdFile, []byte("$ORIGIN dyn.example.net.\n$TTL 3600\n@ IN SOA ns1.example.net. hostmaster.example.net. 1 7200 3600 1209600 3600\n@ IN NS ns1.example.net.\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			// merge the zones' file: settings into the printed zone section
			files := map[string]string{rev: revFile, "dyn.example.net.": fwdFile}
			conf := regexp.MustCompile(`(?m)^  - domain: (\S+)\n`).ReplaceAllStringFunc(r.out, func(m string) string {
				d := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(m), "- domain:"))
				if files[d] == "" {
					t.Fatalf("printed config names zone %s, want only %v:\n%s", d, files, r.out)
				}
				return m + "    file: \"" + files[d] + "\"\n"
			})
			conf = "template:\n  - id: default\n    zonefile-sync: -1\n    journal-content: none\n" + conf
			addr := dnstest.StartKnotConf(t, []dnstest.Zone{{Origin: rev, File: revFile}, {Origin: "dyn.example.net.", File: fwdFile}}, conf)
			tm, err := rdns.ParseTemplate(tmpl)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range c.synth {
				a := netip.MustParseAddr(s)
				name := tm.Render(a, "")
				if got := digShort(t, addr, rdns.ReverseName(a), "PTR"); got != name {
					t.Errorf("PTR of %s: Knot says %q, rdnsctl's template %q", a, got, name)
					continue
				}
				if got := digShort(t, addr, name, "AAAA"); got != a.String() {
					t.Errorf("AAAA of %s: Knot says %q, want %s", name, got, a)
				}
			}
			for _, s := range c.not {
				a := netip.MustParseAddr(s)
				if got := digShort(t, addr, rdns.ReverseName(a), "PTR"); got != "" {
					t.Errorf("PTR of %s, outside %s: Knot says %q, want none", a, c.prefix, got)
				}
			}
			if got := digShort(t, addr, rdns.ReverseName(netip.MustParseAddr("2001:db8:100::1")), "PTR"); got != "gw-zrh1.example.net." {
				t.Errorf("explicit PTR of 2001:db8:100::1: Knot says %q, want the zone's gw-zrh1.example.net.", got)
			}
		})
	}
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// digShort asks one question without recursion and returns the answer's
// data (dig +short), lines joined by spaces.
func digShort(t *testing.T, addr, name, qtype string) string {
	t.Helper()
	i := strings.LastIndex(addr, ":")
	out, err := exec.Command("dig", "@"+addr[:i], "-p", addr[i+1:], "+norec", "+short", "+time=2", "+tries=1", name, qtype).CombinedOutput()
	if err != nil {
		t.Fatalf("dig %s %s: %v\n%s", name, qtype, err, out)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}
