package zonefile

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/rdnsctl/rdnsctl/rdns"
)

// perAddress is one change per iteration it of [from, to] (step 1) at
// "it.2.0.192.in-addr.arpa.", with the target mk(it) and the template gen.
func perAddress(action rdns.Action, typ string, from, to int, old, mk func(int) string, gen, rng string) []rdns.Change {
	var out []rdns.Change
	for it := from; it <= to; it++ {
		c := rdns.Change{Action: action, Name: fmt.Sprintf("%d.2.0.192.in-addr.arpa.", it), Addr: netip.AddrFrom4([4]byte{192, 0, 2, byte(it)}),
			Type: typ, New: mk(it), Generate: gen, Range: rng}
		if old != nil {
			c.Old = old(it)
		}
		out = append(out, c)
	}
	return out
}

func name(f string) func(int) string { return func(i int) string { return fmt.Sprintf(f, i) } }

// Per-address changes that cover a whole $GENERATE line, marked with the
// line's template, are written as the line (the same bytes as the one
// GENERATE change of old); anything less, or a template that does not give
// every name, falls back to records, and the records are still right.
func TestPatchFoldsGenerate(t *testing.T) {
	const o = ".2.0.192.in-addr.arpa."
	lineForm := func(c rdns.Change) []rdns.Change { return []rdns.Change{c} }
	tests := []struct {
		name     string
		changes  []rdns.Change
		same     []rdns.Change // the line form these must equal, byte for byte
		generate int           // $GENERATE lines in the result
		records  int           // explicit PTR/CNAME records in the result
	}{
		{name: "rename the whole line",
			changes:  perAddress(rdns.Replace, "PTR", 20, 30, name("pool-%d.example.net."), name("dyn-%d.example.net."), "dyn-$.example.net.", "20-30"),
			same:     lineForm(rdns.Change{Action: rdns.Replace, Type: "GENERATE", Name: "20" + o, Line: 19, Old: "pool-$.example.net.", New: "dyn-$.example.net."}),
			generate: 3, records: 6},
		{name: "add a whole line",
			changes:  perAddress(rdns.Add, "PTR", 150, 160, nil, name("h-%d.example.net."), "h-$.example.net.", "150-160"),
			same:     lineForm(rdns.Change{Action: rdns.Add, Type: "GENERATE", Name: "$" + o, Addr: v4("192.0.2.150"), Range: "150-160", New: "h-$.example.net."}),
			generate: 4, records: 6},
		{name: "rename all but one: the line splits",
			changes:  perAddress(rdns.Replace, "PTR", 20, 29, name("pool-%d.example.net."), name("dyn-%d.example.net."), "dyn-$.example.net.", "20-30"),
			generate: 3, records: 16},
		{name: "a template that does not give the names: records",
			changes:  perAddress(rdns.Replace, "PTR", 20, 30, name("pool-%d.example.net."), name("dyn-%d.example.net."), "other-$.example.net.", "20-30"),
			generate: 2, records: 17},
		{name: "adds of part of the range: records",
			changes:  perAddress(rdns.Add, "PTR", 150, 159, nil, name("h-%d.example.net."), "h-$.example.net.", "150-160"),
			generate: 3, records: 16},
		{name: "a CNAME line, template relative to the origin",
			changes:  perAddress(rdns.Add, "CNAME", 128, 191, nil, name("%d.128/26.2.0.192.in-addr.arpa."), "$.128/26", "128-191"),
			generate: 4, records: 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			z := loadPatchZone(t, "base.zone", "2.0.192.in-addr.arpa.")
			out, err := z.Patch(tt.changes, PatchOptions{Now: patchNow})
			if err != nil {
				t.Fatal(err)
			}
			got := out[0]
			if tt.same != nil {
				want, err := z.Patch(tt.same, PatchOptions{Now: patchNow})
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want[0]) {
					t.Errorf("per-address form:\n%s\nline form:\n%s", got, want[0])
				}
			}
			gens, recs := strings.Count(string(got), "\n$GENERATE"), 0
			nz, err := ParseBytes(got, "patched", Options{Origin: "2.0.192.in-addr.arpa."})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range nz.Records {
				if r.Iter < 0 && (r.Type == TypePTR || r.Type == TypeCNAME) {
					recs++
				}
			}
			if gens != tt.generate || recs != tt.records {
				t.Errorf("%d $GENERATE lines and %d records, want %d and %d:\n%s", gens, recs, tt.generate, tt.records, got)
			}
			checkPatchedRecords(t, z, got, "2.0.192.in-addr.arpa.", tt.changes)
			namedCheckZone(t, "2.0.192.in-addr.arpa.", got)
		})
	}
}

// A change to one address of a line renamed as a whole is refused, as two
// changes to one record are.
func TestPatchFoldedLineTakesNoOtherChange(t *testing.T) {
	z := loadPatchZone(t, "base.zone", "2.0.192.in-addr.arpa.")
	cs := perAddress(rdns.Replace, "PTR", 20, 30, name("pool-%d.example.net."), name("dyn-%d.example.net."), "dyn-$.example.net.", "20-30")
	cs = append(cs, ptr(rdns.Delete, "25.2.0.192.in-addr.arpa.", "pool-25.example.net.", ""))
	if _, err := z.Patch(cs, PatchOptions{Now: patchNow}); err == nil || !strings.Contains(err.Error(), "two changes") {
		t.Fatalf("error %v, want two changes", err)
	}
}

// Glue: A and AAAA records are added, replaced and deleted like the
// single-name types, their addresses in canonical form.
func TestPatchAddressRecords(t *testing.T) {
	const o = "2.0.192.in-addr.arpa."
	z := loadPatchZone(t, "base.zone", o)
	add := []rdns.Change{
		{Action: rdns.Add, Name: "ns." + o, Type: "A", New: "192.0.2.53"},
		{Action: rdns.Add, Name: "ns." + o, Type: "AAAA", New: "2001:DB8:0::53"},
	}
	out, err := z.Patch(add, PatchOptions{Now: patchNow})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out[0], []byte("ns\tIN\tA\t192.0.2.53\nns\tIN\tAAAA\t2001:db8::53\n")) {
		t.Errorf("glue not written:\n%s", out[0])
	}
	namedCheckZone(t, o, out[0])
	z2, err := ParseBytes(out[0], "glue", Options{Origin: o})
	if err != nil {
		t.Fatal(err)
	}
	out2, err := z2.Patch([]rdns.Change{
		{Action: rdns.Replace, Name: "ns." + o, Type: "A", Old: "192.0.2.53", New: "192.0.2.54"},
		{Action: rdns.Delete, Name: "ns." + o, Type: "AAAA", Old: "2001:db8::53"},
	}, PatchOptions{Now: patchNow})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out2[0], []byte("ns\tIN\tA\t192.0.2.54\n")) || bytes.Contains(out2[0], []byte("AAAA")) {
		t.Errorf("glue not replaced and deleted:\n%s", out2[0])
	}
	if _, err := z.Patch([]rdns.Change{{Action: rdns.Add, Name: "ns." + o, Type: "A", New: "2001:db8::1"}}, PatchOptions{Now: patchNow}); err == nil {
		t.Error("an IPv6 address in an A record was accepted")
	}
}
