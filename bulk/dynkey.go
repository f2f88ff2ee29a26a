package bulk

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rdnsctl/rdnsctl/zonefile"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// A dynamic key lets a customer's router keep its own PTRs (RFC 8501's
// dynamic DNS from the residential gateway) inside the prefix it was given,
// and nowhere else: BIND's update-policy grants the key the PTR type below
// the prefix's nibble owners, in the zone that holds those names here.

// ZoneGrants are the update-policy grants of one zone for a dynamic key:
// the owners below which the key may change PTR records (BIND's
// "subdomain" match: the owner and every name below it).
type ZoneGrants struct {
	Zone string // origin, absolute
	// File is the zone's file when it is a zone file (made by this run or
	// loaded); "" for a zone on a live server.
	File   string
	Owners []string
	// Server names the live server of a zone that is not a file.
	Server string
}

// DynamicGrantsOptions say where the customer's PTRs live.
type DynamicGrantsOptions struct {
	Prefix netip.Prefix
	// InParent keeps them in our zone above the prefix (no delegation);
	// otherwise they are in the child zones at the nibble owners, hosted
	// here (loaded, or made by the delegation in NewFile's file).
	InParent bool
	NewFile  func(origin string) string
}

// DynamicGrants returns the zones, and the owners in each, that an
// update-policy must grant a customer's key for the prefix: one owner per
// nibble zone that covers the prefix exactly (a /56 one, a /50 four /52s).
// With InParent they are in the parent zone, which must neither delegate
// them nor have a child zone loaded at them; else each is the apex of its
// own child zone.
func DynamicGrants(s *zoneset.Set, opt DynamicGrantsOptions) ([]ZoneGrants, error) {
	p := opt.Prefix
	if !p.Addr().Is6() {
		return nil, fmt.Errorf("%s: a dynamic key is for an IPv6 customer prefix", p)
	}
	cuts, err := cuts6(s, p)
	if err != nil {
		return nil, err
	}
	var out []ZoneGrants
	add := func(zone, file, server, owner string) {
		for i := range out {
			if out[i].Zone == zone {
				if !slices.Contains(out[i].Owners, owner) {
					out[i].Owners = append(out[i].Owners, owner)
				}
				return
			}
		}
		out = append(out, ZoneGrants{Zone: zone, File: file, Server: server, Owners: []string{owner}})
	}
	for _, c := range cuts {
		child := s.Zone(c.owner)
		if opt.InParent {
			if child != nil {
				return nil, fmt.Errorf("%s: %s is a zone of its own here (%s): its PTRs are there, not in %s; drop --in-parent", p, c.owner, zoneSource(child), c.parent.Origin)
			}
			for i := range c.parent.Records {
				if r := &c.parent.Records[i]; r.Type == zonefile.TypeNS && r.Name == c.owner {
					return nil, fmt.Errorf("%s:%d: %s delegates %s (NS %s): the PTRs below it are not ours to grant; undelegate it first, or drop --in-parent",
						c.parent.FileOf(r), r.Line, c.parent.Origin, c.owner, r.Data)
				}
			}
			file, server := zoneFile(c.parent)
			add(c.parent.Origin, file, server, c.owner)
			continue
		}
		if child != nil {
			file, server := zoneFile(child)
			add(child.Origin, file, server, c.owner)
			continue
		}
		file := ""
		if opt.NewFile != nil {
			file = opt.NewFile(c.owner)
		}
		add(c.owner, file, "", c.owner)
	}
	slices.SortFunc(out, func(a, b ZoneGrants) int { return zonefile.CompareNames(a.Zone, b.Zone) })
	for i := range out {
		slices.SortFunc(out[i].Owners, zonefile.CompareNames)
	}
	return out, nil
}

// zoneFile is a loaded zone's file, or the live server it is on.
func zoneFile(z *zoneset.Zone) (file, server string) {
	if z.Path == "" || strings.Contains(z.Path, "://") {
		return "", zoneSource(z)
	}
	return z.Path, ""
}

func zoneSource(z *zoneset.Zone) string {
	if z.Path != "" {
		return z.Path
	}
	return z.Source
}

// GrantStatement is the update-policy rule that lets key change the PTR
// records at owner and below it, and nothing else.
func GrantStatement(key, owner string) string {
	return fmt.Sprintf("grant %s subdomain %s PTR;", strings.TrimSuffix(key, "."), owner)
}

// UpdatePolicyConf is the named.conf text that gives the key its grants:
// the key file's include, and for each zone its zone statement (for a zone
// file, as zones_conf writes it) with the update-policy block, or, for a
// zone on a live server, the block to add to its statement there.
func UpdatePolicyConf(key, keyFile string, zones []ZoneGrants) string {
	var b strings.Builder
	abs := keyFile
	if a, err := filepath.Abs(keyFile); err == nil {
		abs = a
	}
	fmt.Fprintf(&b, "include %s;\n", confQuote(abs))
	for _, z := range zones {
		var rules strings.Builder
		rules.WriteString("\tupdate-policy {\n")
		for _, o := range z.Owners {
			fmt.Fprintf(&rules, "\t\t%s\n", GrantStatement(key, o))
		}
		rules.WriteString("\t};\n")
		if z.File == "" {
			fmt.Fprintf(&b, "// zone %s is on %s: add to its zone statement there (one update-policy per zone: merge)\n%s",
				confQuote(z.Zone), z.Server, strings.ReplaceAll(strings.TrimPrefix(rules.String(), "\t"), "\n\t", "\n"))
			continue
		}
		file := z.File
		if a, err := filepath.Abs(file); err == nil {
			file = a
		}
		fmt.Fprintf(&b, "// with update-policy, BIND keeps updates in %s.jnl: rdnsctl then writes this zone only with freeze_cmd/thaw_cmd, or as {origin, server}\n", file)
		fmt.Fprintf(&b, "zone %s {\n\ttype primary;\n\tfile %s;\n%s};\n", confQuote(z.Zone), confQuote(file), rules.String())
	}
	return b.String()
}

// confQuote quotes a string for named.conf.
func confQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
