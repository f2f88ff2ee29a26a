// Package plan turns a change set into the new contents of zone files and
// writes them: the one path from preview to --write that every changing verb
// shares. Building a plan never touches the disk; Write applies it all or
// nothing.
package plan

import (
	"cmp"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zonefile"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// ZoneTemplate is the SOA and NS of zones the plan creates.
type ZoneTemplate struct {
	TTL                             uint32
	MName, RName                    string
	Refresh, Retry, Expire, Minimum uint32
	NS                              []string
}

// Options tune Build.
type Options struct {
	Now time.Time
	// Template makes new zones; without one, a new zone copies the SOA and
	// NS of the nearest loaded zone, with a fresh serial.
	Template *ZoneTemplate
	// Extra are further new files written with the plan (an exported zone
	// and its CSV); none may exist yet.
	Extra []File
}

// File is one file the plan writes.
type File struct {
	Zone    string
	Path    string
	Old     []byte // nil for a new file
	New     []byte // nil when the file is retired
	Created bool
	// Retired files are renamed to Path+".retired" (nothing is lost; the
	// loader skips them).
	Retired bool
}

// Plan is a change set with the files it makes.
type Plan struct {
	Changes rdns.ChangeSet
	Files   []File
}

// Empty says whether the plan changes nothing.
func (p *Plan) Empty() bool { return len(p.Files) == 0 && p.Changes.Empty() }

// Build computes the new contents of every file the change set touches.
// Changes of one zone are applied together, so each zone's serial is bumped
// once. retire lists zones (origins) whose file is to be retired.
func Build(s *zoneset.Set, cs rdns.ChangeSet, opt Options, retire ...string) (*Plan, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	p := &Plan{Changes: cs}
	byZone, order := groupByZone(cs.Changes)
	for _, origin := range order {
		changes := byZone[origin]
		if slices.Contains(retire, origin) {
			continue
		}
		z := s.Zone(origin)
		if z == nil {
			f, err := newZoneFile(s, origin, changes, opt)
			if err != nil {
				return nil, err
			}
			p.Files = append(p.Files, f)
			continue
		}
		out, err := z.Patch(changes, zonefile.PatchOptions{Now: opt.Now})
		if err != nil {
			return nil, fmt.Errorf("zone %s: %w", origin, err)
		}
		for idx, data := range out {
			path := z.FilePath(idx)
			p.Files = append(p.Files, File{Zone: origin, Path: path, Old: z.Files[idx].Data, New: data})
		}
	}
	for _, f := range opt.Extra {
		if _, err := os.Stat(f.Path); err == nil {
			return nil, fmt.Errorf("%s exists; refusing to overwrite it", f.Path)
		}
		f.Created = true
		p.Files = append(p.Files, f)
	}
	for _, origin := range retire {
		z := s.Zone(origin)
		if z == nil {
			return nil, fmt.Errorf("zone %s to retire is not loaded", origin)
		}
		p.Files = append(p.Files, File{Zone: origin, Path: z.Path, Old: z.Files[0].Data, Retired: true})
	}
	slices.SortFunc(p.Files, func(a, b File) int { return cmp.Compare(a.Path, b.Path) })
	return p, nil
}

// groupByZone splits the changes by zone. Changes of one zone usually stand
// together (they are sorted by address), and then each group is a sub-slice
// of the change set, not a copy.
func groupByZone(changes []rdns.Change) (map[string][]rdns.Change, []string) {
	byZone := map[string][]rdns.Change{}
	var order []string
	contiguous := true
	for i := 0; i < len(changes); {
		j := i + 1
		for j < len(changes) && changes[j].Zone == changes[i].Zone {
			j++
		}
		z := changes[i].Zone
		if _, seen := byZone[z]; seen {
			contiguous = false
			break
		}
		byZone[z] = changes[i:j:j]
		order = append(order, z)
		i = j
	}
	if contiguous {
		return byZone, order
	}
	byZone, order = map[string][]rdns.Change{}, nil
	for _, c := range changes {
		if _, ok := byZone[c.Zone]; !ok {
			order = append(order, c.Zone)
		}
		byZone[c.Zone] = append(byZone[c.Zone], c)
	}
	return byZone, order
}

// newZoneFile makes a zone file for a zone that does not exist yet.
func newZoneFile(s *zoneset.Set, origin string, changes []rdns.Change, opt Options) (File, error) {
	path := changes[0].File
	if path == "" {
		return File{}, fmt.Errorf("zone %s: no file named for the new zone", origin)
	}
	if _, err := os.Stat(path); err == nil {
		return File{}, fmt.Errorf("zone %s: %s exists but was not loaded as that zone; refusing to overwrite it", origin, path)
	}
	recs, ttl, err := ZoneHead(s, origin, opt.Template, opt.Now)
	if err != nil {
		return File{}, err
	}
	// per-address adds of a $GENERATE line are written as the line
	data, err := zonefile.EmitChanges(origin, ttl, recs, changes)
	if err != nil {
		return File{}, err
	}
	return File{Zone: origin, Path: path, New: data, Created: true}, nil
}

// ZoneHead returns the SOA (with a fresh serial) and NS records of a new
// zone, and its TTL: from the template, or copied from the nearest loaded
// zone.
func ZoneHead(s *zoneset.Set, origin string, t *ZoneTemplate, now time.Time) ([]zonefile.Record, uint32, error) {
	if t == nil || t.MName == "" || len(t.NS) == 0 {
		nt, err := templateFromNearest(s, origin)
		if err != nil {
			return nil, 0, err
		}
		t = nt
	}
	ttl := t.TTL
	if ttl == 0 {
		ttl = 86400
	}
	soa := zonefile.SOA{MName: t.MName, RName: t.RName, Serial: zonefile.NextSerial(0, now), Refresh: or(t.Refresh, 7200),
		Retry: or(t.Retry, 3600), Expire: or(t.Expire, 1209600), Minimum: or(t.Minimum, 3600)}
	recs := []zonefile.Record{{Name: origin, TTL: ttl, Class: zonefile.ClassINET, Type: zonefile.TypeSOA, Data: soa.Data(), Iter: -1}}
	for _, ns := range t.NS {
		recs = append(recs, zonefile.Record{Name: origin, TTL: ttl, Class: zonefile.ClassINET, Type: zonefile.TypeNS, Data: rdns.CanonicalHostname(ns), Iter: -1})
	}
	return recs, ttl, nil
}

func or(v, def uint32) uint32 {
	if v == 0 {
		return def
	}
	return v
}

// templateFromNearest copies the SOA and NS of the loaded zone nearest to
// origin: the one that covers it, else the closest block of its family.
func templateFromNearest(s *zoneset.Set, origin string) (*ZoneTemplate, error) {
	var target netip.Prefix
	if zn, err := rdns.ParseZoneName(origin, rdns.Slash); err == nil {
		target = zn.Prefix
	}
	var best *zoneset.Zone
	var bestDist uint64
	for _, z := range s.Zones {
		if !z.Reverse || !target.IsValid() || z.Name.Prefix.Addr().Is4() != target.Addr().Is4() {
			continue
		}
		if z.Name.Prefix.Overlaps(target) {
			best = z
			break
		}
		d := distance(z.Name.Prefix.Addr(), target.Addr())
		if best == nil || d < bestDist {
			best, bestDist = z, d
		}
	}
	if best == nil && len(s.Zones) > 0 {
		best = s.Zones[0]
	}
	if best == nil {
		return nil, fmt.Errorf("zone %s: no zone template in the config (zone_template: primary, contact, ns) and no loaded zone to copy SOA and NS from", origin)
	}
	t := &ZoneTemplate{}
	for _, r := range best.Records {
		if r.Name != best.Origin {
			continue
		}
		switch r.Type {
		case zonefile.TypeSOA:
			soa, err := zonefile.ParseSOA(r.Data)
			if err != nil {
				return nil, fmt.Errorf("zone %s: SOA of %s: %w", origin, best.Origin, err)
			}
			t.TTL, t.MName, t.RName = r.TTL, soa.MName, soa.RName
			t.Refresh, t.Retry, t.Expire, t.Minimum = soa.Refresh, soa.Retry, soa.Expire, soa.Minimum
		case zonefile.TypeNS:
			t.NS = append(t.NS, r.Data)
		}
	}
	if t.MName == "" || len(t.NS) == 0 {
		return nil, fmt.Errorf("zone %s: nearest zone %s has no SOA or NS to copy; set zone_template in the config", origin, best.Origin)
	}
	return t, nil
}

func distance(a, b netip.Addr) uint64 {
	x, y := a.As16(), b.As16()
	var d uint64
	for i := 0; i < 16; i++ {
		d = d<<8 | uint64(absDiff(x[i], y[i]))
		if d > 1<<55 {
			return 1 << 63
		}
	}
	return d
}

func absDiff(a, b byte) byte {
	if a > b {
		return a - b
	}
	return b - a
}

// Write applies the plan: every file through a temp file, fsync and rename,
// all or nothing. New zone files are written before the files that point
// into them. dir, when set, holds the write's manifest (the zones
// directory), so that zonefile.Recover can finish a write cut short.
func (p *Plan) Write(dir ...string) error {
	var writes []zonefile.FileWrite
	for _, f := range p.Files {
		if f.Retired {
			continue
		}
		writes = append(writes, zonefile.FileWrite{Path: f.Path, Data: f.New})
	}
	slices.SortStableFunc(writes, func(a, b zonefile.FileWrite) int {
		ca, cb := p.created(a.Path), p.created(b.Path)
		switch {
		case ca && !cb:
			return -1
		case cb && !ca:
			return 1
		}
		return 0
	})
	manifest := ""
	if len(dir) > 0 {
		manifest = dir[0]
	}
	if err := zonefile.WriteFilesLogged(writes, manifest); err != nil {
		return err
	}
	for _, f := range p.Files {
		if f.Retired {
			if err := os.Rename(f.Path, f.Path+".retired"); err != nil {
				return fmt.Errorf("retire %s: %w", f.Path, err)
			}
		}
	}
	return nil
}

func (p *Plan) created(path string) bool {
	for _, f := range p.Files {
		if f.Path == path {
			return f.Created
		}
	}
	return false
}

// Guard refuses a plan that deletes or replaces more than maxShare of the
// PTRs of any zone holding minPTRs or more (one upgrade of another tool once
// deleted every IPv6 PTR of its users).
func Guard(s *zoneset.Set, cs rdns.ChangeSet, maxShare float64, minPTRs int) error {
	// a PTR moved to another zone (deleted here, the same name added there
	// for the same address) is not lost
	type key struct {
		a    netip.Addr
		name string
	}
	removed := map[key]bool{}
	for i := range cs.Changes {
		c := &cs.Changes[i]
		if c.Type == "PTR" && (c.Action == rdns.Delete || c.Action == rdns.Replace) {
			removed[key{c.Addr, c.Old}] = true
		}
	}
	if len(removed) == 0 {
		return nil
	}
	for i := range cs.Changes {
		c := &cs.Changes[i]
		if c.Type == "PTR" && c.Action == rdns.Add && removed[key{c.Addr, c.New}] {
			delete(removed, key{c.Addr, c.New})
		}
	}
	hits := map[string]int{}
	for i := range cs.Changes {
		c := &cs.Changes[i]
		if c.Type == "PTR" && (c.Action == rdns.Delete || c.Action == rdns.Replace) && removed[key{c.Addr, c.Old}] {
			hits[c.Zone]++
		}
	}
	var bad []string
	for origin, n := range hits {
		z := s.Zone(origin)
		if z == nil {
			continue
		}
		total := z.Count()
		if total < minPTRs {
			continue
		}
		if share := float64(n) / float64(total); share > maxShare {
			bad = append(bad, fmt.Sprintf("%s: %d of %d PTRs (%.0f%%)", origin, n, total, 100*share))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	slices.Sort(bad)
	return fmt.Errorf("the plan deletes or replaces more than %.0f%% of the PTRs of %d zone(s) (give --force to go ahead, or raise --max-change):\n  %s",
		100*maxShare, len(bad), strings.Join(bad, "\n  "))
}
