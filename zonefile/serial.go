package zonefile

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/miekg/dns"
)

// NextSerial is the SOA serial a changed zone gets, given its old serial and
// the time of the change (its date taken in UTC).
//
// A serial in date form, YYYYMMDDnn, stays in date form: max(old+1,
// today*100), where old+1 after nn=99 moves to the next day's 00. Any other
// serial counts up by one in RFC 1982 arithmetic (2^32-1 wraps around), and
// is never 0. A serial of 0 (no serial yet) starts the date form.
func NextSerial(old uint32, now time.Time) uint32 {
	today := dateSerial(now)
	if old == 0 {
		return today
	}
	if d, ok := serialDate(old); ok {
		next := old + 1
		if old%100 == 99 {
			next = dateSerial(d.AddDate(0, 0, 1))
		}
		if today > next && today-old < 1<<31 {
			return today
		}
		return next
	}
	next := old + 1
	if next == 0 {
		next = 1
	}
	return next
}

// dateSerial is YYYYMMDD00 for t's UTC date.
func dateSerial(t time.Time) uint32 {
	y, m, d := t.UTC().Date()
	return uint32(y)*1000000 + uint32(m)*10000 + uint32(d)*100
}

// serialDate reads YYYYMMDDnn when the date part is a real date between
// 1970 and 2199.
func serialDate(s uint32) (time.Time, bool) {
	day := s / 100
	y, m, d := int(day/10000), int(day/100%100), int(day%100)
	if y < 1970 || y > 2199 || m < 1 || m > 12 || d < 1 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}, false // 31 November and the like
	}
	return t, true
}

// BumpSerial changes the serial of the first SOA record in a master file to
// NextSerial(old, now), rewriting only the serial's token: every other byte
// stays as it is. It returns data itself when the file holds no SOA record.
func BumpSerial(data []byte, now time.Time) ([]byte, error) {
	lx := newLexer(data)
	for {
		ent, lerr, ok := lx.next()
		if !ok {
			return data, nil
		}
		if lerr != nil {
			continue
		}
		t, found, err := soaSerialToken(lx, &ent)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", ent.line, err)
		}
		if !found {
			continue
		}
		old, _ := strconv.ParseUint(string(lx.text(t)), 10, 32)
		next := strconv.AppendUint(nil, uint64(NextSerial(uint32(old), now)), 10)
		out := make([]byte, 0, len(data)+4)
		out = append(out, data[:t.s]...)
		out = append(out, next...)
		out = append(out, data[t.e:]...)
		return out, nil
	}
}

// soaSerialToken finds the serial of an SOA record entry; found is false for
// every other entry.
func soaSerialToken(lx *lexer, ent *lexEntry) (token, bool, error) {
	toks := ent.toks
	if len(toks) == 0 || (!ent.initialWS && !toks[0].quoted && len(lx.text(toks[0])) > 0 && lx.text(toks[0])[0] == '$') {
		return token{}, false, nil
	}
	i := 0
	if !ent.initialWS {
		i = 1
	}
	h, msg := parseHead(lx, toks, i)
	if msg != "" || h.typ != dns.TypeSOA {
		return token{}, false, nil
	}
	if h.next+2 >= len(toks) {
		return token{}, false, errors.New("SOA record without a serial")
	}
	t := toks[h.next+2]
	if t.quoted {
		return token{}, false, errors.New("SOA serial is quoted")
	}
	if _, err := strconv.ParseUint(string(lx.text(t)), 10, 32); err != nil {
		return token{}, false, fmt.Errorf("SOA serial %q is not a number", lx.text(t))
	}
	return t, true, nil
}
