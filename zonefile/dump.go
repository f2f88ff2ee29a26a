package zonefile

import (
	"bufio"
	"cmp"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// Loaded returns the records as BIND would hold them once loaded: records
// whose owner is outside the origin left out (BIND ignores them), exact
// duplicates dropped, and every RRset given one TTL the way BIND settles it
// (within a run of records for one owner the first TTL wins; a later run of
// the same RRset replaces the TTL). The result is in canonical order: owner
// (RFC 4034 section 6.1), then type, then RDATA.
func (z *Zone) Loaded() []Record {
	type key struct {
		name   string
		typ    uint16
		covers uint16 // the type an RRSIG covers: BIND keeps one RRset per covered type
	}
	keyOf := func(r Record) key {
		k := key{name: r.Name, typ: r.Type}
		if r.Type == dns.TypeRRSIG || r.Type == dns.TypeSIG {
			f := r.Data
			if i := strings.IndexAny(f, " \t"); i >= 0 {
				f = f[:i]
			}
			k.covers, _ = parseType([]byte(f))
		}
		return k
	}
	type rrset struct {
		batch int
		ttl   uint32
	}
	sets := make(map[key]*rrset)
	batch := 0
	prevName := ""
	prevFile := int32(-1)
	out := make([]Record, 0, len(z.Records))
	for _, r := range z.Records {
		if !IsSubdomain(r.Name, z.Origin) {
			continue
		}
		// BIND commits what it holds when the owner changes, at an
		// include's edges, and after every generated record.
		if r.Iter >= 0 || r.Name != prevName || r.File != prevFile {
			batch++
		}
		prevName, prevFile = r.Name, r.File
		if r.Iter >= 0 {
			prevName = ""
		}
		k := keyOf(r)
		s := sets[k]
		if s == nil {
			s = &rrset{batch: batch, ttl: r.TTL}
			sets[k] = s
		} else if s.batch != batch {
			s.batch, s.ttl = batch, r.TTL
		}
		out = append(out, r)
	}
	for i := range out {
		out[i].TTL = sets[keyOf(out[i])].ttl
	}
	SortRecords(out)
	return slices.CompactFunc(out, func(a, b Record) bool {
		return a.Name == b.Name && a.Type == b.Type && a.Data == b.Data
	})
}

// SortRecords sorts records in canonical order: owner name (RFC 4034 section
// 6.1), then type number, then RDATA text.
func SortRecords(rs []Record) {
	slices.SortStableFunc(rs, func(a, b Record) int {
		if c := CompareNames(a.Name, b.Name); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Type, b.Type); c != 0 {
			return c
		}
		return cmp.Compare(a.Data, b.Data)
	})
}

// Dump writes the zone as BIND would load it (see Loaded), one record per
// line, tab separated: name, TTL, class, type, RDATA, every name fully
// qualified. It compares with the output of
// named-compilezone -q -k ignore -i local -o - ORIGIN FILE.
func (z *Zone) Dump(w io.Writer) error {
	bw := bufio.NewWriter(w)
	var line []byte
	for _, r := range z.Loaded() {
		line = AppendRecord(line[:0], r)
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// AppendRecord appends one record in presentation format (without a
// newline): name, TTL, class, type and RDATA, tab separated.
func AppendRecord(b []byte, r Record) []byte {
	b = append(b, r.Name...)
	b = append(b, '\t')
	b = strconv.AppendUint(b, uint64(r.TTL), 10)
	b = append(b, '\t')
	b = append(b, className(r.Class)...)
	b = append(b, '\t')
	b = append(b, typeString(r.Type)...)
	b = append(b, '\t')
	b = append(b, r.Data...)
	return b
}
