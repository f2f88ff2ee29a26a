package zonefile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/miekg/dns"

	"github.com/rdnsctl/rdnsctl/rdns"
)

// Options tell Parse what it cannot learn from the file itself.
type Options struct {
	// Origin is the zone's name, as named-checkzone's zone argument. When it
	// is empty the origin is taken from the first $ORIGIN before any record,
	// else from the owner of the SOA record; else Parse fails.
	Origin string
	// Include reads the files $INCLUDE names (OSIncludes on disk). When
	// it is nil, FS is used; with neither, every $INCLUDE is refused.
	Include Includer
	// FS is a file system $INCLUDE reads from (tests, LoadFS): a relative
	// path is tried from IncludeBase inside it (its root when empty), then
	// from the including file's directory; absolute paths are refused.
	FS          fs.FS
	IncludeBase string
	// Dir is the directory of the file being parsed: inside FS ("" or "."
	// for its root), or on disk for Include.
	Dir string
	// DefaultTTL, when not zero, acts as a $TTL line before the first line
	// of the file (for fragments that have neither $TTL nor SOA).
	DefaultTTL uint32
	// MaxGenerate caps the records one $GENERATE may produce (0 means
	// DefaultMaxGenerate). BIND has no cap; one $GENERATE 0-16777215 costs
	// minutes and gigabytes, 0-2147483647 all the memory there is.
	MaxGenerate int
}

// DefaultMaxGenerate is the default cap on the records of one $GENERATE:
// a /12 of addresses.
const DefaultMaxGenerate = 1 << 20

// ParseError is one bad entry (or one problem found by Check) with the
// place it was found.
type ParseError struct {
	File string
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// ErrorList is every error found in one run. Parse returns one when some
// entries were bad, alongside a zone that holds every good record.
type ErrorList []*ParseError

func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap lets errors.Is and errors.As look at every error.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// ErrNoOrigin is returned (wrapped) when the zone's origin is neither given
// nor written in the file.
var ErrNoOrigin = errors.New("no origin: pass --origin or name the zone in the config")

const maxIncludeDepth = 20

// Parse reads one zone file. name is the name used in errors and as
// Zone.Files[0].Path. A bad entry does not stop the run: the zone comes back
// with every good record and the error is an ErrorList naming every bad
// entry. A failure to read r, or a zone whose origin cannot be known, gives
// a nil zone.
//
// Records whose owner is outside the origin are kept (BIND ignores them
// with the warning "ignoring out-of-zone data"); Check reports them.
func Parse(r io.Reader, name string, opt Options) (*Zone, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return ParseBytes(data, name, opt)
}

// ParseBytes is Parse over bytes already in memory; the zone keeps data as
// Files[0].Data, so the caller must not change it afterwards.
func ParseBytes(data []byte, name string, opt Options) (*Zone, error) {
	p := &parser{opt: opt, maxGen: opt.MaxGenerate}
	if p.maxGen <= 0 {
		p.maxGen = DefaultMaxGenerate
	}
	origin := ""
	if opt.Origin != "" {
		o, err := canonicalName(opt.Origin, ".")
		if err != nil {
			return nil, fmt.Errorf("%s: origin %q: %v", name, opt.Origin, err)
		}
		origin = o
	} else {
		o, err := findOrigin(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		origin = o
	}
	p.zone = &Zone{Origin: origin}
	p.origins = map[string]string{origin: origin}
	if opt.DefaultTTL != 0 {
		p.defTTL, p.defKnown = limitTTL(opt.DefaultTTL), true
	}
	// a first guess at the number of records, so that the slices grow once
	lines := bytes.Count(data, []byte{'\n'}) + 1
	p.zone.Records = make([]Record, 0, lines)
	dir := opt.Dir
	if dir == "" {
		dir = "."
	}
	p.parseFile(data, name, dir, origin, "", lines)
	if len(p.errs) > 0 {
		return p.zone, p.errs
	}
	return p.zone, nil
}

type parser struct {
	opt  Options
	zone *Zone
	errs ErrorList

	// TTL state; like BIND's it spans $INCLUDE.
	ttl      uint32
	ttlKnown bool
	defTTL   uint32
	defKnown bool

	maxGen  int
	nameBuf []byte
	origins map[string]string
	stack   []string // include stack (FS paths) for loop detection
}

// fileState is the state that ends with its file.
type fileState struct {
	idx     int32
	file    *File
	lx      *lexer
	origin  string
	current string // owner for records that inherit it; "" = none yet
}

func (p *parser) errorf(f *fileState, line int32, format string, args ...any) {
	p.errs = append(p.errs, &ParseError{File: f.file.Path, Line: int(line), Msg: fmt.Sprintf(format, clipArgs(args)...)})
}

func (p *parser) warnf(f *fileState, line int32, format string, args ...any) {
	p.zone.Warnings = append(p.zone.Warnings, &ParseError{File: f.file.Path, Line: int(line), Msg: fmt.Sprintf(format, clipArgs(args)...)})
}

// Error messages quote at most maxQuote bytes of a token (a hostile line
// of a megabyte must not become a megabyte of message), and at most
// maxCause bytes of an underlying error's text.
const (
	maxQuote = 80
	maxCause = 200
)

func clipArgs(args []any) []any {
	for i, a := range args {
		switch v := a.(type) {
		case []byte:
			if len(v) > maxQuote {
				args[i] = rdns.Clip(string(v), maxQuote)
			}
		case string:
			if len(v) > maxQuote {
				args[i] = rdns.Clip(v, maxQuote)
			}
		case error:
			if m := v.Error(); len(m) > maxCause {
				args[i] = rdns.Clip(m, maxCause)
			}
		}
	}
	return args
}

// parseFile reads one file (the main file or an include) and returns the
// owner current at its end.
func (p *parser) parseFile(data []byte, displayPath, dir, origin, current string, entryHint int) {
	f := &fileState{
		idx:     int32(len(p.zone.Files)),
		file:    &File{Path: displayPath, Data: data, Entries: make([]Entry, 0, entryHint)},
		lx:      newLexer(data),
		origin:  origin,
		current: current,
	}
	p.zone.Files = append(p.zone.Files, f.file)
	for {
		ent, lerr, ok := f.lx.next()
		if !ok {
			break
		}
		if lerr != nil {
			p.errorf(f, lerr.line, "%s", lerr.msg)
			continue
		}
		p.entry(f, dir, &ent)
	}
}

func (p *parser) addEntry(f *fileState, kind EntryKind, ent *lexEntry) int32 {
	f.file.Entries = append(f.file.Entries, Entry{
		Kind:    kind,
		Start:   int32(ent.start),
		End:     int32(ent.end),
		Line:    ent.line,
		EndLine: ent.last,
		Inherit: ent.initialWS && kind == EntryRecord,
		Origin:  f.origin,
	})
	return int32(len(f.file.Entries) - 1)
}

func (p *parser) entry(f *fileState, dir string, ent *lexEntry) {
	lx := f.lx
	toks := ent.toks
	if !ent.initialWS && !toks[0].quoted {
		first := lx.text(toks[0])
		if len(first) > 0 && first[0] == '$' {
			p.directive(f, dir, ent, first)
			return
		}
	}
	p.record(f, ent)
}

func eqFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

func (p *parser) directive(f *fileState, dir string, ent *lexEntry, first []byte) {
	lx := f.lx
	toks := ent.toks
	args := toks[1:]
	switch {
	case eqFold(first, "$ORIGIN"):
		if len(args) == 0 {
			p.errorf(f, ent.line, "$ORIGIN: unexpected end of line")
			return
		}
		if len(args) > 1 {
			p.errorf(f, ent.line, "$ORIGIN: extra input text")
			return
		}
		o, err := appendName(p.nameBuf[:0], lx.text(args[0]), f.origin)
		if err != nil {
			p.errorf(f, ent.line, "$ORIGIN %s: %v", lx.text(args[0]), err)
			return
		}
		p.nameBuf = o
		p.addEntry(f, EntryOrigin, ent)
		f.origin = p.intern(o)
	case eqFold(first, "$TTL"):
		if len(args) == 0 {
			p.errorf(f, ent.line, "$TTL: unexpected end of line")
			return
		}
		if len(args) > 1 {
			p.errorf(f, ent.line, "$TTL: extra input text")
			return
		}
		ttl, ok := parseTTL(lx.text(args[0]))
		if !ok || args[0].quoted {
			p.errorf(f, ent.line, "$TTL: bad TTL %q", lx.text(args[0]))
			return
		}
		if ttl > maxTTL {
			p.warnf(f, ent.line, "$TTL %d > MAXTTL, setting $TTL to 0", ttl)
		}
		p.addEntry(f, EntryTTL, ent)
		p.ttl = limitTTL(ttl)
		p.defTTL, p.defKnown = p.ttl, true
	case eqFold(first, "$INCLUDE"):
		p.include(f, dir, ent)
	case eqFold(first, "$GENERATE"):
		p.generate(f, ent)
	case eqFold(first, "$DATE"):
		// BIND uses $DATE only to age TTLs of a cache dump; a zone load
		// ignores it.
	default:
		p.errorf(f, ent.line, "unknown $ directive '%s'", first)
	}
}

// intern returns one shared string per distinct origin.
func (p *parser) intern(b []byte) string {
	if s, ok := p.origins[string(b)]; ok {
		return s
	}
	if p.origins == nil {
		p.origins = map[string]string{}
	}
	s := string(b)
	p.origins[s] = s
	return s
}

func (p *parser) include(f *fileState, dir string, ent *lexEntry) {
	lx := f.lx
	args := ent.toks[1:]
	if len(args) == 0 {
		p.errorf(f, ent.line, "$INCLUDE: unexpected end of line")
		return
	}
	if len(args) > 2 {
		p.errorf(f, ent.line, "$INCLUDE: extra input text")
		return
	}
	p.addEntry(f, EntryInclude, ent)
	origin := f.origin
	if len(args) == 2 {
		o, err := appendName(p.nameBuf[:0], lx.text(args[1]), f.origin)
		if err != nil {
			p.errorf(f, ent.line, "$INCLUDE origin %s: %v", lx.text(args[1]), err)
			return
		}
		p.nameBuf = o
		origin = p.intern(o)
	}
	// BIND takes the file name as written: escapes are not undone.
	name := string(lx.text(args[0]))
	inc := p.opt.Include
	if inc == nil && p.opt.FS != nil {
		inc = fsIncludes{fsys: p.opt.FS, base: p.opt.IncludeBase}
	}
	if inc == nil {
		p.errorf(f, ent.line, "$INCLUDE %s: not allowed: no zones directory to read includes from", name)
		return
	}
	full, next, data, err := inc.Include(dir, name)
	if err != nil {
		p.errorf(f, ent.line, "$INCLUDE %s: %v", name, err)
		return
	}
	for _, s := range p.stack {
		if s == full {
			p.errorf(f, ent.line, "$INCLUDE %s: include loop", name)
			return
		}
	}
	if len(p.stack) >= maxIncludeDepth {
		p.errorf(f, ent.line, "$INCLUDE %s: includes nested more than %d deep", name, maxIncludeDepth)
		return
	}
	p.stack = append(p.stack, full)
	p.parseFile(data, full, next, origin, f.current, 16)
	p.stack = p.stack[:len(p.stack)-1]
}

// rrHead is what comes before the RDATA of a record line.
type rrHead struct {
	class       uint16
	ttl         uint32
	explicitTTL bool
	typ         uint16
	next        int // index of the first RDATA token
}

// parseHead reads [class] [ttl] [class] type from toks[i:], in BIND's order.
func parseHead(lx *lexer, toks []token, i int) (rrHead, string) {
	var h rrHead
	n := len(toks)
	if i < n && !toks[i].quoted {
		if c, ok := parseClass(lx.text(toks[i])); ok {
			h.class = c
			i++
		}
	}
	if i < n && !toks[i].quoted {
		if t, ok := parseTTL(lx.text(toks[i])); ok {
			h.ttl, h.explicitTTL = t, true
			i++
		}
	}
	if h.class == 0 && i < n && !toks[i].quoted {
		if c, ok := parseClass(lx.text(toks[i])); ok {
			h.class = c
			i++
		}
	}
	if i >= n {
		return h, "unexpected end of line"
	}
	if toks[i].quoted {
		return h, fmt.Sprintf("unknown RR type '%s'", lx.text(toks[i]))
	}
	t, ok := parseType(lx.text(toks[i]))
	if !ok {
		return h, fmt.Sprintf("unknown RR type '%s'", lx.text(toks[i]))
	}
	h.typ = t
	h.next = i + 1
	return h, ""
}

func (p *parser) record(f *fileState, ent *lexEntry) {
	lx := f.lx
	toks := ent.toks
	line := ent.line
	owner := f.current
	i := 0
	if !ent.initialWS {
		b, err := appendName(p.nameBuf[:0], lx.text(toks[0]), f.origin)
		p.nameBuf = b
		if err != nil {
			p.errorf(f, line, "owner %s: %v", lx.text(toks[0]), err)
			return
		}
		if string(b) != owner {
			if string(b) == p.zone.Origin {
				owner = p.zone.Origin
			} else {
				owner = string(b)
			}
		}
		f.current = owner
		i = 1
	} else if owner == "" {
		p.errorf(f, line, "no current owner name")
		return
	}
	h, msg := parseHead(lx, toks, i)
	if msg != "" {
		p.errorf(f, line, "%s", msg)
		return
	}
	if h.class != 0 && h.class != dns.ClassINET {
		p.errorf(f, line, "class '%s' != zone class 'IN'", className(h.class))
		return
	}
	if msg := typeAllowed(h.typ); msg != "" {
		p.errorf(f, line, "%s", msg)
		return
	}
	if h.typ == dns.TypeSOA && owner != p.zone.Origin {
		p.errorf(f, line, "SOA record not at top of zone (%s)", owner)
		return
	}
	if h.typ == dns.TypeNS && strings.HasPrefix(owner, "*.") {
		p.errorf(f, line, "%s: invalid NS owner name (wildcard)", owner)
		return
	}
	if h.typ == dns.TypeDS && owner == p.zone.Origin {
		p.errorf(f, line, "DS record at top of zone (%s)", owner)
		return
	}
	data, soaMin, err := p.rdata(lx.data, toks[h.next:], owner, h.typ, f.origin, f.file.Path)
	if err != nil {
		p.errorf(f, line, "%v", err)
		return
	}
	lastTTL := !h.explicitTTL && !p.defKnown && p.ttlKnown
	ttl, ok := p.recordTTL(f, line, h, soaMin)
	if !ok {
		return
	}
	ei := p.addEntry(f, EntryRecord, ent)
	f.file.Entries[ei].LastTTL = lastTTL
	p.zone.Records = append(p.zone.Records, Record{
		Name:  owner,
		TTL:   ttl,
		Class: dns.ClassINET,
		Type:  h.typ,
		Data:  data,
		File:  f.idx,
		Line:  line,
		Entry: ei,
		Iter:  -1,
	})
}

// recordTTL applies BIND's TTL rules: an explicit TTL, else $TTL, else the
// last explicit TTL (RFC 1035), else the SOA's minimum for the SOA itself.
func (p *parser) recordTTL(f *fileState, line int32, h rrHead, soaMin int64) (uint32, bool) {
	if h.explicitTTL {
		if h.ttl > maxTTL {
			p.warnf(f, line, "TTL %d > MAXTTL, setting TTL to 0", h.ttl)
		}
		p.ttl, p.ttlKnown = limitTTL(h.ttl), true
	}
	switch {
	case !p.ttlKnown && !p.defKnown:
		if soaMin < 0 {
			p.errorf(f, line, "no TTL specified; zone rejected")
			return 0, false
		}
		p.warnf(f, line, "no TTL specified; using SOA MINTTL instead")
		p.ttl = limitTTL(uint32(soaMin))
		p.defTTL, p.defKnown = p.ttl, true
	case !h.explicitTTL && p.defKnown:
		p.ttl = p.defTTL
	}
	return p.ttl, true
}

// typeAllowed refuses the types BIND will not load from a master file.
func typeAllowed(t uint16) string {
	switch t {
	case dns.TypeMD, dns.TypeMF:
		return fmt.Sprintf("type '%s': obsolete", dns.Type(t))
	case dns.TypeOPT, dns.TypeTKEY, dns.TypeTSIG, dns.TypeIXFR, dns.TypeAXFR, dns.TypeMAILB, dns.TypeMAILA, dns.TypeANY:
		return fmt.Sprintf("type '%s': invalid use of a meta type", dns.Type(t))
	}
	return ""
}

// singleName reports the types whose RDATA is one domain name, which the
// reader parses itself.
func singleName(t uint16) bool {
	switch t {
	case dns.TypePTR, dns.TypeCNAME, dns.TypeNS, dns.TypeDNAME:
		return true
	}
	return false
}

// rdata parses the RDATA tokens of one record. soaMin is the SOA's minimum
// field for an SOA record, else -1.
func (p *parser) rdata(data []byte, toks []token, owner string, typ uint16, origin, file string) (string, int64, error) {
	if singleName(typ) {
		if len(toks) == 0 {
			return "", -1, errors.New("unexpected end of input")
		}
		t := toks[0]
		if len(toks) > 1 && !(len(data[t.s:t.e]) == 2 && data[t.s] == '\\' && data[t.s+1] == '#') {
			return "", -1, errors.New("extra input text")
		}
		text := data[t.s:t.e]
		if !t.quoted && len(text) == 2 && text[0] == '\\' && text[1] == '#' {
			// RFC 3597 generic RDATA
			return rdataMiekg(data, toks, owner, typ, origin, file)
		}
		if t.quoted {
			return "", -1, fmt.Errorf("%s: quoted string where a domain name is expected", dns.Type(typ))
		}
		b, err := appendName(p.nameBuf[:0], text, origin)
		p.nameBuf = b
		if err != nil {
			return "", -1, fmt.Errorf("%s %s: %v", dns.Type(typ), text, err)
		}
		return string(b), -1, nil
	}
	return rdataMiekg(data, toks, owner, typ, origin, file)
}
