package zonefile

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"

	"github.com/rdnsctl/rdnsctl/rdns"
)

// generateChange handles Type GENERATE changes.
func (p *patcher) generateChange(c rdns.Change) error {
	switch c.Action {
	case rdns.Add:
		rng, err := parseGenRange([]byte(c.Range))
		if err != nil || rng.garbage {
			return fmt.Errorf("range %q: invalid", c.Range)
		}
		addr := c.Addr.Unmap()
		return p.addGenerate(strings.ToLower(c.Name), c.New, c.Range, addr)
	case rdns.Replace, rdns.Delete:
		key, g, err := p.findGenerate(c)
		if err != nil {
			return err
		}
		ge := p.gens[key]
		if ge == nil {
			ge = &genEdit{key: key, drop: map[int64]string{}}
			p.gens[key] = ge
		}
		if c.Action == rdns.Delete {
			ge.deleted = true
			return nil
		}
		if ge.hasRHS {
			return fmt.Errorf("two template changes for the $GENERATE line at %s:%d", p.z.Files[key.file].Path, g.Line)
		}
		ge.newRHS, ge.hasRHS = c.New, true
		return nil
	}
	return fmt.Errorf("unknown action %q", c.Action)
}

func (p *patcher) addGenerate(owner, rhs, rng string, addr netip.Addr) error {
	if strings.ContainsAny(rhs, " \t\n;\"()") || strings.ContainsAny(owner, " \t\n;\"()") {
		return fmt.Errorf("template %q or %q would need quoting", owner, rhs)
	}
	p.adds = append(p.adds, pendingAdd{name: owner, typ: dns.TypePTR, data: rhs, addr: addr, genRng: rng})
	return nil
}

// findGenerate finds the $GENERATE line a change means: at c.Line, with the
// target template c.Old, in the file c.File names when it names one.
func (p *patcher) findGenerate(c rdns.Change) (entryKey, Generate, error) {
	var found []entryKey
	var gen Generate
	for fi, f := range p.z.Files {
		if c.File != "" && len(p.z.Files) > 1 && !pathMatches(c.File, f.Path) {
			continue
		}
		for ei, e := range f.Entries {
			if e.Kind != EntryGenerate || (c.Line != 0 && int(e.Line) != c.Line) {
				continue
			}
			g, err := p.z.Generate(int32(fi), int32(ei))
			if err != nil || (c.Old != "" && g.RHS != c.Old) {
				continue
			}
			found = append(found, entryKey{int32(fi), int32(ei)})
			gen = g
		}
	}
	switch len(found) {
	case 0:
		return entryKey{}, gen, fmt.Errorf("no $GENERATE line at line %d with target %q", c.Line, c.Old)
	case 1:
		return found[0], gen, nil
	}
	return entryKey{}, gen, fmt.Errorf("%d $GENERATE lines match; give the line", len(found))
}

// finishGenerates turns every changed $GENERATE line into its new lines.
func (p *patcher) finishGenerates() error {
	keys := make([]entryKey, 0, len(p.gens))
	for k := range p.gens {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b entryKey) int {
		if c := cmp.Compare(a.file, b.file); c != 0 {
			return c
		}
		return cmp.Compare(a.entry, b.entry)
	})
	for _, k := range keys {
		text, err := p.rewriteGenerate(p.gens[k])
		if err != nil {
			return err
		}
		e := p.z.Files[k.file].Entries[k.entry]
		p.addEdit(k.file, e.Start, e.End, text)
	}
	return nil
}

// rewriteGenerate writes a $GENERATE line again: with its new target
// template, split around the iterations that leave it, the explicit records
// that replace them in between.
func (p *patcher) rewriteGenerate(g *genEdit) ([]byte, error) {
	z := p.z
	f := z.Files[g.key.file]
	e := f.Entries[g.key.entry]
	lx, ent, err := entryLex(f, e)
	if err != nil {
		return nil, err
	}
	toks := ent.toks
	h, msg := parseHead(lx, toks, 3)
	if msg != "" || len(toks) < 4 || h.next >= len(toks) {
		return nil, fmt.Errorf("%s:%d: cannot read the $GENERATE line again", f.Path, e.Line)
	}
	if g.deleted || p.allDropped(g, toks, lx) {
		if h.explicitTTL {
			p.ttlGone = append(p.ttlGone, g.key)
		}
		if g.deleted {
			return nil, nil
		}
	}
	rng, err := parseGenRange(lx.text(toks[1]))
	if err != nil {
		return nil, fmt.Errorf("%s:%d: %v", f.Path, e.Line, err)
	}
	line := f.Data[e.Start:e.End]
	rhsTok := toks[h.next]
	if g.hasRHS {
		var b []byte
		b = append(b, f.Data[e.Start:rhsTok.s]...)
		b = append(b, g.newRHS...)
		b = append(b, f.Data[rhsTok.e:e.End]...)
		line = b
		// token offsets after the RHS are not used below
	}
	if len(line) > 0 && line[len(line)-1] != '\n' {
		line = append(slices.Clip(line), '\n')
	}
	if len(g.drop) == 0 {
		return line, nil
	}
	// The range token sits at the same place in the new line.
	rs, re := int(toks[1].s-int32(e.Start)), int(toks[1].e-int32(e.Start))
	piece := func(a, b int64) []byte {
		var out []byte
		out = append(out, line[:rs]...)
		out = append(out, strconv.FormatInt(a, 10)...)
		out = append(out, '-')
		out = append(out, strconv.FormatInt(b, 10)...)
		if rng.step != 1 && a != b {
			out = append(out, '/')
			out = append(out, strconv.FormatInt(rng.step, 10)...)
		}
		out = append(out, line[re:]...)
		return out
	}
	// The head of explicit records: TTL and class as the line wrote them.
	var head []byte
	for _, t := range toks[3 : h.next-1] {
		head = append(head, lx.text(t)...)
		head = append(head, '\t')
	}
	if h.class == 0 {
		head = append(head, "IN\t"...)
	}
	var out []byte
	runStart := int64(-1)
	var runEnd int64
	for it := rng.start; it <= rng.stop; it += rng.step {
		target, dropped := g.drop[it]
		if !dropped {
			if runStart < 0 {
				runStart = it
			}
			runEnd = it
			continue
		}
		if runStart >= 0 {
			out = append(out, piece(runStart, runEnd)...)
			runStart = -1
		}
		if target != "" {
			owner, err := genOwner(z, f, e, lx, toks[2], it)
			if err != nil {
				return nil, err
			}
			out = appendOwner(out, owner, e.Origin)
			out = append(out, '\t')
			out = append(out, head...)
			out = append(out, typeString(h.typ)...)
			out = append(out, '\t')
			out = append(out, target...)
			out = append(out, '\n')
		}
	}
	if runStart >= 0 {
		out = append(out, piece(runStart, runEnd)...)
	}
	return out, nil
}

// genOwner is the owner a $GENERATE line gives for one iteration.
func genOwner(z *Zone, f *File, e Entry, lx *lexer, lhs token, it int64) (string, error) {
	b, err := genName(nil, lx.text(lhs), it)
	if err != nil {
		return "", fmt.Errorf("%s:%d: %v", f.Path, e.Line, err)
	}
	return canonicalName(string(b), e.Origin)
}

// allDropped says whether every iteration of a $GENERATE line is taken out
// and replaced by nothing.
func (p *patcher) allDropped(g *genEdit, toks []token, lx *lexer) bool {
	rng, err := parseGenRange(lx.text(toks[1]))
	if err != nil {
		return false
	}
	for it := rng.start; it <= rng.stop; it += rng.step {
		if t, ok := g.drop[it]; !ok || t != "" {
			return false
		}
	}
	return true
}
