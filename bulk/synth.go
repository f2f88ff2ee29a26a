package bulk

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/rdnsctl/rdnsctl/rdns"
)

// SynthEntry is one entry of the config's synthesize list: a prefix whose
// PTRs (and the AAAA/A records of those names) the DNS server synthesizes
// from Template instead of holding one record per address (RFC 8501 §2.5).
type SynthEntry struct {
	Prefix   netip.Prefix
	Template rdns.Template
	Server   string // knot or powerdns
}

// SynthServers are the servers whose synthesis rdnsctl configures.
var SynthServers = []string{"knot", "powerdns"}

// SynthFor returns the longest synthesize entry that covers p.
func SynthFor(entries []SynthEntry, p netip.Prefix) (SynthEntry, bool) {
	var best SynthEntry
	ok := false
	for _, e := range entries {
		if e.Prefix.Bits() <= p.Bits() && e.Prefix.Contains(p.Addr()) && (!ok || e.Prefix.Bits() > best.Prefix.Bits()) {
			best, ok = e, true
		}
	}
	return best, ok
}

// Synthesize returns the DNS server configuration that answers PTR queries
// for the blocks with names from the template, and the forward queries for
// those names with the address, instead of one record per address (RFC 8501
// §2.5): Knot's synthrecord module reverse and forward ("knot") or PowerDNS's
// createReverse(6)/createForward(6) Lua records ("powerdns"). The template is
// t, else that of the synthesize entry covering the block, else the default.
//
// Knot attaches the reverse module to the zone it serves: loaded are the
// reverse zones loaded here, and the module goes to the deepest one that
// covers the block (a /56 entry inside a /48 zone is served by the /48
// zone), else to each loaded zone inside the block (a /32 entry over /48
// zones), else, with a comment saying so, to the block's own nibble zone.
func Synthesize(kind string, blocks []netip.Prefix, t rdns.Template, defs rdns.Defaults, entries []SynthEntry, loaded []rdns.ZoneName) (string, error) {
	if !slices.Contains(SynthServers, kind) {
		return "", fmt.Errorf("--synthesize %q: want knot or powerdns", kind)
	}
	var b strings.Builder
	type zoneMods struct {
		domain string
		mods   []string
		notes  []string
	}
	var zones []zoneMods
	addMod := func(domain, id, note string) {
		for i := range zones {
			if zones[i].domain == domain {
				zones[i].mods = append(zones[i].mods, "mod-synthrecord/"+id)
				if note != "" && !slices.Contains(zones[i].notes, note) {
					zones[i].notes = append(zones[i].notes, note)
				}
				return
			}
		}
		z := zoneMods{domain: domain, mods: []string{"mod-synthrecord/" + id}}
		if note != "" {
			z.notes = []string{note}
		}
		zones = append(zones, z)
	}
	for i, p := range blocks {
		tm, name := t, ""
		if tm.IsZero() {
			if e, ok := SynthFor(entries, p); ok {
				tm = e.Template
			} else if d, ok := defs.For(p.Addr()); ok {
				tm, name = d.Template, d.Name
			} else {
				return "", fmt.Errorf("%s: no --template, no synthesize entry and no default template covers it", p)
			}
		}
		served, note, err := servingZones(p, loaded)
		if err != nil {
			return "", err
		}
		zone := strings.Join(served, ", ")
		nibble, err := rdns.ZoneOrigin(rdns.CoveringZone(p))
		if err != nil {
			return "", err
		}
		src := strings.ReplaceAll(tm.String(), "{prefix}", name)
		i0 := strings.Index(src, "{dashed}")
		rest := ""
		if i0 >= 0 {
			rest = src[i0+len("{dashed}"):]
		}
		switch kind {
		case "knot":
			// synthrecord names are <prefix><address with '-'>.<origin>
			if i0 < 0 || !strings.HasPrefix(rest, ".") || strings.Contains(rest, "{") || strings.Contains(src[:i0], "{") || strings.Contains(src[:i0], ".") {
				return "", fmt.Errorf("template %q: Knot's synthrecord makes only PREFIX{dashed}.DOMAIN names", tm)
			}
			domain := strings.TrimSuffix(rest[1:], ".")
			if i == 0 {
				b.WriteString("# Knot DNS (knot.conf): synthesized PTRs, and the forward records of their names\nmod-synthrecord:\n")
			}
			fmt.Fprintf(&b, `  # %[1]s: PTR in %[5]s
  - id: rdnsctl-%[2]d
    type: reverse
    prefix: "%[3]s"
    origin: "%[4]s"
    network: %[1]s
    ttl: 3600
  # %[1]s: %[6]s in %[4]s. (the zone that holds those names)
  - id: rdnsctl-%[2]d-forward
    type: forward
    prefix: "%[3]s"
    network: %[1]s
    ttl: 3600
`, p, i, src[:i0], domain, zone, map[bool]string{true: "A", false: "AAAA"}[p.Addr().Is4()])
			for _, z := range served {
				addMod(z, fmt.Sprintf("rdnsctl-%d", i), note)
			}
			addMod(domain+".", fmt.Sprintf("rdnsctl-%d-forward", i), "")
		case "powerdns":
			f, err := pdnsFormat(src, p.Addr().Is4())
			if err != nil {
				return "", fmt.Errorf("template %q: %w", tm, err)
			}
			// the wildcard below the block's nibble owner, in the zone
			// that covers it
			pdnsZone := nibble
			if len(served) == 1 && note == "" {
				pdnsZone = served[0]
			}
			rev, fwd, typ := "createReverse6", "createForward6", "AAAA"
			if p.Addr().Is4() {
				rev, fwd, typ = "createReverse", "createForward", "A"
			}
			if i > 0 {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "; PowerDNS (enable-lua-records=yes): synthesise PTRs for %s in zone %s\n*.%s 3600 IN LUA PTR \"%s('%s')\"\n",
				p, pdnsZone, nibble, rev, strings.TrimSuffix(f, "."))
			if i0 == 0 && strings.HasPrefix(rest, ".") && !strings.Contains(rest, "{") {
				fmt.Fprintf(&b, "; and the %s records of those names, in the zone that holds %s\n*%s 3600 IN LUA %s \"%s()\"\n",
					typ, rest[1:], rest, typ, fwd)
			} else {
				fmt.Fprintf(&b, "; no forward record: %s reads the address only from a first label that is {dashed} alone\n", fwd)
			}
		}
	}
	if kind == "knot" {
		b.WriteString("\n# add the modules to these zones (merge with their file: settings)\nzone:\n")
		for _, z := range zones {
			for _, n := range z.notes {
				fmt.Fprintf(&b, "  # %s\n", n)
			}
			fmt.Fprintf(&b, "  - domain: %s\n    module: [%s]\n", z.domain, strings.Join(z.mods, ", "))
		}
	}
	return b.String(), nil
}

// servingZones are the origins of the zones that serve p's reverse names:
// the deepest loaded reverse zone covering p, else the loaded reverse zones
// inside p (in address order), else p's own nibble (or octet) zone, with a
// note that no loaded zone serves it.
func servingZones(p netip.Prefix, loaded []rdns.ZoneName) ([]string, string, error) {
	p = p.Masked()
	var best *rdns.ZoneName
	var inside []rdns.ZoneName
	for i := range loaded {
		z := &loaded[i]
		if z.Classless || !z.Prefix.IsValid() || z.Prefix.Addr().Is4() != p.Addr().Is4() {
			continue
		}
		switch {
		case z.Prefix.Bits() <= p.Bits() && z.Prefix.Contains(p.Addr()):
			if best == nil || z.Prefix.Bits() > best.Prefix.Bits() {
				best = z
			}
		case z.Prefix.Bits() > p.Bits() && p.Contains(z.Prefix.Addr()):
			inside = append(inside, *z)
		}
	}
	if best != nil {
		return []string{best.Origin}, "", nil
	}
	if len(inside) > 0 {
		slices.SortFunc(inside, func(a, b rdns.ZoneName) int {
			if c := a.Prefix.Addr().Compare(b.Prefix.Addr()); c != 0 {
				return c
			}
			return a.Prefix.Bits() - b.Prefix.Bits()
		})
		var picked []rdns.ZoneName
		for _, z := range inside {
			// a zone inside another one inside p is served by that one
			if n := len(picked); n > 0 && picked[n-1].Prefix.Contains(z.Prefix.Addr()) {
				continue
			}
			picked = append(picked, z)
		}
		out := make([]string, len(picked))
		for i, z := range picked {
			out[i] = z.Origin
		}
		return out, fmt.Sprintf("no loaded zone covers all of %s: the module is attached to each loaded zone inside it", p), nil
	}
	zone, err := rdns.ZoneOrigin(rdns.CoveringZone(p))
	if err != nil {
		return nil, "", err
	}
	kind := "nibble"
	if p.Addr().Is4() {
		kind = "octet"
	}
	return []string{zone}, fmt.Sprintf("no loaded zone serves %s: %s is its own %s zone, which Knot must serve", p, zone, kind), nil
}

// pdnsFormat maps template placeholders to createReverse(6) format fields.
func pdnsFormat(src string, v4 bool) (string, error) {
	r := []string{"{dashed}", "%33%"}
	if v4 {
		r = []string{"{dashed}", "%1%-%2%-%3%-%4%", "{o1}", "%1%", "{o2}", "%2%", "{o3}", "%3%", "{o4}", "%4%"}
	}
	out := strings.NewReplacer(r...).Replace(src)
	if strings.Contains(out, "{") {
		return "", fmt.Errorf("PowerDNS's %s cannot render every placeholder here (use {dashed}%s)", map[bool]string{true: "createReverse", false: "createReverse6"}[v4], map[bool]string{true: " or {o1}-{o4}", false: ""}[v4])
	}
	return out, nil
}
