package bulk

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"

	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zonefile"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// PTR is one address and its target, as exported or imported.
type PTR struct {
	Addr netip.Addr
	Name string
}

// ExportOptions are transfer export's parameters.
type ExportOptions struct {
	Block netip.Prefix
	Style rdns.Style
	// CNAMETo, when set, is the other provider's zone: our PTRs are replaced
	// by CNAMEs into it (RFC 2317 style) instead of being removed, and the
	// exported zone takes that origin.
	CNAMETo string
}

// Export plans the hand-over of a block's PTRs to another provider: it
// returns the PTRs (for the standalone zone and CSV), the origin of the
// exported zone, and the change set that removes them from our zones (or
// replaces them by CNAMEs into the other zone).
func Export(s *zoneset.Set, opt ExportOptions) ([]PTR, string, rdns.ChangeSet, error) {
	var cs rdns.ChangeSet
	b := opt.Block.Masked()
	origin := rdns.CanonicalHostname(opt.CNAMETo)
	var name rdns.ZoneName
	var err error
	if origin == "" {
		if b.Addr().Is4() && b.Bits() > 24 {
			origin, err = rdns.ClasslessOrigin(b, opt.Style)
		} else {
			origin, err = rdns.ZoneOrigin(b)
		}
		if err != nil {
			return nil, "", cs, fmt.Errorf("%s: %w (a block exported without --cname-to must be a zone of its own: octet- or nibble-aligned, or smaller than a /24)", b, err)
		}
	}
	if zn, err := rdns.ParseZoneName(origin, opt.Style); err == nil {
		name = zn
	}
	var out []PTR
	for _, z := range s.Zones {
		if !z.Reverse || !z.Name.Prefix.Overlaps(b) {
			continue
		}
		z.Each(func(a netip.Addr, _ int32, r *zonefile.Record) {
			if r.Type != zonefile.TypePTR || !b.Contains(a) {
				return
			}
			out = append(out, PTR{a, r.Data})
			c := rdns.Change{Action: rdns.Delete, Zone: z.Origin, File: z.FileOf(r), Line: int(r.Line), Name: r.Name, Addr: a,
				Type: "PTR", Old: r.Data, Reason: "exported to " + origin}
			cs.Changes = append(cs.Changes, c)
		})
	}
	if opt.CNAMETo != "" {
		// one CNAME per address that had a PTR, into the other zone
		seen := map[netip.Addr]bool{}
		for _, p := range out {
			if seen[p.Addr] {
				continue
			}
			seen[p.Addr] = true
			l := s.Lookup(p.Addr)
			if l.Zone == nil {
				continue
			}
			target := ownerIn(p.Addr, origin, name)
			cs.Changes = append(cs.Changes, rdns.Change{Action: rdns.Add, Zone: l.Zone.Origin, File: l.Zone.Path, Name: l.Owner, Addr: p.Addr,
				Type: "CNAME", New: target, Reason: "exported to " + origin})
			if generatesCNAMEs(l.Zone) {
				cs.Changes[len(cs.Changes)-1].Generate = "$." + origin // a candidate, for runs
			}
		}
		// as $GENERATE lines where the zone writes its CNAMEs so
		markRuns(cs.Changes, func(c *rdns.Change) (string, bool) {
			return c.Generate, c.Action == rdns.Add && c.Type == "CNAME" && c.Generate != ""
		})
		for i := range cs.Changes {
			if c := &cs.Changes[i]; c.Generate != "" && c.Range == "" {
				c.Generate = ""
			}
		}
	}
	slices.SortFunc(out, func(x, y PTR) int { return x.Addr.Compare(y.Addr) })
	cs.Sort()
	return out, origin, cs, nil
}

// ownerIn is the owner of a's PTR in the zone origin: the zone's own naming
// when it is a reverse zone, else the last octet (IPv4) under it.
func ownerIn(a netip.Addr, origin string, zn rdns.ZoneName) string {
	if zn.Prefix.IsValid() && zn.Prefix.Contains(a) {
		return zn.OwnerName(a)
	}
	if a.Is4() {
		return fmt.Sprintf("%d.%s", a.As4()[3], origin)
	}
	return rdns.ReverseName(a)
}

// ExportFiles renders the exported PTRs as a standalone zone file (with the
// given SOA/NS records first) and as CSV (ip,ptr).
func ExportFiles(ptrs []PTR, origin string, ttl uint32, head []zonefile.Record, style rdns.Style) (zone, csvData []byte) {
	zn, _ := rdns.ParseZoneName(origin, style)
	recs := slices.Clone(head)
	for _, p := range ptrs {
		recs = append(recs, zonefile.Record{Name: ownerIn(p.Addr, origin, zn), TTL: ttl, Class: zonefile.ClassINET, Type: zonefile.TypePTR, Data: p.Name, Iter: -1})
	}
	var cb bytes.Buffer
	w := csv.NewWriter(&cb)
	w.Write([]string{"ip", "ptr"})
	for _, p := range ptrs {
		w.Write([]string{p.Addr.String(), p.Name})
	}
	w.Flush()
	return zonefile.Emit(origin, ttl, recs), cb.Bytes()
}

// ImportOptions are transfer import's parameters.
type ImportOptions struct {
	Block     netip.Prefix
	Overwrite Overwrite
	NewZone   func(a netip.Addr) (origin, file string)
}

// Conflict is an imported PTR that disagrees with one already published.
type Conflict struct {
	Addr     netip.Addr
	Ours     []string
	Theirs   string
	Replaced bool
}

// Import re-homes another provider's PTRs for a block we received into our
// zone layout. PTRs outside the block are ignored; where we already publish
// a different name the PTR is a conflict, replaced only with OverwriteAll.
func Import(s *zoneset.Set, ptrs []PTR, opt ImportOptions) (rdns.ChangeSet, []Conflict, InitStats, error) {
	var cs rdns.ChangeSet
	var st InitStats
	var conflicts []Conflict
	for _, p := range ptrs {
		if !opt.Block.Contains(p.Addr) {
			continue
		}
		st.Addresses++
		if err := rdns.CheckHostname(p.Name); err != nil {
			return cs, nil, st, fmt.Errorf("%s: imported name %s is not a valid host name: %w", p.Addr, p.Name, err)
		}
		l := s.Lookup(p.Addr)
		if l.Status == zoneset.Delegated && l.Via != nil && l.CNAME >= 0 {
			// handed out by CNAME (transfer export --cname-to) and now back:
			// the CNAME gives way to the PTR
			z, r := l.Via, &l.Via.Records[l.CNAME]
			cs.Changes = append(cs.Changes,
				rdns.Change{Action: rdns.Delete, Zone: z.Origin, File: z.FileOf(r), Line: int(r.Line), Name: r.Name, Addr: p.Addr, Type: "CNAME", Old: r.Data, Reason: "imported"},
				rdns.Change{Action: rdns.Add, Zone: z.Origin, File: z.Path, Name: r.Name, Addr: p.Addr, Type: "PTR", New: p.Name, Reason: "imported"})
			continue
		}
		if l.Zone != nil && len(l.PTRs) > 0 {
			var ours []string
			for _, i := range l.PTRs {
				ours = append(ours, l.Zone.Records[i].Data)
			}
			if len(ours) == 1 && ours[0] == p.Name {
				st.Unchanged++
				continue
			}
			conflicts = append(conflicts, Conflict{Addr: p.Addr, Ours: ours, Theirs: p.Name, Replaced: opt.Overwrite == OverwriteAll})
			if opt.Overwrite != OverwriteAll {
				st.Kept++
				continue
			}
		}
		if err := planSet(s, p.Addr, p.Name, OverwriteAll, nil, opt.NewZone, &cs, &st); err != nil {
			return cs, nil, st, err
		}
	}
	cs.Sort()
	return cs, conflicts, st, nil
}

// ReadPTRs reads another provider's PTRs: a zone file (its origin from the
// file or given) or a CSV with ip and ptr (or hostname) columns.
func ReadPTRs(data []byte, name, origin string, style rdns.Style) ([]PTR, error) {
	trim := bytes.TrimSpace(data)
	if first, _, _ := bytes.Cut(trim, []byte("\n")); bytes.Count(first, []byte(",")) >= 1 && !bytes.Contains(first, []byte("SOA")) {
		return readPTRCSV(data, name)
	}
	z, err := zonefile.ParseBytes(data, name, zonefile.Options{Origin: origin})
	if z == nil {
		if err == nil {
			err = fmt.Errorf("%s: no zone", name)
		}
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	zn, err := rdns.ParseZoneName(z.Origin, style)
	var out []PTR
	for _, r := range z.Records {
		if r.Type != zonefile.TypePTR {
			continue
		}
		var a netip.Addr
		var perr error
		if err == nil {
			a, perr = zn.AddrOf(r.Name)
		} else {
			a, perr = rdns.ParseReverseName(r.Name)
		}
		if perr != nil {
			return nil, fmt.Errorf("%s:%d: %v", name, r.Line, perr)
		}
		out = append(out, PTR{a, r.Data})
	}
	return out, nil
}

func readPTRCSV(data []byte, name string) ([]PTR, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	ipCol, ptrCol := -1, -1
	for i, h := range header {
		switch strings.ToLower(strings.TrimSpace(h)) {
		case "ip", "address", "ip address":
			ipCol = i
		case "ptr", "hostname", "name", "dns_name":
			ptrCol = i
		}
	}
	if ipCol < 0 || ptrCol < 0 {
		return nil, fmt.Errorf("%s:1: want ip and ptr columns", name)
	}
	var out []PTR
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := r.FieldPos(0)
		if ipCol >= len(rec) || ptrCol >= len(rec) {
			return nil, fmt.Errorf("%s:%d: too few fields", name, line)
		}
		s := strings.TrimSpace(rec[ipCol])
		if i := strings.IndexByte(s, '/'); i >= 0 {
			s = s[:i]
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %q is not an address", name, line, rec[ipCol])
		}
		out = append(out, PTR{a.Unmap(), rdns.CanonicalHostname(rec[ptrCol])})
	}
	return out, nil
}
