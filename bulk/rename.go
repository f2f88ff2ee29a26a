package bulk

import (
	"cmp"
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zonefile"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// Rewriter turns one PTR target into another; ok is false when the target
// does not match.
type Rewriter interface {
	Rewrite(name string) (string, bool)
}

// Regexp rewrites targets matching a Go regular expression with a
// replacement that may use $1 groups. The target is matched in canonical
// form: lower-case, with its final dot.
type Regexp struct {
	From *regexp.Regexp
	To   string
}

// Rewrite implements Rewriter.
func (r Regexp) Rewrite(name string) (string, bool) {
	if !r.From.MatchString(name) {
		return "", false
	}
	return rdns.CanonicalHostname(r.From.ReplaceAllString(name, r.To)), true
}

// Suffix swaps one domain suffix for another (pool1.isp.net. -> pool2.isp.net.),
// matching whole labels only.
type Suffix struct {
	Old, New string
}

// NewSuffix canonicalises both suffixes.
func NewSuffix(old, new string) Suffix {
	return Suffix{Old: rdns.CanonicalHostname(old), New: rdns.CanonicalHostname(new)}
}

// Rewrite implements Rewriter.
func (s Suffix) Rewrite(name string) (string, bool) {
	if name == s.Old {
		return s.New, true
	}
	if !strings.HasSuffix(name, "."+s.Old) {
		return "", false
	}
	return name[:len(name)-len(s.Old)] + s.New, true
}

// RenameOptions are mass-rename's parameters.
type RenameOptions struct {
	Blocks   []netip.Prefix
	Rewriter Rewriter
	Progress rdns.Progress
}

// RenameStats counts what mass-rename looked at.
type RenameStats struct {
	Scanned   int `json:"scanned"`
	Matched   int `json:"matched"`
	Generate  int `json:"generate_lines"`
	Unchanged int `json:"unchanged"`
}

// MassRename plans the rewrite of every matching PTR target in the blocks.
// $GENERATE lines whose names all match are rewritten as lines (their
// template), not expanded. A result that is not a valid host name stops the
// plan with the address and the name.
func MassRename(s *zoneset.Set, opt RenameOptions) (rdns.ChangeSet, RenameStats, error) {
	var cs rdns.ChangeSet
	var st RenameStats
	var bad []string
	for _, z := range s.Zones {
		if !z.Reverse || !overlaps(opt.Blocks, z.Name.Prefix) {
			continue
		}
		gens := map[[2]int32][]int32{} // (file, entry) of a $GENERATE -> its records
		z.Each(func(a netip.Addr, i int32, r *zonefile.Record) {
			if r.Type != zonefile.TypePTR || !inAny(opt.Blocks, a) {
				return
			}
			st.Scanned++
			rdns.Tick(opt.Progress, 1)
			if r.Iter >= 0 {
				k := [2]int32{r.File, r.Entry}
				gens[k] = append(gens[k], i)
				return
			}
			newName, ok := opt.Rewriter.Rewrite(r.Data)
			if !ok {
				return
			}
			st.Matched++
			if newName == r.Data {
				st.Unchanged++
				return
			}
			if err := rdns.CheckHostname(newName); err != nil {
				bad = append(bad, fmt.Sprintf("%s: %s -> %s: %v", a, r.Data, newName, err))
				return
			}
			cs.Changes = append(cs.Changes, rdns.Change{Action: rdns.Replace, Zone: z.Origin, File: z.FileOf(r), Line: int(r.Line),
				Name: r.Name, Addr: a, Type: "PTR", Old: r.Data, New: newName})
		})
		keys := slices.Collect(maps.Keys(gens))
		slices.SortFunc(keys, func(a, b [2]int32) int {
			if c := cmp.Compare(a[0], b[0]); c != 0 {
				return c
			}
			return cmp.Compare(a[1], b[1])
		})
		for _, k := range keys {
			changes, matched, err := renameGenerate(z, k, gens[k], opt)
			if err != nil {
				bad = append(bad, err.Error())
				continue
			}
			st.Matched += matched
			if len(changes) > 0 && changes[0].Generate != "" {
				st.Generate++ // the line is rewritten, not split
			}
			cs.Changes = append(cs.Changes, changes...)
		}
	}
	if len(bad) > 0 {
		return rdns.ChangeSet{}, st, fmt.Errorf("mass-rename would write %d invalid host names, nothing planned:\n  %s", len(bad), strings.Join(firstN(bad, 20), "\n  "))
	}
	cs.Sort()
	return cs, st, nil
}

func firstN(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(s[:n:n], fmt.Sprintf("... and %d more", len(s)-n))
}

func overlaps(blocks []netip.Prefix, p netip.Prefix) bool {
	for _, b := range blocks {
		if b.Overlaps(p) {
			return true
		}
	}
	return false
}

// renameGenerate plans the rename of the records one $GENERATE line made:
// one replace per address, so that the summary, the mass-change guard and
// the journal count every PTR. When the line's template can be rewritten so
// that it yields exactly the rewritten names, each change carries the new
// template (Change.Generate) and the zone writer rewrites the line instead
// of expanding it; otherwise each matching record is replaced, which splits
// the range.
func renameGenerate(z *zoneset.Zone, key [2]int32, recs []int32, opt RenameOptions) ([]rdns.Change, int, error) {
	var out []rdns.Change
	matched := 0
	want := make(map[int32]string, len(recs))
	for _, i := range recs {
		r := &z.Records[i]
		newName, ok := opt.Rewriter.Rewrite(r.Data)
		if !ok {
			continue
		}
		matched++
		if newName == r.Data {
			continue
		}
		if err := rdns.CheckHostname(newName); err != nil {
			return nil, 0, fmt.Errorf("%s line %d: %s -> %s: %v", z.FileOf(r), r.Line, r.Data, newName, err)
		}
		want[i] = newName
	}
	if len(want) == 0 {
		return nil, matched, nil
	}
	tmpl, rng := "", ""
	if len(want) == len(recs) {
		// the whole line, not only the part of it inside the blocks
		if g, err := z.Generate(key[0], key[1]); err == nil && int64(len(recs)) == (g.Stop-g.Start)/g.Step+1 {
			if newRHS, ok := opt.Rewriter.Rewrite(g.RHS); ok {
				g2 := g
				g2.RHS = strings.TrimSuffix(newRHS, ".")
				if strings.HasSuffix(g.RHS, ".") {
					g2.RHS = newRHS
				}
				if expandsTo(z, g2, recs, want) {
					tmpl, rng = g2.RHS, g.Range
				}
			}
		}
	}
	for _, i := range recs {
		n, ok := want[i]
		if !ok {
			continue
		}
		r := &z.Records[i]
		c := rdns.Change{Action: rdns.Replace, Zone: z.Origin, File: z.FileOf(r), Line: int(r.Line),
			Name: r.Name, Addr: addrOf(z, r), Type: "PTR", Old: r.Data, New: n}
		if tmpl != "" {
			c.Generate, c.Range = tmpl, rng
			c.Reason = fmt.Sprintf("$GENERATE %s line rewritten: %d names", rng, len(recs))
		}
		out = append(out, c)
	}
	return out, matched, nil
}

// expandsTo checks that the rewritten $GENERATE yields exactly the wanted
// names for the records it made.
func expandsTo(z *zoneset.Zone, g zonefile.Generate, recs []int32, want map[int32]string) bool {
	for _, i := range recs {
		r := &z.Records[i]
		name, err := g.ExpandRHS(int(r.Iter), z.Files[r.File].Entries[r.Entry].Origin)
		if err != nil || name != want[i] {
			return false
		}
	}
	return true
}

func addrOf(z *zoneset.Zone, r *zonefile.Record) netip.Addr {
	a, _ := z.Name.AddrOf(r.Name)
	return a
}
