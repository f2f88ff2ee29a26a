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
func Synthesize(kind string, blocks []netip.Prefix, t rdns.Template, defs rdns.Defaults, entries []SynthEntry) (string, error) {
	if !slices.Contains(SynthServers, kind) {
		return "", fmt.Errorf("--synthesize %q: want knot or powerdns", kind)
	}
	var b strings.Builder
	type zoneMods struct {
		domain string
		mods   []string
	}
	var zones []zoneMods
	addMod := func(domain, id string) {
		for i := range zones {
			if zones[i].domain == domain {
				zones[i].mods = append(zones[i].mods, "mod-synthrecord/"+id)
				return
			}
		}
		zones = append(zones, zoneMods{domain, []string{"mod-synthrecord/" + id}})
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
		zone, err := rdns.ZoneOrigin(rdns.CoveringZone(p))
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
			addMod(zone, fmt.Sprintf("rdnsctl-%d", i))
			addMod(domain+".", fmt.Sprintf("rdnsctl-%d-forward", i))
		case "powerdns":
			f, err := pdnsFormat(src, p.Addr().Is4())
			if err != nil {
				return "", fmt.Errorf("template %q: %w", tm, err)
			}
			rev, fwd, typ := "createReverse6", "createForward6", "AAAA"
			if p.Addr().Is4() {
				rev, fwd, typ = "createReverse", "createForward", "A"
			}
			if i > 0 {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "; PowerDNS (enable-lua-records=yes): synthesise PTRs for %s in zone %s\n*.%s 3600 IN LUA PTR \"%s('%s')\"\n",
				p, zone, zone, rev, strings.TrimSuffix(f, "."))
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
			fmt.Fprintf(&b, "  - domain: %s\n    module: [%s]\n", z.domain, strings.Join(z.mods, ", "))
		}
	}
	return b.String(), nil
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
