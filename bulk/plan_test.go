package bulk

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/rdnsctl/rdnsctl/plan"
	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

const soaNS = "$TTL 3600\n@\tIN\tSOA\tns1.example.net. hostmaster.example.net. 2026010100 7200 3600 1209600 3600\n\tIN\tNS\tns1.example.net.\n"

// pool is 192.0.2.0/24 with two statics and a $GENERATE pool, and
// optionally $GENERATE CNAMEs into a delegated 192.0.2.128/26.
func pool(cnames bool) string {
	z := "$ORIGIN 2.0.192.in-addr.arpa.\n" + soaNS + "1\tIN\tPTR\tgw.example.net.\n2\tIN\tPTR\tns.example.net.\n$GENERATE 10-99 $ PTR 192-0-2-$.pool1.example.net.\n"
	if cnames {
		z += "128/26\tIN\tNS\tns1.example.net.\n$GENERATE 128-191 $ CNAME $.128/26\n"
	}
	return z
}

func loadFS(t *testing.T, style rdns.Style, files map[string]string) (*zoneset.Set, fstest.MapFS) {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(body)}
	}
	return reload(t, style, fsys), fsys
}

func reload(t *testing.T, style rdns.Style, fsys fstest.MapFS) *zoneset.Set {
	t.Helper()
	s, err := zoneset.LoadFS(fsys, []zoneset.Spec{{Path: "zones"}}, zoneset.Options{Style: style})
	if err != nil || len(s.Problems) > 0 {
		t.Fatal(err, s.Problems)
	}
	return s
}

// applyPlan writes the change set into fsys the way plan.Build makes the
// files (retiring zones by removing them) and loads the set again.
func applyPlan(t *testing.T, s *zoneset.Set, style rdns.Style, fsys fstest.MapFS, cs rdns.ChangeSet, retire ...string) *zoneset.Set {
	t.Helper()
	p, err := plan.Build(s, cs, plan.Options{Now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}, retire...)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range p.Files {
		if f.Retired {
			delete(fsys, f.Path)
			continue
		}
		fsys[f.Path] = &fstest.MapFile{Data: f.New}
	}
	return reload(t, style, fsys)
}

func count(cs rdns.ChangeSet, f func(c rdns.Change) bool) int {
	n := 0
	for _, c := range cs.Changes {
		if f(c) {
			n++
		}
	}
	return n
}

// mass-rename through a $GENERATE line: one replace per address, each
// carrying the line's new template when the whole line is renamed, none
// when only part of it is; applied, the line is rewritten and a second plan
// is empty.
func TestMassRenameGeneratePerAddress(t *testing.T) {
	tests := []struct {
		name     string
		blocks   string
		rw       Rewriter
		replaced int
		marked   int
		lines    int // $GENERATE lines after
	}{
		{"whole line", "192.0.2.0/24", NewSuffix("pool1.example.net", "pool2.example.net"), 90, 90, 1},
		{"part of the line", "192.0.2.0/26", NewSuffix("pool1.example.net", "pool2.example.net"), 54, 0, 1},
		{"template cannot say it", "192.0.2.0/24", Regexp{From: mustRe(`^192-0-2-5\d\.pool1`), To: "x5.pool1"}, 10, 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, fsys := loadFS(t, rdns.Slash, map[string]string{"zones/db.192.0.2": pool(false)})
			cs, st, err := MassRename(s, RenameOptions{Blocks: []netip.Prefix{netip.MustParsePrefix(tt.blocks)}, Rewriter: tt.rw})
			if err != nil {
				t.Fatal(err)
			}
			if got := cs.Summarize().Replaced; got != tt.replaced || len(cs.Changes) != tt.replaced {
				t.Fatalf("%d replaced in %d changes, want %d", got, len(cs.Changes), tt.replaced)
			}
			if got := count(cs, func(c rdns.Change) bool { return c.Generate != "" }); got != tt.marked {
				t.Errorf("%d changes marked with a template, want %d", got, tt.marked)
			}
			if want := map[bool]int{true: 1, false: 0}[tt.marked > 0]; st.Generate != want {
				t.Errorf("%d lines rewritten, want %d", st.Generate, want)
			}
			for _, c := range cs.Changes {
				if c.Type != "PTR" || !c.Addr.IsValid() {
					t.Fatalf("change %+v", c)
				}
			}
			s = applyPlan(t, s, rdns.Slash, fsys, cs)
			text := string(fsys["zones/db.192.0.2"].Data)
			if n := strings.Count(text, "$GENERATE"); n != tt.lines {
				t.Errorf("%d $GENERATE lines after, want %d:\n%s", n, tt.lines, text)
			}
			again, _, err := MassRename(s, RenameOptions{Blocks: []netip.Prefix{netip.MustParsePrefix(tt.blocks)}, Rewriter: tt.rw})
			if err != nil || !again.Empty() {
				t.Errorf("planned again: %v %+v", err, again.Changes)
			}
		})
	}
}

// Delegate --external: what the parent gets, what it loses, and what is
// refused; applied, planning again is empty.
func TestDelegateExternalPlans(t *testing.T) {
	tests := []struct {
		name      string
		block     string
		cnames    bool // parent writes its CNAMEs with $GENERATE
		opt       DelegateOptions
		err       string
		ns, cname int
		deleted   int
		marked    int
		glue      int
	}{
		{name: "empty block, parent with $GENERATE CNAMEs", block: "192.0.2.192/27", cnames: true,
			opt: DelegateOptions{NS: []string{"ns1.customer.example"}}, ns: 1, cname: 32, marked: 32},
		{name: "block with PTRs, explicit CNAMEs", block: "192.0.2.0/28",
			opt: DelegateOptions{NS: []string{"ns1.customer.example", "ns2.customer.example"}}, ns: 2, cname: 16, deleted: 8},
		{name: "--generate", block: "192.0.2.0/28",
			opt: DelegateOptions{NS: []string{"ns1.customer.example"}, Generate: true}, ns: 1, cname: 16, deleted: 8, marked: 16},
		{name: "glue for a name inside the zone", block: "192.0.2.224/27",
			opt: DelegateOptions{NS: []string{"ns.2.0.192.in-addr.arpa."}, Glue: map[string][]netip.Addr{"ns.2.0.192.in-addr.arpa.": {netip.MustParseAddr("198.51.100.53")}}},
			ns:  1, cname: 32, glue: 1},
		{name: "no NS", block: "192.0.2.0/28", err: "needs the customer's name servers"},
		{name: "NS inside without glue", block: "192.0.2.0/28", opt: DelegateOptions{NS: []string{"ns.2.0.192.in-addr.arpa."}}, err: "needs glue"},
		{name: "glue outside", block: "192.0.2.0/28", opt: DelegateOptions{NS: []string{"ns.customer.example"},
			Glue: map[string][]netip.Addr{"ns.customer.example": {netip.MustParseAddr("198.51.100.53")}}}, err: "only for a name server inside"},
		{name: "child loaded here", block: "192.0.2.128/26", cnames: true, opt: DelegateOptions{NS: []string{"ns1.customer.example"}}, err: "is loaded here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{"zones/db.192.0.2": pool(tt.cnames)}
			if tt.cnames {
				files["zones/db.192.0.2.128"] = "$ORIGIN 128/26.2.0.192.in-addr.arpa.\n" + soaNS + "130\tIN\tPTR\tweb.hosting.example.\n"
			}
			s, fsys := loadFS(t, rdns.Slash, files)
			opt := tt.opt
			opt.Block, opt.Style, opt.External = netip.MustParsePrefix(tt.block), rdns.Slash, true
			cs, err := Delegate(s, opt)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			is := func(action rdns.Action, typ string) func(rdns.Change) bool {
				return func(c rdns.Change) bool { return c.Action == action && c.Type == typ }
			}
			got := fmt.Sprint(count(cs, is(rdns.Add, "NS")), count(cs, is(rdns.Add, "CNAME")), count(cs, is(rdns.Delete, "PTR")),
				count(cs, func(c rdns.Change) bool { return c.Generate != "" }), count(cs, is(rdns.Add, "A")))
			if want := fmt.Sprint(tt.ns, tt.cname, tt.deleted, tt.marked, tt.glue); got != want {
				t.Errorf("NS, CNAME adds, PTR deletes, marked, glue = %s, want %s", got, want)
			}
			for _, c := range cs.Changes {
				if c.Zone != "2.0.192.in-addr.arpa." {
					t.Errorf("change outside the parent: %+v", c)
				}
			}
			s = applyPlan(t, s, rdns.Slash, fsys, cs)
			if len(fsys) != len(files) {
				t.Errorf("%d files after, want %d: no child zone is made", len(fsys), len(files))
			}
			if again, err := Delegate(s, opt); err != nil || !again.Empty() {
				t.Errorf("planned again: %v %+v", err, again.Changes)
			}
		})
	}
}

// A local delegation of an empty block makes the child zone (SOA and NS);
// undelegating a child whose PTRs a $GENERATE line makes brings them back
// marked as that line; every step planned again is empty, in every style.
func TestDelegateLocalRoundTrip(t *testing.T) {
	for _, st := range []rdns.Style{rdns.Slash, rdns.RFC4183, rdns.Range} {
		for _, block := range []string{"192.0.2.192/26", "192.0.2.64/26"} {
			t.Run(st.String()+" "+block, func(t *testing.T) {
				s, fsys := loadFS(t, st, map[string]string{"zones/db.192.0.2": pool(false)})
				before := records(s)
				b := netip.MustParsePrefix(block)
				child, _ := rdns.ClasslessOrigin(b, st)
				opt := DelegateOptions{Block: b, Style: st, NewFile: func(o string) string { return "zones/" + strings.ReplaceAll(o, "/", "-") + "zone" }}
				cs, err := Delegate(s, opt)
				if err != nil {
					t.Fatal(err)
				}
				s = applyPlan(t, s, st, fsys, cs)
				z := s.Zone(child)
				if z == nil || z.Name.Prefix != b {
					t.Fatalf("child %s not read back as %s: %+v", child, b, z)
				}
				if again, err := Delegate(s, opt); err != nil || !again.Empty() {
					t.Fatalf("delegate planned again: %v %+v", err, again.Changes)
				}
				cs, retire, err := Undelegate(s, b)
				if err != nil || retire != child {
					t.Fatalf("undelegate: %v, retire %q", err, retire)
				}
				moved := count(cs, func(c rdns.Change) bool { return c.Action == rdns.Add && c.Type == "PTR" })
				marked := count(cs, func(c rdns.Change) bool { return c.Generate != "" })
				if block == "192.0.2.64/26" && (moved != 36 || marked != 36) {
					t.Errorf("%d PTRs moved back, %d marked; want 36 and 36 (64-99 of the pool)", moved, marked)
				}
				s = applyPlan(t, s, st, fsys, cs, retire)
				if got := records(s); got != before {
					t.Errorf("parent after the round trip:\n%s\nwant\n%s\n%s", got, before, fsys["zones/db.192.0.2"].Data)
				}
				if n := strings.Count(string(fsys["zones/db.192.0.2"].Data), "\n"); n > 10 {
					t.Errorf("the pool came back expanded (%d lines):\n%s", n, fsys["zones/db.192.0.2"].Data)
				}
				if again, _, err := Undelegate(s, b); err != nil || !again.Empty() {
					t.Errorf("undelegate planned again: %v %+v", err, again.Changes)
				}
			})
		}
	}
}

// records lists every record of the set but the SOAs, sorted.
func records(s *zoneset.Set) string {
	var out []string
	for _, z := range s.Zones {
		for _, r := range z.Records {
			if r.Type != 6 {
				out = append(out, fmt.Sprintf("%s %d %s", r.Name, r.Type, r.Data))
			}
		}
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}
