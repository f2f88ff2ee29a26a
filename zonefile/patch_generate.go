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
	if len(g.drop) == 0 && len(g.inside) == 0 {
		return line, nil
	}
	inside := slices.Clone(g.inside)
	slices.SortStableFunc(inside, func(a, b pendingAdd) int {
		return compareCand(candidate{addr: a.addr, name: a.name}, candidate{addr: b.addr, name: b.name})
	})
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
		if ad := g.iterAddr[it]; len(inside) > 0 && ad.IsValid() && inside[0].addr.Less(ad) {
			if runStart >= 0 {
				out = append(out, piece(runStart, runEnd)...)
				runStart = -1
			}
			for len(inside) > 0 && inside[0].addr.Less(ad) {
				out = appendAddLine(out, inside[0], e.Origin)
				inside = inside[1:]
			}
		}
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
	for _, a := range inside {
		out = appendAddLine(out, a, e.Origin)
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

// foldGenerates takes out of changes the per-address changes (marked by
// Change.Generate) that together rewrite or write one $GENERATE line, and
// records them as the line's edit; it returns the changes left, which are
// applied one record at a time. A group that does not cover its whole line,
// or whose template does not give every change's New, is left as records.
func (p *patcher) foldGenerates(changes []rdns.Change) ([]rdns.Change, error) {
	marked := false
	for i := range changes {
		if changes[i].Generate != "" {
			marked = true
			break
		}
	}
	if !marked {
		return changes, nil
	}
	folded := make([]bool, len(changes))
	p.foldRenames(changes, folded)
	for _, g := range GenerateAdds(changes, p.z.Origin) {
		exists := false
		for _, i := range g.Members {
			name, _ := CanonicalName(changes[i].Name, p.z.Origin)
			for _, r := range p.byName(name) {
				if p.z.Records[r].Type == g.Type {
					exists = true // the record is there: one change at a time
				}
			}
		}
		if exists {
			continue
		}
		if !g.Addr.IsValid() {
			n, _ := CanonicalName(changes[g.Members[0]].Name, p.z.Origin)
			g.Addr = p.addrOf(n)
		}
		p.adds = append(p.adds, pendingAdd{name: g.Owner, typ: g.Type, data: g.RHS, addr: g.Addr, genRng: g.Range, dataOrigin: p.z.Origin})
		for _, i := range g.Members {
			folded[i] = true
		}
	}
	rest := make([]rdns.Change, 0, len(changes))
	for i, c := range changes {
		if !folded[i] {
			rest = append(rest, c)
		}
	}
	return rest, nil
}

// quotable says whether a template cannot be written as one bare token.
func quotable(s string) bool { return s == "" || strings.ContainsAny(s, " \t\r\n;\"()") }

// foldRenames finds the replace changes that rename every record of one
// $GENERATE line through the new template they carry, and turns each group
// into the line's new template.
func (p *patcher) foldRenames(changes []rdns.Change, folded []bool) {
	type member struct {
		idx  int
		it   int64
		data string
	}
	type group struct {
		typ     uint16
		rhs     string
		members []member
	}
	groups := map[entryKey]*group{}
	var keys []entryKey
	for i := range changes {
		c := &changes[i]
		if c.Generate == "" || c.Action != rdns.Replace {
			continue
		}
		typ, ok := parseType([]byte(c.Type))
		if !ok || (typ != dns.TypePTR && typ != dns.TypeCNAME) {
			continue
		}
		name, err1 := CanonicalName(c.Name, p.z.Origin)
		old, err2 := canonicalName(c.Old, ".")
		data, err3 := canonicalName(c.New, ".")
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		m := p.find(name, typ, old)
		if len(m) != 1 || p.z.Records[m[0]].Iter < 0 {
			continue
		}
		r := p.z.Records[m[0]]
		k := entryKey{r.File, r.Entry}
		g := groups[k]
		if g == nil {
			g = &group{typ: typ, rhs: c.Generate}
			groups[k] = g
			keys = append(keys, k)
		}
		if g.rhs != c.Generate {
			g.rhs = "" // two templates for one line: records
		}
		g.members = append(g.members, member{i, int64(r.Iter), data})
	}
	for _, k := range keys {
		g := groups[k]
		gen, err := p.z.Generate(k.file, k.entry)
		if err != nil || quotable(g.rhs) || gen.Type != g.typ || p.gens[k] != nil {
			continue
		}
		if int64(len(g.members)) != (gen.Stop-gen.Start)/gen.Step+1 {
			continue
		}
		gen.RHS = g.rhs
		seen := map[int64]bool{}
		good := true
		for _, m := range g.members {
			want, err := gen.ExpandRHS(int(m.it), "")
			if err != nil || want != m.data || seen[m.it] {
				good = false
				break
			}
			seen[m.it] = true
		}
		if !good {
			continue
		}
		p.gens[k] = &genEdit{key: k, drop: map[int64]string{}, newRHS: g.rhs, hasRHS: true, whole: true}
		for _, m := range g.members {
			folded[m.idx] = true
		}
	}
}

// GenerateAdd is one $GENERATE line that a group of per-address adds makes.
type GenerateAdd struct {
	Range string // start-stop[/step]
	Owner string // the owner template: "$." and the parent of the owners, absolute
	Type  uint16
	RHS   string     // target template, relative names to origin
	Addr  netip.Addr // the first iteration's address
	// Members are the indexes of the changes the line stands for, in
	// iteration order.
	Members []int
}

// GenerateAdds finds the groups of add changes (PTR or CNAME) marked by
// Change.Generate that make exactly one $GENERATE line each: the owners
// "N.PARENT" for every iteration N of the change's Range, and the template
// giving each New (relative names taken relative to origin). Changes of
// a group that is not whole are left out.
func GenerateAdds(changes []rdns.Change, origin string) []GenerateAdd {
	type member struct {
		idx  int
		it   int64
		data string
	}
	type group struct {
		GenerateAdd
		parent  string
		members []member
	}
	groups := map[string]*group{}
	var keys []string
	for i := range changes {
		c := &changes[i]
		if c.Generate == "" || c.Action != rdns.Add || c.Range == "" {
			continue
		}
		typ, ok := parseType([]byte(c.Type))
		if !ok || (typ != dns.TypePTR && typ != dns.TypeCNAME) {
			continue
		}
		name, err1 := CanonicalName(c.Name, origin)
		data, err2 := canonicalName(c.New, ".")
		if err1 != nil || err2 != nil {
			continue
		}
		label, parent, ok := strings.Cut(name, ".")
		it, err := strconv.ParseInt(label, 10, 32)
		if !ok || err != nil || strconv.FormatInt(it, 10) != label {
			continue
		}
		k := c.Type + " " + c.Range + " " + parent + " " + c.Generate
		g := groups[k]
		if g == nil {
			g = &group{GenerateAdd: GenerateAdd{Range: c.Range, Owner: "$." + parent, Type: typ, RHS: c.Generate}, parent: parent}
			groups[k] = g
			keys = append(keys, k)
		}
		g.members = append(g.members, member{i, it, data})
	}
	var out []GenerateAdd
	for _, k := range keys {
		g := groups[k]
		rng, err := parseGenRange([]byte(g.Range))
		if err != nil || rng.garbage || quotable(g.RHS) || int64(len(g.members)) != (rng.stop-rng.start)/rng.step+1 {
			continue
		}
		slices.SortFunc(g.members, func(a, b member) int { return cmp.Compare(a.it, b.it) })
		gen := Generate{Range: g.Range, LHS: g.Owner, Type: g.Type, RHS: g.RHS, Origin: origin}
		good := true
		for n, m := range g.members {
			want, err := gen.ExpandRHS(int(m.it), origin)
			if err != nil || want != m.data || m.it != rng.start+int64(n)*rng.step {
				good = false
				break
			}
		}
		if !good {
			continue
		}
		first := &changes[g.members[0].idx]
		g.Addr = first.Addr.Unmap()
		for _, m := range g.members {
			g.Members = append(g.Members, m.idx)
		}
		out = append(out, g.GenerateAdd)
	}
	return out
}
