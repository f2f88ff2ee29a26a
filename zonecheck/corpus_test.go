package zonecheck

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rdnsctl/rdnsctl/zonefile"
)

// TestCorpusVerdictsMatchBIND runs the checker over the zones of the shared
// corpus (BIND's checkzone suite, BIND's reverse zones, real-world reverse
// and forward zones) and compares its verdict with named-checkzone -i local,
// once with -k fail and once with -k warn: the zone is refused by a
// parse-error or a BIND code of severity error exactly when BIND refuses it.
// Without named-checkzone, BIND's checkzone suite is still compared with the
// verdicts of its EXPECTATIONS.tsv. The zonefile package's corpus test
// compares the records; this one holds the zone-level verdicts.
//
// Deliberate differences are listed in corpusExceptions with their reasons.
// The PTR-policy codes are not part of the comparison: the test logs the
// files they refuse although BIND loads them.

// corpusExceptions are the corpus files whose verdict is not compared, with
// the reason.
var corpusExceptions = map[string]string{
	"bind9/checkzone/bad-_dns-svcb1.db":             "SVCB _dns checks are not repeated (named-checkzone only)",
	"bind9/checkzone/bad-_dns-svcb2.db":             "SVCB _dns checks are not repeated (named-checkzone only)",
	"bind9/checkzone/bad-_dns-svcb3.db":             "SVCB _dns checks are not repeated (named-checkzone only)",
	"bind9/checkzone/bad-_dns-svcb4.db":             "SVCB _dns checks are not repeated (named-checkzone only)",
	"bind9/checkzone/bad-_dns-svcb5.db":             "SVCB _dns checks are not repeated (named-checkzone only)",
	"bind9/checkzone/bad-_dns-svcb6.db":             "SVCB _dns checks are not repeated (named-checkzone only)",
	"bind9/checkzone/bad-cdnskey.db":                "CDS/CDNSKEY consistency is a DNSSEC check, not repeated",
	"bind9/checkzone/bad-cds.db":                    "CDS/CDNSKEY consistency is a DNSSEC check, not repeated",
	"bind9/checkzone/bad-ds-2.db":                   "'DS not at delegation point' is not repeated",
	"bind9/checkzone/bad-eui48-no-leading-zero.db":  "EUI48 text checks are left to miekg/dns, which accepts it",
	"bind9/checkzone/bad-eui48-trailing-garbage.db": "EUI48 text checks are left to miekg/dns, which accepts it",
	"bind9/checkzone/bad-eui64-no-leading-zero.db":  "EUI64 text checks are left to miekg/dns, which accepts it",
	"bind9/checkzone/bad-eui64-trailing-garbage.db": "EUI64 text checks are left to miekg/dns, which accepts it",
	"bind9/checkzone/bad-nsec3owner-padded.db":      "NSEC3 owner checks are not repeated",
	"bind9/checkzone/bad-rpz-prefix.db":             "RPZ checks are not repeated",
	"bind9/checkzone/bad-svcb-servername.db":        "check-names on SVCB targets is not repeated",
	"bind9/checkzone/bad-svcb-mandatory.db":         "SVCB mandatory-key checks are left to miekg/dns, which accepts it",
	"bind9/checkzone/bad-nsap-empty.db":             "NSAP is parsed by miekg/dns, which accepts an empty 0x",
	"bind9/checkzone/bad-unspec.db":                 "UNSPEC is parsed by miekg/dns, which accepts it",
	"bind9/checkzone/bad-dhcid.db":                  "DHCID is parsed by miekg/dns, which accepts it",
	"bind9/checkzone/bad-nsec3-length.db":           "NSEC3 is parsed by miekg/dns, which accepts an over-long hash",
	"bind9/checkzone/bad-nsec3-padded.db":           "NSEC3 is parsed by miekg/dns, which accepts padded base32",
	"bind9/checkzone/good-nsap.db":                  "miekg/dns does not know the NSAP type; the reader refuses the record",
	"bind9/checkzone/good-svcb.db":                  "miekg/dns refuses an SVCB value with an escaped quote that BIND accepts; the reader refuses the record",
}

type corpusCase struct {
	name   string // path in the corpus
	root   string // BIND's working directory (absolute); the FS root for $INCLUDE
	file   string // the zone file, relative to root
	origin string
	// from EXPECTATIONS.tsv: the -k mode it names ("" when the row is not
	// a plain verdict) and BIND's verdict with it
	tsvK     checkNames
	tsvLoads bool
}

func corpusRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "shared", "corpus"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST.md")); err != nil {
		t.Skipf("zone corpus not found at %s; skipping the BIND comparison", dir)
	}
	return dir
}

// linkRoot makes a directory holding one symbolic link, name -> target, so
// that a file can be loaded from where BIND's own test ran it.
func linkRoot(t *testing.T, name, target string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
	return dir
}

func corpusCases(t *testing.T, corpus string) []corpusCase {
	var cases []corpusCase
	// bind9/checkzone: its zones include "zones/inherit.db", so BIND ran
	// them from a directory that holds zones/.
	ck := filepath.Join(corpus, "bind9", "checkzone")
	ckRoot := linkRoot(t, "zones", ck)
	tsv, err := os.ReadFile(filepath.Join(ck, "EXPECTATIONS.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(strings.TrimSpace(string(tsv)), "\n") {
		f := strings.Split(line, "\t")
		if i == 0 || len(f) < 3 || !strings.HasSuffix(f[0], ".db") || f[2] == "" {
			continue // the header, the raw file, the Jinja template, the included fragment
		}
		args := strings.Fields(f[2])
		c := corpusCase{name: "bind9/checkzone/" + f[0], root: ckRoot, file: "zones/" + f[0], origin: args[len(args)-1]}
		// a plain verdict: only -i and -k among the arguments
		plain := true
		for j := 0; j < len(args)-1; j++ {
			switch args[j] {
			case "-i", "-k":
				j++
			default:
				plain = false
			}
		}
		if plain && (strings.HasPrefix(f[1], "PASS (exit 0)") || strings.HasPrefix(f[1], "FAIL (exit 1)")) {
			c.tsvK, c.tsvLoads = kWarn, strings.HasPrefix(f[1], "PASS")
			if strings.Contains(f[2], "-k fail") {
				c.tsvK = kFail
			}
		}
		cases = append(cases, c)
	}
	// bind9/reverse: <test>__<server>__<zone>.db; cacheclean is zone ".".
	rev := filepath.Join(corpus, "bind9", "reverse")
	ents, err := os.ReadDir(rev)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		parts := strings.SplitN(e.Name(), "__", 3)
		if len(parts) < 3 {
			continue
		}
		o := strings.TrimSuffix(strings.TrimSuffix(parts[2], ".in"), ".db")
		if o == "example" {
			o = "."
		}
		cases = append(cases, corpusCase{name: "bind9/reverse/" + e.Name(), root: rev, file: e.Name(), origin: o})
	}
	// real-world zones, named as in realworld/README.md
	rw := filepath.Join(corpus, "realworld")
	for _, r := range []struct{ file, origin string }{
		{"wikimedia-operations-dns/10.in-addr.arpa", "10.in-addr.arpa"},
		{"wikimedia-operations-dns/152.80.208.in-addr.arpa", "152.80.208.in-addr.arpa"},
		{"wikimedia-operations-dns/138.71.185.in-addr.arpa", "138.71.185.in-addr.arpa"},
		{"wikimedia-operations-dns/27.35.198.in-addr.arpa", "27.35.198.in-addr.arpa"},
		{"wikimedia-operations-dns/31.172.in-addr.arpa", "31.172.in-addr.arpa"},
		{"wikimedia-operations-dns/0.6.8.0.0.0.0.0.0.2.6.2.ip6.arpa", "0.6.8.0.0.0.0.0.0.2.6.2.ip6.arpa"},
		{"wikimedia-operations-dns/0.3.9.0.c.7.6.0.1.0.0.2.ip6.arpa", "0.3.9.0.c.7.6.0.1.0.0.2.ip6.arpa"},
		{"wikimedia-operations-dns/2.6.8.0.0.0.0.0.0.2.6.2.ip6.arpa", "2.6.8.0.0.0.0.0.0.2.6.2.ip6.arpa"},
		{"freifunk-luebeck-ffhl-dns/10.130.zone", "130.10.in-addr.arpa"},
		{"freifunk-luebeck-ffhl-dns/fdef:ffc0:3dd7.zone", "7.d.d.3.0.c.f.f.f.e.d.f.ip6.arpa"},
		{"dominusceo-rhce/bind-master-slave__master__var__named__122.168.192.in-addr.arpa.db", "122.168.192.in-addr.arpa"},
		{"dominusceo-rhce/bind-master-slave__master__var__named__33.9.10.in-addr.arpa.db.ori.20181126", "33.9.10.in-addr.arpa"},
		{"dominusceo-rhce/bind-chrooted__named__chroot__var__named__217.168.192.in-addr.arpa.db", "217.168.192.in-addr.arpa"},
		{"dominusceo-rhce/bind-chrooted__named__chroot__var__named__100.168.192.in-addr.arpa.db", "100.168.192.in-addr.arpa"},
		{"dominusceo-rhce/bind-chrooted__named__chroot__var__named__named.loopback", "0.0.127.in-addr.arpa"},
		{"dominusceo-rhce/bind-chrooted__named__chroot__var__named__named.empty", "255.in-addr.arpa"},
		{"dominusceo-rhce/bind-chrooted__named__chroot__var__named__example.org.zone.db", "example.org"},
		{"lofyer-myidc-main/reverse.example.com", "1.168.192.in-addr.arpa"},
		{"lofyer-myidc-main/forward.example.com", "example.com"},
		{"theanotherwise-linux-bind9/10.10.in-addr.arpa", "10.10.in-addr.arpa"},
		{"theanotherwise-linux-bind9/seems.localdomain.forward", "seems.localdomain"},
		{"octodns-bind/2.0.192.in-addr.arpa.", "2.0.192.in-addr.arpa"},
		{"hickory-dns/127.0.0.1.zone", "0.0.127.in-addr.arpa"},
		{"hickory-dns/ipv6_1.zone", "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa"},
		{"hickory-dns/nonewline.zone", "nonewline"},
	} {
		cases = append(cases, corpusCase{name: "realworld/" + r.file, root: filepath.Join(rw, path.Dir(r.file)), file: path.Base(r.file), origin: r.origin})
	}
	// ffhl.zone includes "ffhl/ffhl.include", relative to named's directory.
	ff := linkRoot(t, "ffhl", filepath.Join(rw, "freifunk-luebeck-ffhl-dns"))
	cases = append(cases, corpusCase{name: "realworld/freifunk-luebeck-ffhl-dns/ffhl.zone", root: ff, file: "ffhl/ffhl.zone", origin: "ffhl"})
	// knot's synthrecord zones and PowerDNS's reverse zone
	ks := filepath.Join(corpus, "knot-synthrecord")
	for _, f := range []string{"0-25.2.0.10.in-addr.arpa.zone", "1.168.192.in-addr.arpa.zone", "1.6.b.0.0.0.0.0.0.2.6.2.ip6.arpa.zone", "ip6.arpa.zone"} {
		cases = append(cases, corpusCase{name: "knot-synthrecord/" + f, root: ks, file: f, origin: strings.TrimSuffix(f, ".zone")})
	}
	cases = append(cases, corpusCase{name: "pdns/2.0.192.in-addr.arpa", root: filepath.Join(corpus, "pdns"), file: "2.0.192.in-addr.arpa", origin: "2.0.192.in-addr.arpa"})
	return cases
}

func TestCorpusVerdictsMatchBIND(t *testing.T) {
	corpus := corpusRoot(t)
	cases := corpusCases(t, corpus)
	if len(cases) < 120 {
		t.Fatalf("only %d corpus cases found", len(cases))
	}
	live := haveCheckzone()
	var compared, refused, policy atomic.Int64
	t.Cleanup(func() {
		t.Logf("%d verdicts compared with BIND (%d refusals); %d files BIND loads are refused by the PTR policy", compared.Load(), refused.Load(), policy.Load())
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if reason, ok := corpusExceptions[c.name]; ok {
				t.Skipf("deliberate difference: %s", reason)
			}
			for _, k := range []checkNames{kFail, kWarn} {
				var loads bool
				var out string
				switch {
				case live:
					loads, out = bindLoads(t, c.root, c.file, c.origin, k)
				case c.tsvK == k:
					loads, out = c.tsvLoads, "(EXPECTATIONS.tsv)"
				default:
					continue
				}
				v := checkFile(t, c.root, c.file, c.origin, k.options())
				compared.Add(1)
				if !loads {
					refused.Add(1)
				}
				if v.bindRefuses == loads {
					t.Errorf("-k %s: BIND loads=%v, rdnsctl refuses=%v: %v\nBIND: %s", k, loads, v.bindRefuses, findingLines(v.findings), out)
				}
				if loads && v.refuses && k == kFail {
					policy.Add(1)
					t.Logf("PTR policy refuses what BIND loads: %v", findingLines(v.findings))
				}
			}
		})
	}
}

func findingLines(f []Finding) []string {
	var out []string
	for i, x := range f {
		if i == 5 {
			out = append(out, "...")
			break
		}
		out = append(out, x.Code+"@"+itoa(x.Line)+" "+x.Message)
	}
	return out
}

// The checker never panics on a corpus file, whatever origin it is given.
func TestCorpusNoPanic(t *testing.T) {
	corpus := corpusRoot(t)
	err := filepath.WalkDir(corpus, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, o := range []string{"", ".", "example.", "in-addr.arpa."} {
			if z, _ := zonefile.ParseBytes(data, p, zonefile.Options{Origin: o}); z != nil {
				File(z, Options{})
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
