// Package plan is the zone-file backend of the apply engine: it reads BIND
// zone files into the zone set, turns a change set into the new contents
// of the files (patched, not regenerated; each zone's serial bumped once),
// and writes them all or nothing (temporary files, fsync, a rename manifest
// as the commit point, rename; retiring a zone file is part of the
// manifest). Building a plan never touches the disk.
package plan

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rdnsctl/rdnsctl/apply"
	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/report"
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
	// Retired files are renamed to RetiredTo: Path+".retired", or the
	// first free Path+".retired.N" (nothing is lost or overwritten; the
	// loader skips them).
	Retired   bool
	RetiredTo string
}

// Plan is a change set with the files it makes: the file backend's
// prepared write.
type Plan struct {
	Changes rdns.ChangeSet
	Files   []File
	// where Write keeps its manifest, and the roots every file must lie in
	dir   string
	roots []string
}

var _ apply.Prepared = (*Plan)(nil)

// Empty says whether the plan changes nothing.
func (p *Plan) Empty() bool { return len(p.Files) == 0 && p.Changes.Empty() }

// Targets are the files the plan writes.
func (p *Plan) Targets() []apply.Target {
	out := make([]apply.Target, len(p.Files))
	for i, f := range p.Files {
		out[i] = apply.Target{Zone: f.Zone, Path: f.Path, Created: f.Created, Retired: f.Retired}
	}
	return out
}

// Diff writes the unified diff of every file the plan changes.
func (p *Plan) Diff(w io.Writer) error {
	for _, fl := range p.Files {
		old, name := "a/"+fl.Path, "b/"+fl.Path
		if fl.Created {
			old = "/dev/null"
		}
		if fl.Retired {
			name = "b/" + fl.RetiredTo
		}
		if err := report.UnifiedDiff(w, old, name, fl.Old, fl.New); err != nil {
			return err
		}
	}
	return nil
}

// Apply writes the plan (Write) as the engine's prepared write.
func (p *Plan) Apply(ctx context.Context) (apply.Applied, error) {
	committed, err := p.Write(ctx)
	return apply.Applied{All: committed}, err
}

// Build computes the new contents of every file the change set touches.
// Changes of one zone are applied together, so each zone's serial is bumped
// once. retire lists zones (origins) whose file is to be retired.
func Build(s *zoneset.Set, cs rdns.ChangeSet, opt Options, retire ...string) (*Plan, error) {
	return BuildContext(context.Background(), s, cs, opt, retire...)
}

// BuildContext is Build, stopping with ctx's error when ctx is done.
func BuildContext(ctx context.Context, s *zoneset.Set, cs rdns.ChangeSet, opt Options, retire ...string) (*Plan, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	p := &Plan{Changes: cs}
	byZone, order := groupByZone(cs.Changes)
	for _, origin := range order {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
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
		old, err := os.ReadFile(f.Path)
		switch {
		case err == nil && bytes.Equal(old, f.New):
			continue // written by an earlier run: nothing to do
		case err == nil:
			return nil, &apply.ConflictError{Path: f.Path, Reason: "exists with other contents; refusing to overwrite it"}
		case !errors.Is(err, fs.ErrNotExist):
			return nil, err
		}
		f.Created = true
		p.Files = append(p.Files, f)
	}
	for _, origin := range retire {
		z := s.Zone(origin)
		if z == nil {
			return nil, &apply.NotFoundError{Zone: origin, Reason: "to retire, is not loaded"}
		}
		p.Files = append(p.Files, File{Zone: origin, Path: z.Path, Old: z.Files[0].Data, Retired: true, RetiredTo: zonefile.FreeRetiredName(z.Path)})
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
	if _, err := os.Lstat(path); err == nil {
		return File{}, &apply.ConflictError{Path: path, Reason: fmt.Sprintf("exists but was not loaded as zone %s; refusing to overwrite it", origin)}
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

// Write applies the plan: the extra files (outside the zones) first, each
// atomically; then every zone file through a temp file, fsync and rename,
// all or nothing, with a manifest of the renames and retires in the zones
// directory as the commit point, so that Recover can finish a write cut
// short. New zone files are written before the files that point into them.
// ctx stops the write before the commit point only. committed says whether
// the commit point was passed.
func (p *Plan) Write(ctx context.Context) (committed bool, err error) {
	var writes, extra []zonefile.FileWrite
	var retires []zonefile.Retire
	for _, f := range p.Files {
		switch {
		case f.Retired:
			retires = append(retires, zonefile.Retire{Path: f.Path, To: f.RetiredTo})
		case f.Created && p.dir != "" && !p.inRoots(f.Path):
			extra = append(extra, zonefile.FileWrite{Path: f.Path, Data: f.New})
		default:
			writes = append(writes, zonefile.FileWrite{Path: f.Path, Data: f.New})
		}
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
	if len(extra) > 0 {
		// new files outside the zones: no manifest can name them (a
		// manifest names only files inside the zones), so they go first,
		// and are removed again if the zones are not committed
		if err := ctx.Err(); err != nil {
			return false, err
		}
		if err := zonefile.WriteFiles(extra); err != nil {
			return false, err
		}
		defer func() {
			if !committed {
				for _, w := range extra {
					os.Remove(w.Path)
				}
			}
		}()
	}
	return zonefile.Commit(ctx, zonefile.Txn{Writes: writes, Retires: retires, Dir: p.dir, Roots: p.roots})
}

func (p *Plan) inRoots(path string) bool {
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return false
	}
	for _, r := range p.roots {
		if dir == r || strings.HasPrefix(dir, r+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

func (p *Plan) created(path string) bool {
	for _, f := range p.Files {
		if f.Path == path {
			return f.Created
		}
	}
	return false
}
