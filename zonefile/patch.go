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
	changes, err := p.foldGenerates(changes)
	if err != nil {
		return nil, err
	}
	for _, c := range changes {
		if err := p.change(c); err != nil {
			return nil, fmt.Errorf("%s %s %s %s: %w", c.Action, c.Type, c.Name, strings.TrimSpace(c.Old+" "+c.New), err)
		}
	}
	if len(p.edits) == 0 && len(p.gens) == 0 && len(p.adds) == 0 && !opt.ForceSerial {
		return map[int][]byte{}, nil
	}
	if err := p.placeAdds(); err != nil {
		return nil, err
	}
	if err := p.finishGenerates(); err != nil {
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
	// whole is set when every iteration was renamed through the line
	// (foldGenerates): no other change may touch one of them
	whole bool
	// inside are new records whose place falls between the pieces of the
	// split line, written there in address order (placeAdds)
	inside   []pendingAdd
	iterAddr map[int64]netip.Addr
}

// pendingAdd is a record to insert at its place.
type pendingAdd struct {
	name   string
	typ    uint16
	data   string // target, or the $GENERATE line's target template
	addr   netip.Addr
	genRng string // for a $GENERATE line
	// dataOrigin is the origin a relative target template is relative to
	// (a $GENERATE line written under another $ORIGIN gets it absolute)
	dataOrigin string
}

type patcher struct {
	z       *Zone
	edits   []edit
	gens    map[entryKey]*genEdit
	adds    []pendingAdd
	touched map[entryKey]bool // entries already rewritten or removed
	deleted map[entryKey]bool
	seq     int
	zn      []rdns.ZoneName
	ttlGone []entryKey // deleted entries that wrote a TTL
	names   map[string][]int32
	recs    map[entryKey]Record
	// byRData indexes the records of owners with many records by type and
	// RDATA (built on the first find at such an owner): 100k PTRs at one
	// name must not make each change scan them all.
	byRData map[rdataKey][]int
}

type rdataKey struct {
	name string
	typ  uint16
	data string
}

// findScan is the number of records at one owner up to which find scans
// them instead of indexing.
const findScan = 32

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
	if !ok || !(singleName(typ) || addressType(typ)) {
		return fmt.Errorf("cannot patch records of type %q", c.Type)
	}
	name, err := CanonicalName(c.Name, z.Origin)
	if err != nil {
		return fmt.Errorf("name: %v", err)
	}
	var oldData, newData string
	if c.Action != rdns.Add {
		if oldData, err = canonicalData(typ, c.Old); err != nil {
			return fmt.Errorf("old: %v", err)
		}
	}
	if c.Action != rdns.Delete {
		if newData, err = canonicalData(typ, c.New); err != nil {
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
	list := p.byName(name)
	if len(list) > findScan {
		if p.byRData == nil {
			p.byRData = map[rdataKey][]int{}
		}
		k := rdataKey{name, typ, data}
		if _, done := p.byRData[rdataKey{name: name}]; !done {
			p.byRData[rdataKey{name: name}] = nil // this owner is indexed
			for _, i := range list {
				r := &p.z.Records[i]
				rk := rdataKey{name, r.Type, r.Data}
				p.byRData[rk] = append(p.byRData[rk], int(i))
			}
		}
		return p.byRData[k]
	}
	var out []int
	for _, i := range list {
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
		if _, dup := g.drop[int64(r.Iter)]; dup || g.whole {
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
		text := newData
		if !addressType(r.Type) {
			text = targetText(newData, e.Origin, lx.text(first))
		}
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

// pathMatches says whether a path given in a change names a file of the
// zone: equal, or ending in it at a separator.
func pathMatches(given, path string) bool {
	given = strings.ReplaceAll(given, "\\", "/")
	return given == path || strings.HasSuffix(given, "/"+path) || strings.HasSuffix(path, "/"+given)
}

// addrOf is the address a reverse name stands for (also under a classless
// child zone's origin), or the zero Addr.
func (p *patcher) addrOf(name string) netip.Addr {
	if a, err := rdns.ParseReverseName(name); err == nil {
		return a.Unmap()
	}
	if p.zn == nil {
		p.zn = classlessReadings(p.z.Origin)
	}
	return classlessAddr(p.zn, name)
}

// classlessReadings are the ways a classless origin can be read: a label
// such as 0-31 is a /31 under RFC 4183 and a /27 as a first-last range, and
// which one the zone set means is not known here. An owner's address does
// not depend on it (its labels are the low octets), only the check that the
// address lies inside the block does.
func classlessReadings(origin string) []rdns.ZoneName {
	out := []rdns.ZoneName{} // not nil: computed once
	for _, st := range []rdns.Style{rdns.Slash, rdns.Range} {
		if zn, err := rdns.ParseZoneName(origin, st); err == nil && zn.Prefix.IsValid() {
			if len(out) == 0 || out[0].Prefix != zn.Prefix {
				out = append(out, zn)
			}
		}
	}
	return out
}

// classlessAddr is the address of an owner under one of the readings, or
// the zero Addr.
func classlessAddr(readings []rdns.ZoneName, name string) netip.Addr {
	for _, zn := range readings {
		if a, err := zn.AddrOf(name); err == nil {
			return a.Unmap()
		}
	}
	return netip.Addr{}
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

// addressType says whether t is A or AAAA, whose RDATA the patcher writes
// too (glue for a delegation).
func addressType(t uint16) bool { return t == dns.TypeA || t == dns.TypeAAAA }

// canonicalData is RDATA in the reader's canonical form: a name for the
// single-name types, an address for A and AAAA.
func canonicalData(typ uint16, s string) (string, error) {
	if !addressType(typ) {
		return canonicalName(s, ".")
	}
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil || a.Is4() != (typ == dns.TypeA) || a.Zone() != "" {
		return "", fmt.Errorf("%q is not an %s address", s, typeString(typ))
	}
	return a.String(), nil
}
