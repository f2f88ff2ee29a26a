package zonefile

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rdnsctl/rdnsctl/rdns"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// patchNow dates the serials of the patch tests: 2024-02-03.
var patchNow = time.Date(2024, 2, 3, 12, 0, 0, 0, time.UTC)

func TestNextSerial(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 23, 59, 0, 0, time.UTC) }
	cases := []struct {
		name string
		old  uint32
		now  time.Time
		want uint32
	}{
		{"date form, older day", 2024010100, day(2024, 2, 3), 2024020300},
		{"date form, same day", 2024020305, day(2024, 2, 3), 2024020306},
		{"date form, nn=98", 2024020398, day(2024, 2, 3), 2024020399},
		{"date form, nn=99 rolls to the next day", 2024020399, day(2024, 2, 3), 2024020400},
		{"date form, nn=99 at the end of a month", 2024022999, day(2024, 2, 29), 2024030100},
		{"date form, nn=99 at the end of the year", 2024123199, day(2024, 12, 31), 2025010100},
		{"date form, in the future", 2030010100, day(2024, 2, 3), 2030010101},
		{"date form, future nn=99", 2030013199, day(2024, 2, 3), 2030020100},
		{"date taken in UTC", 2024020300, time.Date(2024, 2, 4, 0, 30, 0, 0, time.FixedZone("CET", 3600)), 2024020301},
		{"zero starts the date form", 0, day(2024, 2, 3), 2024020300},
		{"counter", 7, day(2024, 2, 3), 8},
		{"nine digits (RHEL lab)", 201812901, day(2024, 2, 3), 201812902},
		{"not a date: month 13", 2024130100, day(2024, 2, 3), 2024130101},
		{"not a date: 31 November", 2024113100, day(2024, 2, 3), 2024113101},
		{"unix time", 1644163812, day(2024, 2, 3), 1644163813},
		{"huge", 4294967294, day(2024, 2, 3), 4294967295},
		{"wraps and skips 0", 4294967295, day(2024, 2, 3), 1},
		{"2^31", 1 << 31, day(2024, 2, 3), 1<<31 + 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := NextSerial(c.old, c.now)
			if got != c.want {
				t.Errorf("NextSerial(%d) = %d, want %d", c.old, got, c.want)
			}
			// RFC 1982: the new serial is greater than the old one
			if d := got - c.old; c.old != 0 && (d == 0 || d >= 1<<31) {
				t.Errorf("%d -> %d is not an increase in serial arithmetic", c.old, got)
			}
		})
	}
}

// The Mozilla inventory's "bump the serial only" oracle: in every expected
// file only the serial differs (+1), and a file without an SOA is unchanged.
func TestBumpSerialMozillaOracle(t *testing.T) {
	dir := filepath.Join(corpusRoot(t), "realworld", "mozilla-inventory", "soa-increment")
	inputs, _ := filepath.Glob(filepath.Join(dir, "*.input"))
	if len(inputs) != 8 {
		t.Fatalf("%d inputs", len(inputs))
	}
	// Their serials are of 2012-05-15 to 2012-05-29: a "now" of 2012-05-15
	// gives old+1, as the oracle wants.
	now := time.Date(2012, 5, 15, 10, 0, 0, 0, time.UTC)
	for _, in := range inputs {
		t.Run(filepath.Base(in), func(t *testing.T) {
			data := mustRead(t, in)
			want := mustRead(t, strings.TrimSuffix(in, ".input")+".expected")
			got, err := BumpSerial(data, now)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func loadPatchZone(t *testing.T, name, origin string) *Zone {
	t.Helper()
	data := mustRead(t, filepath.Join("testdata", "patch", name))
	z, err := ParseBytes(data, name, Options{Origin: origin})
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func ptr(action rdns.Action, name, old, new string) rdns.Change {
	return rdns.Change{Action: action, Name: name, Type: "PTR", Old: old, New: new}
}

func v4(s string) netip.Addr { return netip.MustParseAddr(s) }

type patchCase struct {
	name    string
	zone    string // under testdata/patch
	origin  string
	changes []rdns.Change
	wantErr string
}

func patchCases() []patchCase {
	const o = ".2.0.192.in-addr.arpa."
	var undelegate []rdns.Change
	for i := 64; i <= 127; i++ {
		undelegate = append(undelegate, rdns.Change{Action: rdns.Delete, Name: fmt.Sprint(i) + o, Type: "CNAME", Old: fmt.Sprintf("%d.64/26%s", i, o)})
	}
	undelegate = append(undelegate, rdns.Change{Action: rdns.Delete, Name: "64/26" + o, Type: "NS", Old: "ns1.example.net."})
	return []patchCase{
		{name: "replace", zone: "base.zone", changes: []rdns.Change{ptr(rdns.Replace, "10"+o, "mail.example.net.", "mx.example.net.")}},
		{name: "replace-relative-target", zone: "base.zone", changes: []rdns.Change{ptr(rdns.Replace, "200"+o, "host200"+o, "host200.example.net.")}},
		{name: "delete-keeps-next-owner", zone: "base.zone", changes: []rdns.Change{ptr(rdns.Delete, "2"+o, "www.example.net.", "")}},
		{name: "delete-both-of-a-group", zone: "base.zone", changes: []rdns.Change{ptr(rdns.Delete, "2"+o, "www.example.net.", ""), ptr(rdns.Delete, "2"+o, "web.example.net.", "")}},
		{name: "add-in-order", zone: "base.zone", changes: []rdns.Change{
			ptr(rdns.Add, "5"+o, "", "five.example.net."),
			ptr(rdns.Add, "3"+o, "", "three.example.net."),
			ptr(rdns.Add, "0"+o, "", "zero.example.net."),
			ptr(rdns.Add, "250"+o, "", "last.example.net."),
			ptr(rdns.Add, "10"+o, "", "mail2.example.net."),
			ptr(rdns.Add, "35"+o, "", "between-generates.example.net."),
		}},
		{name: "split-replace", zone: "base.zone", changes: []rdns.Change{ptr(rdns.Replace, "25"+o, "pool-25.example.net.", "custom.example.net.")}},
		{name: "split-step-delete", zone: "base.zone", changes: []rdns.Change{ptr(rdns.Delete, "44"+o, "even-44.example.net.", "")}},
		{name: "split-edges", zone: "base.zone", changes: []rdns.Change{
			ptr(rdns.Add, "20"+o, "", "first.example.net."),
			ptr(rdns.Replace, "30"+o, "pool-30.example.net.", "last.example.net."),
			ptr(rdns.Delete, "22"+o, "pool-22.example.net.", ""),
			ptr(rdns.Delete, "50"+o, "even-50.example.net.", ""),
		}},
		// a new record inside a split $GENERATE line goes between the pieces
		{name: "split-add-between", zone: "base.zone", changes: []rdns.Change{
			ptr(rdns.Delete, "25"+o, "pool-25.example.net.", ""),
			{Action: rdns.Add, Name: "25" + o, Addr: v4("192.0.2.25"), Type: "CNAME", New: "25.sub.example.net."},
			ptr(rdns.Delete, "28"+o, "pool-28.example.net.", ""),
			ptr(rdns.Delete, "29"+o, "pool-29.example.net.", ""),
			{Action: rdns.Add, Type: "CNAME", Name: "28" + o, Addr: v4("192.0.2.28"), New: "28.sub.example.net.", Generate: "$.sub.example.net.", Range: "28-29"},
			{Action: rdns.Add, Type: "CNAME", Name: "29" + o, Addr: v4("192.0.2.29"), New: "29.sub.example.net.", Generate: "$.sub.example.net.", Range: "28-29"},
		}},
		{name: "generate-template", zone: "base.zone", changes: []rdns.Change{
			{Action: rdns.Replace, Type: "GENERATE", Name: "20" + o, Line: 19, Old: "pool-$.example.net.", New: "dyn-$.example.net."},
		}},
		{name: "generate-add", zone: "base.zone", changes: []rdns.Change{
			{Action: rdns.Add, Type: "GENERATE", Name: "$" + o, Addr: v4("192.0.2.150"), Range: "150-160", New: "h-$.example.net."},
		}},
		{name: "undelegate", zone: "base.zone", changes: undelegate},
		{name: "delegation-ns", zone: "base.zone", changes: []rdns.Change{
			{Action: rdns.Add, Name: "128/26" + o, Type: "NS", New: "ns2.example.net."},
			{Action: rdns.Add, Name: "64/26" + o, Type: "NS", New: "ns2.example.net."},
		}},
		{name: "no-ptr-yet", zone: "noptr.zone", origin: "51.198.in-addr.arpa.", changes: []rdns.Change{
			ptr(rdns.Add, "2.100.51.198.in-addr.arpa.", "", "two.example.net."),
			ptr(rdns.Add, "1.100.51.198.in-addr.arpa.", "", "one.example.net."),
		}},
		{name: "no-final-newline", zone: "nonewline.zone", origin: "100.51.198.in-addr.arpa.", changes: []rdns.Change{
			ptr(rdns.Add, "7.100.51.198.in-addr.arpa.", "", "seven.example.net."),
		}},
		{name: "delete-keeps-next-ttl", zone: "rfc1035.zone", origin: "113.0.203.in-addr.arpa.", changes: []rdns.Change{
			ptr(rdns.Delete, "1.113.0.203.in-addr.arpa.", "one.example.net.", ""),
			ptr(rdns.Delete, "2.113.0.203.in-addr.arpa.", "two.example.net.", ""),
			ptr(rdns.Delete, "10.113.0.203.in-addr.arpa.", "g10.example.net.", ""),
			ptr(rdns.Delete, "11.113.0.203.in-addr.arpa.", "g11.example.net.", ""),
			ptr(rdns.Delete, "12.113.0.203.in-addr.arpa.", "g12.example.net.", ""),
		}},
		// found by FuzzPatch: a $GENERATE owner "$$" is a literal "$",
		// which must not start a line as written
		{name: "dollar-owner", zone: "dollar.zone", origin: "test.", changes: []rdns.Change{
			ptr(rdns.Replace, "$.test.", "0.test.", "patched.example."),
			ptr(rdns.Add, "$x.test.", "", "added.example."),
		}},
		{name: "unchanged", zone: "base.zone", changes: []rdns.Change{
			ptr(rdns.Replace, "10"+o, "mail.example.net.", "mail.example.net."),
			ptr(rdns.Add, "1"+o, "", "gw.example.net."),
		}},
		{name: "nothing-to-delete", zone: "base.zone", changes: []rdns.Change{ptr(rdns.Delete, "9"+o, "x.example.net.", "")}, wantErr: "no PTR record"},
		{name: "wrong-zone", zone: "base.zone", changes: []rdns.Change{{Action: rdns.Add, Zone: "example.net.", Name: "9" + o, Type: "PTR", New: "x."}}, wantErr: "given to zone"},
		{name: "two-changes-one-record", zone: "base.zone", changes: []rdns.Change{
			ptr(rdns.Replace, "10"+o, "mail.example.net.", "a.example.net."),
			ptr(rdns.Delete, "10"+o, "mail.example.net.", ""),
		}, wantErr: "two changes"},
	}
}

func TestPatchGolden(t *testing.T) {
	for _, c := range patchCases() {
		t.Run(c.name, func(t *testing.T) {
			origin := c.origin
			if origin == "" {
				origin = "2.0.192.in-addr.arpa."
			}
			z := loadPatchZone(t, c.zone, origin)
			out, err := z.Patch(c.changes, PatchOptions{Now: patchNow})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "patch", c.name+".golden")
			if c.name == "unchanged" {
				if len(out) != 0 {
					t.Fatalf("an unchanged zone gave output: %s", out[0])
				}
				return
			}
			if len(out) != 1 || out[0] == nil {
				t.Fatalf("want the main file changed, got %d files", len(out))
			}
			got := out[0]
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want := mustRead(t, golden)
			if !bytes.Equal(got, want) {
				t.Errorf("output differs from %s (run go test ./zonefile -update to refresh):\n%s", golden, got)
			}
			checkPatchedRecords(t, z, got, origin, c.changes)
			namedCheckZone(t, origin, got)
		})
	}
}

// checkPatchedRecords reads the patched file back and compares its records
// (owner, type, RDATA) with the old zone's with the changes applied; the
// records the change set does not touch keep their TTLs.
func checkPatchedRecords(t *testing.T, old *Zone, patched []byte, origin string, changes []rdns.Change) {
	t.Helper()
	nz, err := ParseBytes(patched, "patched", Options{Origin: origin})
	if err != nil {
		t.Fatalf("patched file does not parse: %v", err)
	}
	type rec struct{ name, typ, data string }
	set := map[rec]uint32{}
	for _, r := range old.Loaded() {
		if r.Type == 6 {
			continue
		}
		set[rec{r.Name, typeString(r.Type), r.Data}] = r.TTL
	}
	added := map[rec]bool{}
	for _, c := range changes {
		name, _ := CanonicalName(c.Name, origin)
		if c.Type == "GENERATE" {
			switch c.Action {
			case rdns.Add:
				g := Generate{Range: c.Range, LHS: name, Type: 12, RHS: c.New}
				rng, _ := parseGenRange([]byte(c.Range))
				for i := rng.start; i <= rng.stop; i++ {
					n, _ := g.ExpandLHS(int(i), origin)
					d, _ := g.ExpandRHS(int(i), origin)
					set[rec{n, "PTR", d}] = 0
					added[rec{n, "PTR", d}] = true
				}
			case rdns.Replace:
				for k := range set {
					if k.typ == "PTR" && strings.HasPrefix(k.data, "pool-") {
						delete(set, k)
						n := strings.Replace(k.data, "pool-", "dyn-", 1)
						set[rec{k.name, "PTR", n}] = 0
						added[rec{k.name, "PTR", n}] = true
					}
				}
			}
			continue
		}
		switch c.Action {
		case rdns.Delete:
			delete(set, rec{name, c.Type, c.Old})
		case rdns.Replace:
			delete(set, rec{name, c.Type, c.Old})
			set[rec{name, c.Type, c.New}] = 0
			added[rec{name, c.Type, c.New}] = true
		case rdns.Add:
			// an add at a name a $GENERATE line makes takes the
			// generated record's place
			for _, r := range old.Records {
				if r.Iter >= 0 && r.Name == name && typeString(r.Type) == c.Type {
					delete(set, rec{name, c.Type, r.Data})
				}
			}
			if _, ok := set[rec{name, c.Type, c.New}]; !ok {
				set[rec{name, c.Type, c.New}] = 0
				added[rec{name, c.Type, c.New}] = true
			}
		}
	}
	got := map[rec]uint32{}
	for _, r := range nz.Loaded() {
		if r.Type == 6 {
			continue
		}
		got[rec{r.Name, typeString(r.Type), r.Data}] = r.TTL
	}
	var missing, extra []string
	for k, ttl := range set {
		g, ok := got[k]
		switch {
		case !ok:
			missing = append(missing, fmt.Sprint(k))
		case !added[k] && g != ttl:
			extra = append(extra, fmt.Sprintf("%v: TTL %d, was %d", k, g, ttl))
		}
	}
	for k := range got {
		if _, ok := set[k]; !ok {
			extra = append(extra, fmt.Sprint(k))
		}
	}
	slices.Sort(missing)
	slices.Sort(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("patched zone: missing %v\nunexpected %v", missing, extra)
	}
	// one serial, bumped once
	var serials []string
	for _, r := range nz.Records {
		if r.Type == 6 {
			serials = append(serials, strings.Fields(r.Data)[2])
		}
	}
	for _, r := range old.Records {
		if r.Type == 6 && len(serials) == 1 {
			var o uint32
			fmt.Sscan(strings.Fields(r.Data)[2], &o)
			if want := fmt.Sprint(NextSerial(o, patchNow)); serials[0] != want {
				t.Errorf("serial %s, want %s", serials[0], want)
			}
		}
	}
}

// namedCheckZone runs named-checkzone -q -k fail -i local on the text.
func namedCheckZone(t *testing.T, origin string, data []byte) {
	t.Helper()
	if _, err := exec.LookPath("named-checkzone"); err != nil {
		t.Log("named-checkzone not installed (bind9-utils): output not checked by BIND")
		return
	}
	f := filepath.Join(t.TempDir(), "zone")
	if err := os.WriteFile(f, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("named-checkzone", "-q", "-k", "fail", "-i", "local", origin, f).CombinedOutput()
	if err != nil {
		t.Errorf("named-checkzone refuses the output: %v\n%s", err, out)
	}
}

// A one-PTR change touches exactly two lines: the record and the serial.
func TestPatchOneLineDiff(t *testing.T) {
	z := loadPatchZone(t, "base.zone", "2.0.192.in-addr.arpa.")
	out, err := z.Patch([]rdns.Change{ptr(rdns.Replace, "1.2.0.192.in-addr.arpa.", "gw.example.net.", "router.example.net.")}, PatchOptions{Now: patchNow})
	if err != nil {
		t.Fatal(err)
	}
	oldLines := strings.SplitAfter(string(z.Files[0].Data), "\n")
	newLines := strings.SplitAfter(string(out[0]), "\n")
	if len(oldLines) != len(newLines) {
		t.Fatalf("%d lines became %d", len(oldLines), len(newLines))
	}
	var diff []string
	for i := range oldLines {
		if oldLines[i] != newLines[i] {
			diff = append(diff, strings.TrimSpace(oldLines[i])+" -> "+strings.TrimSpace(newLines[i]))
		}
	}
	want := []string{
		"2024010100\t; serial -> 2024020300\t; serial",
		"1\tIN\tPTR\tgw.example.net. -> 1\tIN\tPTR\trouter.example.net.",
	}
	if !slices.Equal(diff, want) {
		t.Errorf("diff %q, want %q", diff, want)
	}
}

// Written back with no change, a zone is byte-identical; with ForceSerial
// only the serial changes.
func TestPatchNoChange(t *testing.T) {
	for _, name := range []string{"base.zone", "noptr.zone", "nonewline.zone"} {
		z := loadPatchZone(t, name, "2.0.192.in-addr.arpa.")
		out, err := z.Patch(nil, PatchOptions{Now: patchNow})
		if err != nil || len(out) != 0 {
			t.Errorf("%s: %v, %d files", name, err, len(out))
		}
		p := &patcher{z: z}
		same, err := p.apply()
		if err != nil || len(same) != 0 {
			t.Errorf("%s: writing back gave %d files, %v", name, len(same), err)
		}
		out, err = z.Patch(nil, PatchOptions{Now: patchNow, ForceSerial: true})
		if err != nil || len(out) != 1 {
			t.Fatalf("%s: ForceSerial: %v, %d files", name, err, len(out))
		}
		bumped, _ := BumpSerial(z.Files[0].Data, patchNow)
		if !bytes.Equal(out[0], bumped) {
			t.Errorf("%s: ForceSerial changed more than the serial", name)
		}
	}
}

// Changes in an included file go to that file; the serial to the main one.
func TestPatchInclude(t *testing.T) {
	fsys := fstest.MapFS{
		"zones/main.zone":     {Data: []byte("$ORIGIN 113.0.203.in-addr.arpa.\n$TTL 300\n@ SOA ns1.example.net. h.example.net. 2024010100 3600 600 86400 300\n  NS ns1.example.net.\n$INCLUDE hosts.inc\n")},
		"zones/hosts.inc":     {Data: []byte("; hosts\n1 PTR one.example.net.\n5 PTR five.example.net.\n")},
		"zones/unrelated.inc": {Data: []byte("")},
	}
	z, err := ParseBytes(fsys["zones/main.zone"].Data, "zones/main.zone", Options{FS: fsys, Dir: "zones"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := z.Patch([]rdns.Change{
		ptr(rdns.Replace, "5.113.0.203.in-addr.arpa.", "five.example.net.", "v.example.net."),
		ptr(rdns.Add, "3.113.0.203.in-addr.arpa.", "", "three.example.net."),
	}, PatchOptions{Now: patchNow})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 {
		t.Fatalf("%d files changed", len(out))
	}
	if got, want := string(out[1]), "; hosts\n1 PTR one.example.net.\n3\tIN\tPTR\tthree.example.net.\n5 PTR v.example.net.\n"; got != want {
		t.Errorf("include:\n%s\nwant\n%s", got, want)
	}
	if !strings.Contains(string(out[0]), " 2024020300 ") {
		t.Errorf("main file: %s", out[0])
	}
}

func TestGenerateAPI(t *testing.T) {
	z := loadPatchZone(t, "base.zone", "2.0.192.in-addr.arpa.")
	var gens []Generate
	for ei, e := range z.Files[0].Entries {
		if e.Kind == EntryGenerate {
			g, err := z.Generate(0, int32(ei))
			if err != nil {
				t.Fatal(err)
			}
			gens = append(gens, g)
		}
	}
	if len(gens) != 3 {
		t.Fatalf("%d generates", len(gens))
	}
	g := gens[1]
	if g.Range != "40-50/2" || g.Start != 40 || g.Stop != 50 || g.Step != 2 || g.LHS != "$" || g.RHS != "even-$.example.net." || g.Line != 20 {
		t.Errorf("%+v", g)
	}
	if n, err := g.ExpandRHS(44, ""); err != nil || n != "even-44.example.net." {
		t.Errorf("ExpandRHS = %q, %v", n, err)
	}
	if n, err := gens[2].ExpandRHS(65, g.Origin); err != nil || n != "65.64/26.2.0.192.in-addr.arpa." {
		t.Errorf("ExpandRHS = %q, %v", n, err)
	}
	if n, err := g.ExpandLHS(44, ""); err != nil || n != "44.2.0.192.in-addr.arpa." {
		t.Errorf("ExpandLHS = %q, %v", n, err)
	}
	if _, err := z.Generate(0, 0); err == nil {
		t.Error("Generate of a non-$GENERATE entry")
	}
}

// overlayFS serves the patched bytes of some files over a directory.
type overlayFS struct {
	base  fs.FS
	files map[string][]byte
}

func (o overlayFS) Open(name string) (fs.File, error) {
	if b, ok := o.files[name]; ok {
		return fstest.MapFS{name: {Data: b}}.Open(name)
	}
	return o.base.Open(name)
}

// TestPatchCorpus patches every corpus zone that loads cleanly: it replaces
// and deletes PTRs and CNAMEs (plain and generated) and adds a PTR, then
// reads the result back and checks that exactly those records changed and
// no untouched record changed TTL.
func TestPatchCorpus(t *testing.T) {
	corpus := corpusRoot(t)
	n := 0
	for _, c := range corpusCases(t, corpus) {
		if c.shim || c.okSection || c.origin == "" {
			continue
		}
		opt := Options{Origin: c.origin, FS: os.DirFS(c.root), Dir: path.Dir(c.file)}
		data, err := os.ReadFile(filepath.Join(c.root, c.file))
		if err != nil {
			t.Fatal(err)
		}
		z, err := ParseBytes(data, c.file, opt)
		if err != nil || z == nil {
			continue
		}
		n++
		t.Run(c.name, func(t *testing.T) {
			changes := pickChanges(z, func(i int) int { return i % 4 })
			if z.Origin != "." {
				changes = append(changes, rdns.Change{Action: rdns.Add, Name: "rdnsctl-added." + z.Origin, Type: "PTR", New: "added.example."})
			}
			out, err := z.Patch(changes, PatchOptions{Now: patchNow})
			if err != nil {
				t.Fatal(err)
			}
			if err := verifyPatch(z, changes, out, opt); err != nil {
				t.Error(err)
			}
		})
	}
	if n < 30 {
		t.Errorf("only %d corpus zones patched", n)
	}
}

// pickChanges replaces (op 0) or deletes (op 1) PTRs and CNAMEs of the zone,
// each distinct record once; op gets the record's number.
func pickChanges(z *Zone, op func(i int) int) []rdns.Change {
	type key struct{ name, typ, data string }
	seen := map[key]bool{}
	var changes []rdns.Change
	i := 0
	for _, r := range z.Records {
		if (r.Type != 12 && r.Type != 5) || !IsSubdomain(r.Name, z.Origin) {
			continue
		}
		k := key{r.Name, typeString(r.Type), r.Data}
		if seen[k] {
			continue
		}
		seen[k] = true
		i++
		switch op(i) {
		case 0:
			changes = append(changes, rdns.Change{Action: rdns.Replace, Name: r.Name, Type: k.typ, Old: r.Data, New: fmt.Sprintf("patched-%d.example.", i)})
		case 1:
			changes = append(changes, rdns.Change{Action: rdns.Delete, Name: r.Name, Type: k.typ, Old: r.Data})
		}
	}
	return changes
}

// verifyPatch reads a patched zone back and checks that exactly the changed
// records changed, and that no other record changed TTL.
func verifyPatch(z *Zone, changes []rdns.Change, out map[int][]byte, opt Options) error {
	type key struct{ name, typ, data string }
	files := map[string][]byte{}
	for idx, b := range out {
		if idx > 0 {
			files[z.Files[idx].Path] = b
		}
	}
	main := z.Files[0].Data
	if b, ok := out[0]; ok {
		main = b
	}
	if opt.FS != nil {
		opt.FS = overlayFS{base: opt.FS, files: files}
	}
	nz, err := ParseBytes(main, z.Files[0].Path, opt)
	if err != nil {
		return fmt.Errorf("patched zone does not parse: %v", err)
	}
	want := map[key]uint32{}
	for _, r := range z.Loaded() {
		if r.Type != 6 {
			want[key{r.Name, typeString(r.Type), r.Data}] = r.TTL
		}
	}
	changed := map[key]bool{}
	for _, ch := range changes {
		switch ch.Action {
		case rdns.Delete:
			delete(want, key{ch.Name, ch.Type, ch.Old})
		case rdns.Replace:
			delete(want, key{ch.Name, ch.Type, ch.Old})
			want[key{ch.Name, ch.Type, ch.New}] = 0
			changed[key{ch.Name, ch.Type, ch.New}] = true
		case rdns.Add:
			want[key{ch.Name, ch.Type, ch.New}] = 0
			changed[key{ch.Name, ch.Type, ch.New}] = true
		}
	}
	got := map[key]uint32{}
	for _, r := range nz.Loaded() {
		if r.Type != 6 {
			got[key{r.Name, typeString(r.Type), r.Data}] = r.TTL
		}
	}
	var problems []string
	for k, ttl := range want {
		g, ok := got[k]
		if !ok {
			problems = append(problems, fmt.Sprintf("missing %v", k))
		} else if !changed[k] && g != ttl {
			problems = append(problems, fmt.Sprintf("%v: TTL %d, was %d", k, g, ttl))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			problems = append(problems, fmt.Sprintf("unexpected %v", k))
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return fmt.Errorf("patched zone:\n%s", strings.Join(problems, "\n"))
	}
	return nil
}
