package zonefile

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// maxRDATA is the longest RDATA BIND reads from a master file: a message of
// 65535 octets less the header, a root owner, type, class, TTL and length.
const maxRDATA = 65535 - 12 - 1 - 2 - 2 - 4 - 2

// maxTTL is BIND's MAXTTL: a larger TTL is loaded as 0, with a warning.
const maxTTL = 0x7fffffff

func limitTTL(t uint32) uint32 {
	if t > maxTTL {
		return 0
	}
	return t
}

// parseTTL reads a TTL the way BIND's dns_ttl_fromtext does: a plain
// decimal number, or numbers each followed by a unit w, d, h, m or s (either
// case). A number after units ("1h30") is not a TTL.
func parseTTL(b []byte) (uint32, bool) {
	if len(b) == 0 || len(b) > 63 {
		return 0, false
	}
	var total uint64
	i := 0
	for i < len(b) {
		start := i
		var n uint64
		for i < len(b) && isDigit(b[i]) {
			n = n*10 + uint64(b[i]-'0')
			if n > 0xffffffff {
				return 0, false
			}
			i++
		}
		if i == start {
			return 0, false
		}
		if i == len(b) {
			// a plain number, allowed only when nothing came before
			if total != 0 {
				return 0, false
			}
			return uint32(n), true
		}
		var mul uint64
		switch b[i] | 0x20 {
		case 'w':
			mul = 7 * 24 * 3600
		case 'd':
			mul = 24 * 3600
		case 'h':
			mul = 3600
		case 'm':
			mul = 60
		case 's':
			mul = 1
		default:
			return 0, false
		}
		total += n * mul
		i++
	}
	if total > 0xffffffff {
		return 0, false
	}
	return uint32(total), true
}

// parseClass recognises a class mnemonic or CLASSnnn.
func parseClass(b []byte) (uint16, bool) {
	switch {
	case eqFold(b, "IN"):
		return dns.ClassINET, true
	case eqFold(b, "CH"), eqFold(b, "CHAOS"):
		return dns.ClassCHAOS, true
	case eqFold(b, "HS"), eqFold(b, "HESIOD"):
		return dns.ClassHESIOD, true
	case eqFold(b, "NONE"):
		return dns.ClassNONE, true
	case eqFold(b, "ANY"):
		return dns.ClassANY, true
	}
	if len(b) > 5 && eqFold(b[:5], "CLASS") {
		if n, ok := parseUint16(b[5:]); ok {
			return n, true
		}
	}
	return 0, false
}

func parseUint16(b []byte) (uint16, bool) {
	if len(b) == 0 || len(b) > 5 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	if n > 0xffff {
		return 0, false
	}
	return uint16(n), true
}

// parseType recognises a type mnemonic known to miekg/dns, or TYPEnnn.
func parseType(b []byte) (uint16, bool) {
	// the types of a reverse zone, without a map look-up
	switch len(b) {
	case 2:
		if eqFold(b, "NS") {
			return dns.TypeNS, true
		}
	case 3:
		if eqFold(b, "PTR") {
			return dns.TypePTR, true
		}
		if eqFold(b, "SOA") {
			return dns.TypeSOA, true
		}
	case 5:
		if eqFold(b, "CNAME") {
			return dns.TypeCNAME, true
		}
	}
	var buf [24]byte
	if len(b) == 0 || len(b) > len(buf) {
		return 0, false
	}
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf[i] = c
	}
	u := buf[:len(b)]
	if t, ok := dns.StringToType[string(u)]; ok {
		return t, true
	}
	if len(u) > 4 && string(u[:4]) == "TYPE" {
		return parseUint16(u[4:])
	}
	return 0, false
}

// typeString is the mnemonic of a type, or TYPEnnn.
func typeString(t uint16) string {
	if s, ok := dns.TypeToString[t]; ok {
		return s
	}
	return "TYPE" + strconv.Itoa(int(t))
}

// rdataMiekg hands the RDATA of a type the reader does not parse itself to
// miekg/dns, as one line with an absolute owner, and keeps the RDATA of what
// it prints, with the domain names in it lower-cased.
func rdataMiekg(data []byte, toks []token, owner string, typ uint16, origin, file string) (string, int64, error) {
	var b strings.Builder
	ts := typeString(typ)
	n := 10 + len(ts)
	for _, t := range toks {
		n += int(t.e-t.s) + 3
	}
	b.Grow(n)
	b.WriteString(". 0 IN ")
	b.WriteString(ts)
	for _, t := range toks {
		b.WriteByte(' ')
		if t.quoted {
			b.WriteByte('"')
			b.Write(data[t.s:t.e])
			b.WriteByte('"')
		} else {
			b.Write(data[t.s:t.e])
		}
	}
	if origin == "" {
		origin = "."
	}
	zp := dns.NewZoneParser(strings.NewReader(b.String()), origin, "")
	rr, ok := zp.Next()
	if !ok {
		err := zp.Err()
		if err == nil {
			err = errors.New("no record")
		}
		return "", -1, errors.New(ts + ": " + miekgMessage(err))
	}
	if _, more := zp.Next(); more {
		return "", -1, errors.New(ts + ": extra input text")
	}
	if zp.Err() != nil {
		return "", -1, errors.New(ts + ": " + miekgMessage(zp.Err()))
	}
	if rr.Header().Rrtype != typ {
		// miekg turns "TYPE1 \# 4 ..." into an A record; keep the type the
		// file asked for unless it is the same type in RFC 3597 form.
		if _, ok := rr.(*dns.RFC3597); !ok {
			return "", -1, errors.New(ts + ": type mismatch")
		}
	}
	if l := dns.Len(rr) - 11; l > maxRDATA {
		return "", -1, fmt.Errorf("%s: RDATA of %d octets, more than a master file may hold (%d): ran out of space", ts, l, maxRDATA)
	}
	canonicalRDATA(rr)
	soaMin := int64(-1)
	if soa, ok := rr.(*dns.SOA); ok {
		soaMin = int64(soa.Minttl)
	}
	return rdataText(rr), soaMin, nil
}

// miekgMessage strips miekg/dns's file and position from a parse error.
func miekgMessage(err error) string {
	m := err.Error()
	if i := strings.Index(m, " at line: "); i >= 0 {
		m = m[:i]
	}
	m = strings.TrimPrefix(m, "dns: ")
	return m
}

// canonicalRDATA puts the RDATA of rr in one form, so that two spellings of
// one record print the same: the domain names inside it lower-cased (the
// ones RFC 4034 section 6.2 lower-cases, plus the SVCB/HTTPS target) and the
// type bitmaps of NSEC, NSEC3 and CSYNC sorted.
func canonicalRDATA(rr dns.RR) {
	l := func(s *string) {
		if *s == "" {
			return
		}
		if c, err := canonicalName(*s, "."); err == nil {
			*s = c
		} else {
			*s = strings.ToLower(*s)
		}
	}
	switch r := rr.(type) {
	case *dns.NS:
		l(&r.Ns)
	case *dns.MD:
		l(&r.Md)
	case *dns.MF:
		l(&r.Mf)
	case *dns.CNAME:
		l(&r.Target)
	case *dns.SOA:
		l(&r.Ns)
		l(&r.Mbox)
	case *dns.MB:
		l(&r.Mb)
	case *dns.MG:
		l(&r.Mg)
	case *dns.MR:
		l(&r.Mr)
	case *dns.PTR:
		l(&r.Ptr)
	case *dns.MINFO:
		l(&r.Rmail)
		l(&r.Email)
	case *dns.MX:
		l(&r.Mx)
	case *dns.RP:
		l(&r.Mbox)
		l(&r.Txt)
	case *dns.AFSDB:
		l(&r.Hostname)
	case *dns.RT:
		l(&r.Host)
	case *dns.SIG:
		l(&r.SignerName)
	case *dns.RRSIG:
		l(&r.SignerName)
	case *dns.PX:
		l(&r.Map822)
		l(&r.Mapx400)
	case *dns.NAPTR:
		l(&r.Replacement)
	case *dns.KX:
		l(&r.Exchanger)
	case *dns.SRV:
		l(&r.Target)
	case *dns.DNAME:
		l(&r.Target)
	case *dns.NSAPPTR:
		l(&r.Ptr)
	case *dns.SVCB:
		l(&r.Target)
	case *dns.HTTPS:
		l(&r.Target)
	case *dns.LP:
		l(&r.Fqdn)
	case *dns.TALINK:
		l(&r.PreviousName)
		l(&r.NextName)
	case *dns.NSEC:
		l(&r.NextDomain)
		r.TypeBitMap = sortTypes(r.TypeBitMap)
	case *dns.NSEC3:
		r.TypeBitMap = sortTypes(r.TypeBitMap)
	case *dns.CSYNC:
		r.TypeBitMap = sortTypes(r.TypeBitMap)
	case *dns.RFC3597:
		r.Rdata = strings.ToLower(r.Rdata)
	}
}

func sortTypes(ts []uint16) []uint16 {
	slices.Sort(ts)
	return slices.Compact(ts)
}

// findOrigin finds the origin of a file that does not come with one: the
// first $ORIGIN before any record, else the owner of the SOA record.
func findOrigin(data []byte) (string, error) {
	lx := newLexer(data)
	scan := ""
	seenRecord := false
	var lastOwner []byte
	lastOrigin := ""
	for {
		ent, lerr, ok := lx.next()
		if !ok {
			break
		}
		if lerr != nil {
			continue
		}
		toks := ent.toks
		if !ent.initialWS && !toks[0].quoted {
			first := lx.text(toks[0])
			if len(first) > 0 && first[0] == '$' {
				if eqFold(first, "$ORIGIN") && len(toks) == 2 {
					if o, err := appendName(nil, lx.text(toks[1]), scan); err == nil {
						// "$ORIGIN ." is how named dumps a zone (a dynamic
						// zone's file after rndc freeze, a secondary's copy)
						// before the SOA's absolute owner: not the origin
						if !seenRecord && string(o) != "." {
							return string(o), nil
						}
						scan = string(o)
					}
				}
				continue
			}
		}
		i := 0
		if !ent.initialWS {
			lastOwner, lastOrigin = lx.text(toks[0]), scan
			i = 1
		}
		h, msg := parseHead(lx, toks, i)
		if msg == "" && h.typ == dns.TypeSOA && lastOwner != nil {
			o, err := appendName(nil, lastOwner, lastOrigin)
			if err != nil {
				return "", ErrNoOrigin
			}
			return string(o), nil
		}
		seenRecord = true
	}
	return "", ErrNoOrigin
}

// rdataText is the RDATA part of what miekg/dns prints for rr: what follows
// the owner, TTL, class and type, each ended by a tab (the owner is printed
// with escapes, so it holds no raw tab).
func rdataText(rr dns.RR) string {
	s := rr.String()
	for i := 0; i < 4; i++ {
		j := strings.IndexByte(s, '\t')
		if j < 0 {
			return ""
		}
		s = s[j+1:]
	}
	return s
}

// className is the mnemonic of a class, or CLASSnnn.
func className(c uint16) string {
	switch c {
	case dns.ClassINET:
		return "IN"
	case dns.ClassCHAOS:
		return "CH"
	case dns.ClassHESIOD:
		return "HS"
	case dns.ClassNONE:
		return "NONE"
	case dns.ClassANY:
		return "ANY"
	}
	return "CLASS" + strconv.Itoa(int(c))
}
