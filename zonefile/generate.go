package zonefile

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/miekg/dns"
)

// $GENERATE range lhs [ttl] [class] type rhs, as BIND 9.18 reads it.
//
// The range is read like BIND's sscanf("%d-%d%1[/]%d"): start-stop or
// start-stop/step, start and stop at least 0, stop not below start, step at
// least 1. Text after a complete range is ignored, as BIND ignores it (with a
// warning here). Unlike BIND (whose sscanf wraps numbers beyond 2^31-1, so
// that 4294967296-4 means 0-4), a number that does not fit is refused.
//
// In lhs and rhs, $ is the iterator and ${offset[,width[,base]]} modifies it:
// base d, o, x, X, or n/N for nibbles (the value written as reversed hex
// digits, one per label, width counting the dots too). $$ and \$ give a
// literal $. An offset that makes the value overflow 2^31-1 is "out of
// range"; a negative result is allowed (BIND writes it as a 32-bit
// two's-complement number in the bases other than d).

// genRange is a parsed $GENERATE range.
type genRange struct {
	start, stop, step int64
	garbage           bool // text after the range, ignored
}

var errBadRange = errors.New("invalid range")

func parseGenRange(b []byte) (genRange, error) {
	r := genRange{step: 1}
	pos := 0
	start, ok, ovf := scanInt(b, &pos)
	if ovf {
		return r, errors.New("invalid range: number does not fit in 31 bits")
	}
	if !ok || pos >= len(b) || b[pos] != '-' {
		return r, errBadRange
	}
	pos++
	stop, ok, ovf := scanInt(b, &pos)
	if ovf {
		return r, errors.New("invalid range: number does not fit in 31 bits")
	}
	if !ok {
		return r, errBadRange
	}
	conv := 2
	if pos < len(b) && b[pos] == '/' {
		pos++
		conv = 3
		step, ok, ovf := scanInt(b, &pos)
		if ovf {
			return r, errors.New("invalid range: number does not fit in 31 bits")
		}
		if ok {
			conv = 4
			r.step = step
		}
	}
	if (conv != 2 && conv != 4) || start < 0 || stop < 0 || (conv == 4 && r.step < 1) || stop < start {
		return r, errBadRange
	}
	r.start, r.stop = start, stop
	r.garbage = pos < len(b)
	return r, nil
}

// scanInt reads what sscanf's %d reads: blanks, a sign, digits. ovf is true
// when the number does not fit in an int32.
func scanInt(b []byte, pos *int) (v int64, ok, ovf bool) {
	i := *pos
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	start := i
	for i < len(b) && isDigit(b[i]) {
		if v <= math.MaxInt32+1 {
			v = v*10 + int64(b[i]-'0')
		}
		i++
	}
	if i == start {
		return 0, false, false
	}
	*pos = i
	if neg {
		v = -v
	}
	if v > math.MaxInt32 || v < math.MinInt32 {
		return 0, false, true
	}
	return v, true, false
}

// genMod is one ${offset,width,base} modifier.
type genMod struct {
	delta int64
	width int
	base  byte
}

// parseGenMod reads a modifier starting at its '{', as BIND's
// sscanf("{%d%1[,}]%u%1[,}]%1[doxXnN]%1[}]") does, and returns the bytes
// it spans (through the closing brace).
func parseGenMod(b []byte) (genMod, int, error) {
	m := genMod{base: 'd'}
	pos := 1
	d, ok, ovf := scanInt(b, &pos)
	if ovf {
		return m, 0, errors.New("offset does not fit in 31 bits")
	}
	if !ok || pos >= len(b) {
		return m, 0, errSyntax
	}
	m.delta = d
	switch b[pos] {
	case '}':
		return m, pos + 1, nil
	case ',':
	default:
		return m, 0, errSyntax
	}
	pos++
	if pos < len(b) && b[pos] == '-' {
		return m, 0, errSyntax
	}
	w, ok, _ := scanInt(b, &pos)
	if !ok || w < 0 || pos >= len(b) {
		return m, 0, errSyntax
	}
	if w >= genNumBuf {
		return m, 0, errNoSpace
	}
	m.width = int(w)
	switch b[pos] {
	case '}':
		return m, pos + 1, nil
	case ',':
	default:
		return m, 0, errSyntax
	}
	pos++
	if pos >= len(b) {
		return m, 0, errSyntax
	}
	switch c := b[pos]; c {
	case 'd', 'o', 'x', 'X', 'n', 'N':
		m.base = c
	default:
		return m, 0, errSyntax
	}
	pos++
	if pos >= len(b) || b[pos] != '}' {
		return m, 0, errSyntax
	}
	return m, pos + 1, nil
}

var (
	errSyntax  = errors.New("syntax error")
	errNoSpace = errors.New("ran out of space")
	errRange   = errors.New("out of range")
)

// genNumBuf is the size of BIND's number buffer: a formatted value of this
// length or more does not fit.
const genNumBuf = 128

// genName expands a $GENERATE template for iterator value it.
func genName(dst, tmpl []byte, it int64) ([]byte, error) {
	for i := 0; i < len(tmpl); {
		c := tmpl[i]
		switch c {
		case '$':
			i++
			if i < len(tmpl) && tmpl[i] == '$' {
				dst = append(dst, '$')
				i++
				continue
			}
			m := genMod{base: 'd'}
			if i < len(tmpl) && tmpl[i] == '{' {
				mod, n, err := parseGenMod(tmpl[i:])
				if err != nil {
					return dst, err
				}
				m = mod
				i += n
			}
			if it > 0 && m.delta > math.MaxInt32-it {
				return dst, errRange
			}
			var err error
			dst, err = appendGenValue(dst, it+m.delta, m)
			if err != nil {
				return dst, err
			}
		case '\\':
			dst = append(dst, c)
			i++
			if i < len(tmpl) {
				dst = append(dst, tmpl[i])
				i++
			}
		default:
			dst = append(dst, c)
			i++
		}
	}
	return dst, nil
}

const hexDigits = "0123456789abcdef0123456789ABCDEF"

func appendGenValue(dst []byte, v int64, m genMod) ([]byte, error) {
	start := len(dst)
	u := uint64(uint32(int32(v)))
	switch m.base {
	case 'd':
		s := strconv.FormatInt(v, 10)
		if v < 0 {
			dst = append(dst, '-')
			s = s[1:]
			for n := len(s) + 1; n < m.width; n++ {
				dst = append(dst, '0')
			}
		} else {
			for n := len(s); n < m.width; n++ {
				dst = append(dst, '0')
			}
		}
		dst = append(dst, s...)
	case 'o', 'x', 'X':
		base := 8
		if m.base != 'o' {
			base = 16
		}
		s := strconv.FormatUint(u, base)
		for n := len(s); n < m.width; n++ {
			dst = append(dst, '0')
		}
		if m.base == 'X' {
			for i := 0; i < len(s); i++ {
				c := s[i]
				if 'a' <= c && c <= 'f' {
					c -= 'a' - 'A'
				}
				dst = append(dst, c)
			}
		} else {
			dst = append(dst, s...)
		}
	case 'n', 'N':
		off := 0
		if m.base == 'N' {
			off = 16
		}
		width := m.width
		for {
			dst = append(dst, hexDigits[int(u&0xf)+off])
			u >>= 4
			if width > 0 {
				width--
			}
			if width > 0 || u != 0 {
				dst = append(dst, '.')
				if width > 0 {
					width--
				}
			}
			if u == 0 && width == 0 {
				break
			}
		}
	}
	if len(dst)-start >= genNumBuf {
		return dst, errNoSpace
	}
	return dst, nil
}

func (p *parser) generate(f *fileState, ent *lexEntry) {
	lx := f.lx
	args := ent.toks[1:]
	line := ent.line
	fail := func(format string, a ...any) {
		p.errorf(f, line, "$GENERATE: "+format, a...)
	}
	if len(args) < 4 {
		fail("unexpected end of line")
		return
	}
	if args[0].quoted || args[1].quoted {
		fail("syntax error")
		return
	}
	h, msg := parseHead(lx, args, 2)
	if msg != "" {
		fail("%s", msg)
		return
	}
	if h.next >= len(args) {
		fail("unexpected end of line")
		return
	}
	if h.next+1 < len(args) {
		fail("extra input text")
		return
	}
	rhs := lx.text(args[h.next])
	lhs := lx.text(args[1])
	// TTL first: BIND settles it before it looks at the range.
	if h.explicitTTL {
		p.ttl, p.ttlKnown = limitTTL(h.ttl), true
	}
	switch {
	case !p.ttlKnown && !p.defKnown:
		fail("no TTL specified")
		return
	case !h.explicitTTL && p.defKnown:
		p.ttl = p.defTTL
	}
	if h.class != 0 && h.class != dns.ClassINET {
		p.errorf(f, line, "class '%s' != zone class 'IN'", className(h.class))
		return
	}
	rng, err := parseGenRange(lx.text(args[0]))
	if err != nil {
		fail("%v '%s'", err, lx.text(args[0]))
		return
	}
	if rng.garbage {
		p.warnf(f, line, "$GENERATE: text after the range '%s' ignored", lx.text(args[0]))
	}
	if msg := typeAllowed(h.typ); msg != "" {
		if h.typ == dns.TypeMD || h.typ == dns.TypeMF {
			fail("%s", msg)
		} else {
			fail("meta RR type '%s'", dns.Type(h.typ))
		}
		return
	}
	count := (rng.stop-rng.start)/rng.step + 1
	if count > int64(p.maxGen) {
		fail("range '%s' gives %d records, more than the limit of %d", lx.text(args[0]), count, p.maxGen)
		return
	}
	ei := p.addEntry(f, EntryGenerate, ent)
	mark := len(p.zone.Records)
	var lbuf, rbuf []byte
	prevOwner := ""
	for it := rng.start; it <= rng.stop; it += rng.step {
		lbuf, err = genName(lbuf[:0], lhs, it)
		if err != nil {
			p.zone.Records = p.zone.Records[:mark]
			fail("%v", err)
			return
		}
		nb, err := appendName(p.nameBuf[:0], lbuf, f.origin)
		p.nameBuf = nb
		if err != nil {
			p.zone.Records = p.zone.Records[:mark]
			fail("owner %s: %v", lbuf, err)
			return
		}
		owner := prevOwner
		if string(nb) != owner {
			if string(nb) == p.zone.Origin {
				owner = p.zone.Origin
			} else {
				owner = string(nb)
			}
		}
		prevOwner = owner
		if h.typ == dns.TypeSOA && owner != p.zone.Origin {
			p.zone.Records = p.zone.Records[:mark]
			fail("SOA record not at top of zone (%s)", owner)
			return
		}
		rbuf, err = genName(rbuf[:0], rhs, it)
		if err != nil {
			p.zone.Records = p.zone.Records[:mark]
			fail("%v", err)
			return
		}
		glx := newLexer(rbuf)
		gent, lerr, ok := glx.next()
		var toks []token
		if lerr != nil {
			p.zone.Records = p.zone.Records[:mark]
			fail("%s", lerr.msg)
			return
		}
		if ok {
			toks = gent.toks
			if _, _, more := glx.next(); more {
				p.zone.Records = p.zone.Records[:mark]
				fail("extra input text")
				return
			}
		}
		data, _, err := p.rdata(rbuf, toks, owner, h.typ, f.origin, f.file.Path)
		if err != nil {
			p.zone.Records = p.zone.Records[:mark]
			fail("%v", err)
			return
		}
		p.zone.Records = append(p.zone.Records, Record{
			Name:  owner,
			TTL:   p.ttl,
			Class: dns.ClassINET,
			Type:  h.typ,
			Data:  data,
			File:  f.idx,
			Line:  line,
			Entry: ei,
			Iter:  int32(it),
		})
	}
}

// Generate is one $GENERATE line taken apart, for tools that rewrite the
// line instead of its records.
type Generate struct {
	File, Entry       int32
	Line              int32
	Range             string // as written: start-stop or start-stop/step
	Start, Stop, Step int64
	LHS               string // owner template, as written
	Type              uint16
	RHS               string // target template, as written (without quotes)
	Origin            string // the $ORIGIN in effect for the line
}

// Generate takes apart the $GENERATE entry at z.Files[file].Entries[entry].
func (z *Zone) Generate(file, entry int32) (Generate, error) {
	if int(file) >= len(z.Files) || int(entry) >= len(z.Files[file].Entries) {
		return Generate{}, errors.New("no such entry")
	}
	f := z.Files[file]
	e := f.Entries[entry]
	if e.Kind != EntryGenerate {
		return Generate{}, fmt.Errorf("%s:%d: not a $GENERATE line", f.Path, e.Line)
	}
	lx, ent, err := entryLex(f, e)
	if err != nil {
		return Generate{}, err
	}
	toks := ent.toks
	h, msg := parseHead(lx, toks, 3)
	if msg != "" || len(toks) < 4 || h.next >= len(toks) {
		return Generate{}, fmt.Errorf("%s:%d: cannot read the $GENERATE line", f.Path, e.Line)
	}
	rng, err := parseGenRange(lx.text(toks[1]))
	if err != nil {
		return Generate{}, fmt.Errorf("%s:%d: %v", f.Path, e.Line, err)
	}
	return Generate{
		File: file, Entry: entry, Line: e.Line,
		Range: string(lx.text(toks[1])), Start: rng.start, Stop: rng.stop, Step: rng.step,
		LHS: string(lx.text(toks[2])), Type: h.typ, RHS: string(lx.text(toks[h.next])), Origin: e.Origin,
	}, nil
}

// ExpandLHS is the owner the line gives for iteration it, in canonical form.
func (g Generate) ExpandLHS(it int, origin string) (string, error) {
	b, err := genName(nil, []byte(g.LHS), int64(it))
	if err != nil {
		return "", err
	}
	return canonicalName(string(b), originOr(origin, g.Origin))
}

// ExpandRHS is the RDATA the line gives for iteration it: for PTR, CNAME, NS
// and DNAME the target in canonical form.
func (g Generate) ExpandRHS(it int, origin string) (string, error) {
	b, err := genName(nil, []byte(g.RHS), int64(it))
	if err != nil {
		return "", err
	}
	origin = originOr(origin, g.Origin)
	lx := newLexer(b)
	ent, lerr, ok := lx.next()
	if lerr != nil {
		return "", errors.New(lerr.msg)
	}
	if !ok {
		return "", errors.New("empty RDATA")
	}
	p := &parser{}
	data, _, err := p.rdata(b, ent.toks, ".", g.Type, origin, "")
	return data, err
}

func originOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
