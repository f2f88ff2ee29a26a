package zonefile

import (
	"bytes"
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"

	"github.com/rdnsctl/rdnsctl/rdns"
)

// PatchOptions tune Patch.
type PatchOptions struct {
	// Now dates the new SOA serial; the zero time means time.Now().
	Now time.Time
	// ForceSerial bumps the serial even when no change applies.
	ForceSerial bool
}

// Patch applies changes to the zone's files and returns the new bytes of
// every file that changed, keyed by index into z.Files; a zone the changes
// leave as it is gives an empty map. Only what changes is rewritten:
//
//   - replace rewrites the RDATA token of the record's entry and nothing else;
//   - delete removes the entry's lines, and writes the owner into the next
//     entry when that entry inherited it;
//   - add inserts "owner<TAB>IN<TAB>TYPE<TAB>target" at the record's place in
//     address order among the zone's PTR and CNAME entries (after the owner
//     group it follows; NS records after the NS records), with the owner
//     relative to the origin in effect there, or in one marked block at the
//     end of the zone's file when the zone has none;
//   - a change at a name a $GENERATE line makes splits the line around it
//     (keeping its step) and, for replace and add, writes the new record
//     between the pieces, so that a name never ends up with two PTRs;
//   - Type "GENERATE" changes add a $GENERATE line (Name is the owner
//     template, New the target template, Range start-stop) or replace the
//     target template of one (Old to New; the line is found by File/Line);
//   - the SOA serial is bumped once, by NextSerial, rewriting only its token.
//
// Records are matched by Name, Type and Old (for replace and delete), all
// compared in canonical form. A change that matches nothing is an error.
func (z *Zone) Patch(changes []rdns.Change, opt PatchOptions) (map[int][]byte, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	p := &patcher{z: z, gens: map[entryKey]*genEdit{}, touched: map[entryKey]bool{}}
	p.indexNames(changes)
	for _, c := range changes {
		if err := p.change(c); err != nil {
			return nil, fmt.Errorf("%s %s %s %s: %w", c.Action, c.Type, c.Name, strings.TrimSpace(c.Old+" "+c.New), err)
		}
	}
	if len(p.edits) == 0 && len(p.gens) == 0 && len(p.adds) == 0 && !opt.ForceSerial {
		return map[int][]byte{}, nil
	}
	if err := p.finishGenerates(); err != nil {
		return nil, err
	}
	if err := p.placeAdds(); err != nil {
		return nil, err
	}
	if err := p.ownerFixes(); err != nil {
		return nil, err
	}
	if err := p.ttlFixes(); err != nil {
		return nil, err
	}
	if len(p.edits) == 0 && !opt.ForceSerial {
		return map[int][]byte{}, nil
	}
	if err := p.bumpSerial(opt.Now); err != nil {
		return nil, err
	}
	return p.apply()
}

type entryKey struct{ file, entry int32 }

// edit replaces data[start:end] of one file with text.
type edit struct {
	file       int32
	start, end int32
	text       []byte
	seq        int // keeps insertions at one point in the order they were made
}

// genEdit collects what happens to one $GENERATE entry.
type genEdit struct {
	key     entryKey
	drop    map[int64]string // iteration -> explicit target to write ("" = none)
	newRHS  string
	hasRHS  bool
	deleted bool
}

// pendingAdd is a record to insert at its place.
type pendingAdd struct {
	name   string
	typ    uint16
	data   string // target, or the $GENERATE line's target template
	addr   netip.Addr
	genRng string // for a $GENERATE line
}

type patcher struct {
	z       *Zone
	edits   []edit
	gens    map[entryKey]*genEdit
	adds    []pendingAdd
	touched map[entryKey]bool // entries already rewritten or removed
	deleted map[entryKey]bool
	seq     int
	zn      *rdns.ZoneName
	ttlGone []entryKey // deleted entries that wrote a TTL
	names   map[string][]int32
	recs    map[entryKey]Record
}

func (p *patcher) addEdit(file int32, start, end int32, text []byte) {
	p.seq++
	p.edits = append(p.edits, edit{file: file, start: start, end: end, text: text, seq: p.seq})
}

func (p *patcher) change(c rdns.Change) error {
	z := p.z
	if c.Zone != "" {
		if o, err := CanonicalName(c.Zone, "."); err != nil || o != z.Origin {
			return fmt.Errorf("change for zone %s given to zone %s", c.Zone, z.Origin)
		}
	}
	if strings.EqualFold(c.Type, "GENERATE") {
		return p.generateChange(c)
	}
	typ, ok := parseType([]byte(c.Type))
	if !ok || !singleName(typ) {
		return fmt.Errorf("cannot patch records of type %q", c.Type)
	}
	name, err := CanonicalName(c.Name, z.Origin)
	if err != nil {
		return fmt.Errorf("name: %v", err)
	}
	var oldData, newData string
	if c.Action != rdns.Add {
		if oldData, err = canonicalName(c.Old, "."); err != nil {
			return fmt.Errorf("old: %v", err)
		}
	}
	if c.Action != rdns.Delete {
		if newData, err = canonicalName(c.New, "."); err != nil {
			return fmt.Errorf("new: %v", err)
		}
	}
	switch c.Action {
	case rdns.Replace, rdns.Delete:
		if c.Action == rdns.Replace && oldData == newData {
			return nil
		}
		matches := p.find(name, typ, oldData)
		if len(matches) == 0 {
			return fmt.Errorf("no %s record with that RDATA at %s", typeString(typ), name)
		}
		for _, i := range matches {
			if err := p.changeRecord(i, c.Action, newData); err != nil {
				return err
			}
		}
		return nil
	case rdns.Add:
		if len(p.find(name, typ, newData)) > 0 {
			return nil // already there
		}
		// A name a $GENERATE line makes: split the line around it.
		for _, i := range p.byName(name) {
			if r := z.Records[i]; r.Iter >= 0 && r.Type == typ {
				return p.changeRecord(int(i), rdns.Add, newData)
			}
		}
		addr := c.Addr.Unmap()
		if !addr.IsValid() {
			addr = p.addrOf(name)
		}
		p.adds = append(p.adds, pendingAdd{name: name, typ: typ, data: newData, addr: addr})
		return nil
	}
	return fmt.Errorf("unknown action %q", c.Action)
}

// byName lists the records of one owner. The index is built once, in one
// pass over the records, for the owners the change set names.
func (p *patcher) byName(name string) []int32 {
	return p.names[name]
}

// indexNames prepares byName for the owners of changes.
func (p *patcher) indexNames(changes []rdns.Change) {
	p.names = make(map[string][]int32, len(changes))
	for _, c := range changes {
		if n, err := CanonicalName(c.Name, p.z.Origin); err == nil {
			p.names[n] = nil
		}
	}
	for i, r := range p.z.Records {
		if l, ok := p.names[r.Name]; ok {
			p.names[r.Name] = append(l, int32(i))
		}
	}
}

// find lists the records with this name, type and RDATA.
func (p *patcher) find(name string, typ uint16, data string) []int {
	var out []int
	for _, i := range p.byName(name) {
		if r := p.z.Records[i]; r.Type == typ && r.Data == data {
			out = append(out, int(i))
		}
	}
	return out
}

// changeRecord replaces, deletes or (for a generated name) overrides record
// i. newData is the new target for replace and add.
func (p *patcher) changeRecord(i int, action rdns.Action, newData string) error {
	z := p.z
	r := z.Records[i]
	key := entryKey{r.File, r.Entry}
	if r.Iter >= 0 {
		g := p.gens[key]
		if g == nil {
			g = &genEdit{key: key, drop: map[int64]string{}}
			p.gens[key] = g
		}
		if _, dup := g.drop[int64(r.Iter)]; dup {
			return fmt.Errorf("two changes for %s", r.Name)
		}
		if action == rdns.Delete {
			newData = ""
		}
		g.drop[int64(r.Iter)] = newData
		return nil
	}
	if p.touched[key] {
		return fmt.Errorf("two changes for the record at %s:%d", z.Files[r.File].Path, r.Line)
	}
	p.touched[key] = true
	f := z.Files[r.File]
	e := f.Entries[r.Entry]
	lx, ent, err := entryLex(f, e)
	if err != nil {
		return err
	}
	i0 := 0
	if !ent.initialWS {
		i0 = 1
	}
	h, msg := parseHead(lx, ent.toks, i0)
	if msg != "" || h.next >= len(ent.toks) {
		return fmt.Errorf("%s:%d: cannot find the RDATA again", f.Path, e.Line)
	}
	switch action {
	case rdns.Replace:
		first, last := ent.toks[h.next], ent.toks[len(ent.toks)-1]
		text := targetText(newData, e.Origin, lx.text(first))
		p.addEdit(r.File, first.s, last.e, []byte(text))
	case rdns.Delete:
		p.markDeleted(key, h.explicitTTL)
		p.addEdit(r.File, e.Start, e.End, nil)
	}
	return nil
}

// markDeleted notes an entry that goes away, and whether it wrote a TTL
// that later entries may have taken (RFC 1035).
func (p *patcher) markDeleted(key entryKey, explicitTTL bool) {
	if p.deleted == nil {
		p.deleted = map[entryKey]bool{}
	}
	p.deleted[key] = true
	if explicitTTL {
		p.ttlGone = append(p.ttlGone, key)
	}
}

// targetText writes a new target the way the old one was written: relative
// to the origin when the old one was relative and the new one lies below it,
// else absolute.
func targetText(target, origin string, old []byte) string {
	if len(old) > 0 && old[len(old)-1] != '.' && !bytes.Equal(old, []byte("@")) && !bytes.HasPrefix(old, []byte("\\#")) {
		if rel := relativeName(target, origin); rel != target && rel != "@" {
			return rel
		}
	}
	return target
}

// entryLex lexes one entry of a file again.
func entryLex(f *File, e Entry) (*lexer, lexEntry, error) {
	lx := newLexer(f.Data)
	lx.pos, lx.line = int(e.Start), e.Line
	ent, lerr, ok := lx.next()
	if !ok || lerr != nil || ent.start != int(e.Start) {
		return nil, lexEntry{}, fmt.Errorf("%s:%d: entry cannot be read again", f.Path, e.Line)
	}
	toks := make([]token, len(ent.toks))
	copy(toks, ent.toks)
	ent.toks = toks
	return lx, ent, nil
}

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

// pathMatches says whether a path given in a change names a file of the
// zone: equal, or ending in it at a separator.
func pathMatches(given, path string) bool {
	given = strings.ReplaceAll(given, "\\", "/")
	return given == path || strings.HasSuffix(given, "/"+path) || strings.HasSuffix(path, "/"+given)
}

// addrOf is the address a reverse name stands for (also under a classless
// child zone's origin), or the zero Addr.
func (p *patcher) addrOf(name string) netip.Addr {
	if a, ok := reverseAddr(name); ok {
		return a
	}
	if a, err := rdns.ParseReverseName(name); err == nil {
		return a.Unmap()
	}
	if p.zn == nil {
		zn, err := rdns.ParseZoneName(p.z.Origin, rdns.Slash)
		if err != nil {
			zn = rdns.ZoneName{}
		}
		p.zn = &zn
	}
	if p.zn.Prefix.IsValid() {
		if a, err := p.zn.AddrOf(name); err == nil {
			return a.Unmap()
		}
	}
	return netip.Addr{}
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

// recordsOf finds the first record each of the given entries made, in one
// pass over the records.
func (p *patcher) recordsOf(keys map[entryKey]bool) map[entryKey]Record {
	m := make(map[entryKey]Record, len(keys))
	for _, r := range p.z.Records {
		k := entryKey{r.File, r.Entry}
		if keys[k] {
			if _, ok := m[k]; !ok {
				m[k] = r
			}
		}
	}
	return m
}

// groupEnd is the last entry of the owner group that starts at entry i: the
// entries after it that inherit its owner (directives between them do not
// stop the group).
func groupEnd(f *File, i int) int {
	end := i
	for j := i + 1; j < len(f.Entries); j++ {
		e := f.Entries[j]
		if e.Kind != EntryRecord {
			continue
		}
		if !e.Inherit {
			break
		}
		end = j
	}
	return end
}

// groupStart is the entry whose owner entry i inherits (i itself when it
// writes its owner).
func groupStart(f *File, i int) int {
	for j := i; j >= 0; j-- {
		if e := f.Entries[j]; e.Kind == EntryRecord && !e.Inherit {
			return j
		}
	}
	return i
}

type candidate struct {
	addr        netip.Addr
	name        string
	file, entry int32
}

func compareCand(a, b candidate) int {
	if a.addr.IsValid() && b.addr.IsValid() {
		if c := a.addr.Compare(b.addr); c != 0 {
			return c
		}
		return CompareNames(a.name, b.name)
	}
	if a.addr.IsValid() != b.addr.IsValid() {
		if a.addr.IsValid() {
			return -1
		}
		return 1
	}
	return CompareNames(a.name, b.name)
}

// insertion is a place where new lines go.
type insertion struct {
	file   int32
	pos    int32
	origin string
	lines  []pendingAdd
	block  bool // the marked block at the end of the zone's file
}

// placeAdds finds each new record's place and writes the insertions.
func (p *patcher) placeAdds() error {
	if len(p.adds) == 0 {
		return nil
	}
	z := p.z
	addrCands := make([]candidate, 0, len(z.Records))
	var nsCands []candidate
	prev := entryKey{-1, -1}
	for _, r := range z.Records {
		k := entryKey{r.File, r.Entry}
		if k == prev {
			continue
		}
		prev = k
		c := candidate{name: r.Name, file: r.File, entry: r.Entry}
		switch r.Type {
		case dns.TypePTR, dns.TypeCNAME:
			c.addr = p.addrOf(r.Name)
			addrCands = append(addrCands, c)
		case dns.TypeNS:
			if r.Iter < 0 {
				nsCands = append(nsCands, c)
			}
		}
	}
	if !slices.IsSortedFunc(addrCands, compareCand) {
		slices.SortStableFunc(addrCands, compareCand)
	}
	places := map[[2]int32]*insertion{}
	var order [][2]int32
	at := func(file int32, pos int32, origin string, block bool) *insertion {
		k := [2]int32{file, pos}
		if in := places[k]; in != nil {
			return in
		}
		in := &insertion{file: file, pos: pos, origin: origin, block: block}
		places[k] = in
		order = append(order, k)
		return in
	}
	after := func(c candidate) *insertion {
		f := z.Files[c.file]
		end := groupEnd(f, int(c.entry))
		e := f.Entries[end]
		return at(c.file, e.End, e.Origin, false)
	}
	block := func() *insertion {
		return at(0, int32(len(z.Files[0].Data)), z.Origin, true)
	}
	for _, a := range p.adds {
		var in *insertion
		switch {
		case a.typ == dns.TypeNS:
			var best *candidate
			for i := range nsCands {
				c := &nsCands[i]
				if c.name == a.name || best == nil || (best.name != a.name && c.file == 0) {
					best = c
				}
			}
			if best == nil {
				in = block()
			} else {
				in = after(*best)
			}
		case len(addrCands) == 0:
			in = block()
		default:
			k := candidate{addr: a.addr, name: a.name}
			n, _ := slices.BinarySearchFunc(addrCands, k, func(c, k candidate) int {
				if compareCand(c, k) <= 0 {
					return -1
				}
				return 1
			})
			if n > 0 {
				in = after(addrCands[n-1])
				break
			}
			first := addrCands[0]
			f := z.Files[first.file]
			s := groupStart(f, int(first.entry))
			if s == int(first.entry) || f.Entries[s].Kind == EntryGenerate {
				e := f.Entries[s]
				in = at(first.file, e.Start, e.Origin, false)
			} else {
				in = after(first)
			}
		}
		in.lines = append(in.lines, a)
	}
	for _, k := range order {
		in := places[k]
		slices.SortStableFunc(in.lines, func(a, b pendingAdd) int {
			return compareCand(candidate{addr: a.addr, name: a.name}, candidate{addr: b.addr, name: b.name})
		})
		var text []byte
		data := z.Files[in.file].Data
		if in.pos == int32(len(data)) && len(data) > 0 && data[len(data)-1] != '\n' {
			text = append(text, '\n')
		}
		if in.block {
			text = append(text, "\n; records added by rdnsctl\n$ORIGIN "...)
			text = append(text, z.Origin...)
			text = append(text, '\n')
		}
		for _, a := range in.lines {
			text = appendAddLine(text, a, in.origin)
		}
		p.addEdit(in.file, in.pos, in.pos, text)
	}
	return nil
}

// appendAddLine writes one new record (or $GENERATE line), tab separated.
func appendAddLine(b []byte, a pendingAdd, origin string) []byte {
	if a.genRng != "" {
		b = append(b, "$GENERATE "...)
		b = append(b, a.genRng...)
		b = append(b, '\t')
	}
	if a.genRng != "" {
		b = append(b, relativeName(a.name, origin)...)
	} else {
		b = appendOwner(b, a.name, origin)
	}
	b = append(b, "\tIN\t"...)
	b = append(b, typeString(a.typ)...)
	b = append(b, '\t')
	b = append(b, a.data...)
	return append(b, '\n')
}

// ownerFixes writes the owner of a deleted entry into the next entry when
// that entry inherited it: one pass over each file with deletions.
func (p *patcher) ownerFixes() error {
	if len(p.deleted) == 0 {
		return nil
	}
	files := map[int32]bool{}
	for k := range p.deleted {
		files[k.file] = true
	}
	type fix struct{ from, to entryKey }
	var fixes []fix
	need := map[entryKey]bool{}
	for fi := range files {
		f := p.z.Files[fi]
		pending := int32(-1) // a deleted entry whose owner is still to be handed on
		for j, e := range f.Entries {
			if e.Kind != EntryRecord {
				continue
			}
			k := entryKey{fi, int32(j)}
			if p.deleted[k] {
				if !e.Inherit {
					pending = int32(j)
				}
				continue
			}
			if e.Inherit && pending >= 0 {
				from := entryKey{fi, pending}
				fixes = append(fixes, fix{from, k})
				need[from] = true
			}
			pending = -1
		}
	}
	slices.SortFunc(fixes, func(a, b fix) int {
		if c := cmp.Compare(a.to.file, b.to.file); c != 0 {
			return c
		}
		return cmp.Compare(a.to.entry, b.to.entry)
	})
	recs := p.recordsOf(need)
	for _, x := range fixes {
		f := p.z.Files[x.from.file]
		e, n := f.Entries[x.from.entry], f.Entries[x.to.entry]
		var owner []byte
		if n.Origin == e.Origin {
			lx, ent, err := entryLex(f, e)
			if err != nil {
				return err
			}
			owner = bytes.Clone(lx.text(ent.toks[0]))
		} else {
			owner = []byte(relativeName(recs[x.from].Name, n.Origin))
		}
		p.addEdit(x.to.file, n.Start, n.Start, owner)
	}
	return nil
}

// apply makes the new bytes of every file with edits; files whose bytes do
// not change are left out.
func (p *patcher) apply() (map[int][]byte, error) {
	byFile := map[int32][]edit{}
	for _, e := range p.edits {
		byFile[e.file] = append(byFile[e.file], e)
	}
	out := map[int][]byte{}
	for fi, edits := range byFile {
		slices.SortStableFunc(edits, func(a, b edit) int {
			if c := cmp.Compare(a.start, b.start); c != 0 {
				return c
			}
			// insertions before what replaces the bytes after them
			if c := cmp.Compare(a.end-a.start, b.end-b.start); c != 0 {
				return c
			}
			return cmp.Compare(a.seq, b.seq)
		})
		data := p.z.Files[fi].Data
		size := len(data)
		for _, e := range edits {
			size += len(e.text) - int(e.end-e.start)
		}
		var b bytes.Buffer
		b.Grow(max(size, 0))
		pos := int32(0)
		for _, e := range edits {
			if e.start < pos {
				return nil, fmt.Errorf("%s: changes overlap at byte %d", p.z.Files[fi].Path, e.start)
			}
			b.Write(data[pos:e.start])
			b.Write(e.text)
			pos = e.end
		}
		b.Write(data[pos:])
		if !bytes.Equal(b.Bytes(), data) {
			out[int(fi)] = b.Bytes()
		}
	}
	return out, nil
}

// bumpSerial adds the edit of the SOA serial.
func (p *patcher) bumpSerial(now time.Time) error {
	z := p.z
	for _, r := range z.Records {
		if r.Type != dns.TypeSOA || r.Name != z.Origin || r.Iter >= 0 {
			continue
		}
		f := z.Files[r.File]
		e := f.Entries[r.Entry]
		lx, ent, err := entryLex(f, e)
		if err != nil {
			return err
		}
		t, ok, err := soaSerialToken(lx, &ent)
		if err != nil || !ok {
			return fmt.Errorf("%s:%d: SOA serial: %v", f.Path, e.Line, err)
		}
		old, _ := strconv.ParseUint(string(lx.text(t)), 10, 32)
		p.addEdit(r.File, t.s, t.e, strconv.AppendUint(nil, uint64(NextSerial(uint32(old), now)), 10))
		return nil
	}
	return nil // a zone without an SOA keeps its changes and has no serial
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

// ttlFixes writes its TTL into the first entry after a deleted one that
// wrote a TTL, when that entry took it (RFC 1035, no $TTL in effect), so
// that no untouched record changes TTL: one pass over each such file.
func (p *patcher) ttlFixes() error {
	if len(p.ttlGone) == 0 {
		return nil
	}
	gone := map[entryKey]bool{}
	files := map[int32]bool{}
	for _, k := range p.ttlGone {
		gone[k] = true
		files[k.file] = true
	}
	targets := map[entryKey]bool{}
	for fi := range files {
		f := p.z.Files[fi]
		pending := false
		for j, e := range f.Entries {
			k := entryKey{fi, int32(j)}
			switch {
			case gone[k]:
				pending = true
			case e.Kind == EntryInclude || e.Kind == EntryTTL:
				pending = false
			case e.Kind != EntryRecord || p.deleted[k]:
			default:
				if pending && e.LastTTL {
					targets[k] = true
				}
				pending = false
			}
		}
	}
	recs := p.recordsOf(targets)
	keys := make([]entryKey, 0, len(targets))
	for k := range targets {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b entryKey) int {
		if c := cmp.Compare(a.file, b.file); c != 0 {
			return c
		}
		return cmp.Compare(a.entry, b.entry)
	})
	for _, nk := range keys {
		f := p.z.Files[nk.file]
		_, ent, err := entryLex(f, f.Entries[nk.entry])
		if err != nil {
			return err
		}
		i := 0
		if !ent.initialWS {
			i = 1
		}
		if i >= len(ent.toks) {
			continue
		}
		ttl := strconv.AppendUint(nil, uint64(recs[nk].TTL), 10)
		p.addEdit(nk.file, ent.toks[i].s, ent.toks[i].s, append(ttl, ' '))
	}
	return nil
}

// reverseAddr reads d.c.b.a.in-addr.arpa. and the 32-nibble ip6.arpa. names
// without allocating; other names are left to rdns.
func reverseAddr(name string) (netip.Addr, bool) {
	switch {
	case strings.HasSuffix(name, ".in-addr.arpa."):
		s := name[:len(name)-len(".in-addr.arpa.")]
		var a [4]byte
		for i := 3; i >= 0; i-- {
			j := strings.IndexByte(s, '.')
			if (j < 0) != (i == 0) {
				return netip.Addr{}, false
			}
			l := s
			if j >= 0 {
				l, s = s[:j], s[j+1:]
			}
			n, ok := octet(l)
			if !ok {
				return netip.Addr{}, false
			}
			a[i] = byte(n)
		}
		return netip.AddrFrom4(a), true
	case strings.HasSuffix(name, ".ip6.arpa.") && len(name) == 64+len("ip6.arpa."):
		var a [16]byte
		for i := 0; i < 32; i++ {
			c := name[2*i]
			if name[2*i+1] != '.' {
				return netip.Addr{}, false
			}
			var v byte
			switch {
			case '0' <= c && c <= '9':
				v = c - '0'
			case 'a' <= c && c <= 'f':
				v = c - 'a' + 10
			default:
				return netip.Addr{}, false
			}
			// nibble i counts from the least significant
			b := 15 - i/2
			if i%2 == 0 {
				a[b] |= v
			} else {
				a[b] |= v << 4
			}
		}
		return netip.AddrFrom16(a).Unmap(), true
	}
	return netip.Addr{}, false
}

// appendOwner writes an owner at the start of a line, relative to origin
// when below it; an owner starting with "$" gets a backslash so that it is
// not read as a directive.
func appendOwner(b []byte, name, origin string) []byte {
	owner := relativeName(name, origin)
	if strings.HasPrefix(owner, "$") {
		b = append(b, '\\')
	}
	return append(b, owner...)
}
