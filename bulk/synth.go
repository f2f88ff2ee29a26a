package bulk

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/rdnsctl/rdnsctl/rdns"
)

// Synthesize returns the DNS server configuration that answers PTR queries
// for the blocks with names from the template, instead of one record per
// address (RFC 8501 §2.5): Knot's synthrecord module ("knot") or PowerDNS's
// createReverse/createReverse6 Lua records ("powerdns").
func Synthesize(kind string, blocks []netip.Prefix, t rdns.Template, defs rdns.Defaults) (string, error) {
	var b strings.Builder
	for i, p := range blocks {
		tm, name := t, ""
		if tm.IsZero() {
			d, ok := defs.For(p.Addr())
			if !ok {
				return "", fmt.Errorf("%s: no --template and no default template covers it", p)
			}
			tm, name = d.Template, d.Name
		}
		zone, err := rdns.ZoneOrigin(rdns.CoveringZone(p))
		if err != nil {
			return "", err
		}
		src := strings.ReplaceAll(tm.String(), "{prefix}", name)
		switch kind {
		case "knot":
			// synthrecord names are <prefix><address with '-'>.<origin>
			i0 := strings.Index(src, "{dashed}")
			rest := src[i0+len("{dashed}"):]
			if i0 < 0 || !strings.HasPrefix(rest, ".") || strings.Contains(rest, "{") || strings.Contains(src[:i0], "{") || strings.Contains(src[:i0], ".") {
				return "", fmt.Errorf("template %q: Knot's synthrecord makes only PREFIX{dashed}.DOMAIN names", tm)
			}
			fmt.Fprintf(&b, `# Knot DNS: synthesise PTRs for %s (knot.conf)
mod-synthrecord:
  - id: rdnsctl-%d
    type: reverse
    prefix: "%s"
    origin: "%s"
    network: %s
    ttl: 3600

zone:
  - domain: %s
    module: mod-synthrecord/rdnsctl-%d
`, p, i, src[:i0], strings.TrimSuffix(rest[1:], "."), p, zone, i)
		case "powerdns":
			f, err := pdnsFormat(src, p.Addr().Is4())
			if err != nil {
				return "", fmt.Errorf("template %q: %w", tm, err)
			}
			fn := "createReverse6"
			if p.Addr().Is4() {
				fn = "createReverse"
			}
			fmt.Fprintf(&b, "; PowerDNS (enable-lua-records=yes): synthesise PTRs for %s in zone %s\n*.%s 3600 IN LUA PTR \"%s('%s')\"\n",
				p, zone, zone, fn, strings.TrimSuffix(f, "."))
		default:
			return "", fmt.Errorf("--synthesize %q: want knot or powerdns", kind)
		}
		if i < len(blocks)-1 {
			b.WriteString("\n")
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
