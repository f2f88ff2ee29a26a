// Package live is the backend for a zone set spread over zone files and live
// servers: file-backed zones go through the zone-file backend (package plan),
// and every zone configured as {origin, server} is read from its server and
// written to it by a Writer (RFC 2136 UPDATE, or the PowerDNS API). The
// apply engine above sees one backend: one plan, one guard, one journal.
//
// A write applies the file part first (all or nothing, as always), then each
// server's zones in turn. A server write may apply only some of its messages;
// Apply reports exactly the changes that are live, and the engine journals
// those. After a crash, Recover asks the servers which changes of the saved
// batch are live, so that each is journaled exactly once.
package live

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rdnsctl/rdnsctl/apply"
	"github.com/rdnsctl/rdnsctl/journal"
	"github.com/rdnsctl/rdnsctl/plan"
	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zonefile"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// Writer reads and writes the zones of one live server.
type Writer interface {
	// Source names a zone of this server (axfr://NAME/ORIGIN).
	Source(origin string) string
	// Read reads the zone.
	Read(ctx context.Context, origin string) (*zonefile.Zone, error)
	// Write applies the changes of one zone, each conditional on the zone
	// still holding what seen says the plan saw. It returns the indices
	// (into changes) of those now live, also with an error, and the
	// zone's serial afterwards (0 when unknown). Added records get ttl.
	Write(ctx context.Context, origin string, changes []rdns.Change, seen func(owner string, typ uint16) []string, ttl uint32) (applied []int, serial uint32, err error)
}

// Creator is a Writer that can also make and remove zones (the PowerDNS
// API can; RFC 2136 cannot).
type Creator interface {
	Writer
	// Create makes the zone with these records (its SOA and NS among them).
	Create(ctx context.Context, origin string, records []zonefile.Record, ttl uint32) error
	// Delete removes the zone.
	Delete(ctx context.Context, origin string) error
}

// Zone is a zone on a server.
type Zone struct {
	Origin string
	Server string // the config's name
	Writer Writer
}

// Backend is the zone files (Files, nil when there are none) and the zones
// of live servers.
type Backend struct {
	Files  *plan.Backend
	Remote []Zone
	// State is the directory of the lock and the journal batch when there
	// are no zone files.
	State string
	// Hooks run around the file part of a write (the .jnl check, reloads).
	Hooks FileHooks
	// Create, when there are no zone files, is the server new zones are
	// made on (and retired zones removed from); CreateServer its name.
	// Template gives their SOA and NS (nil: copied from the nearest zone).
	Create       Creator
	CreateServer string
	Template     *plan.ZoneTemplate
	Now          func() time.Time

	// hookErr is the Written hook's failure of the last write: the files
	// are written and journaled all the same.
	hookErr error
}

// HookError is the failure of the Written hook (a reload) of the last
// write, whose files stay written and journaled.
func (b *Backend) HookError() error { return b.hookErr }

// FileHooks are what a live server needs around writing its zone files.
type FileHooks struct {
	// Check is called on the files a write will change, before anything
	// is written; an error stops the write (a BIND journal beside a file).
	Check func(targets []apply.Target) error
	// Written is called once the files are committed, with the zone set
	// as it was planned on and the zones written (reload them; keep the
	// server's list of zones). Its failure does not undo the write: it is
	// kept for HookError.
	Written func(ctx context.Context, s *zoneset.Set, targets []apply.Target) error
}

var _ apply.Backend = (*Backend)(nil)

func (b *Backend) remote(origin string) *Zone {
	for i := range b.Remote {
		if b.Remote[i].Origin == origin {
			return &b.Remote[i]
		}
	}
	return nil
}

// Locks are the zone files' locks, or one in State.
func (b *Backend) Locks() []string {
	if b.Files != nil {
		return b.Files.Locks()
	}
	return []string{filepath.Join(b.State, plan.LockName)}
}

// StateDir is the zone files' state directory, or State.
func (b *Backend) StateDir() string {
	if b.Files != nil {
		return b.Files.StateDir()
	}
	return b.State
}

// Load reads the zone files and every remote zone.
func (b *Backend) Load(ctx context.Context) (*zoneset.Set, error) {
	var s *zoneset.Set
	var err error
	if b.Files != nil {
		s, err = b.Files.Load(ctx)
	} else {
		s, err = zoneset.Load(nil, zoneset.Options{})
	}
	if err != nil {
		return nil, err
	}
	return s, b.LoadRemote(ctx, s)
}

// LoadRemote reads the remote zones into s, eight at a time.
func (b *Backend) LoadRemote(ctx context.Context, s *zoneset.Set) error {
	zones := make([]*zonefile.Zone, len(b.Remote))
	errs := make([]error, len(b.Remote))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, z := range b.Remote {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			zones[i], errs[i] = z.Writer.Read(ctx, z.Origin)
		}()
	}
	wg.Wait()
	for i, z := range b.Remote {
		if errs[i] != nil {
			return errs[i]
		}
		s.AddRemote(zones[i], z.Writer.Source(z.Origin))
	}
	return nil
}

// Prepare splits the change set between the zone files and the servers.
func (b *Backend) Prepare(ctx context.Context, s *zoneset.Set, req apply.Request) (apply.Prepared, error) {
	p := &prepared{b: b, s: s, n: len(req.Changes.Changes)}
	var files rdns.ChangeSet
	byZone := map[string][]int{}
	newIdx := map[string][]int{}
	var newOrder []string
	for i, c := range req.Changes.Changes {
		origin := zonefile.Fqdn(c.Zone)
		if z := b.remote(origin); z != nil {
			if _, ok := byZone[origin]; !ok {
				p.zones = append(p.zones, z)
			}
			byZone[origin] = append(byZone[origin], i)
			continue
		}
		if b.Files == nil && b.Create != nil && s.Zone(origin) == nil {
			if _, ok := newIdx[origin]; !ok {
				newOrder = append(newOrder, origin)
			}
			newIdx[origin] = append(newIdx[origin], i)
			continue
		}
		p.fileIdx = append(p.fileIdx, i)
		files.Changes = append(files.Changes, c)
	}
	for _, origin := range newOrder {
		nz, err := b.newZone(s, origin, req.Changes.Changes, newIdx[origin])
		if err != nil {
			return nil, err
		}
		p.create = append(p.create, nz)
	}
	var fileRetire []string
	for _, origin := range req.Retire {
		z := b.remote(zonefile.Fqdn(origin))
		if z == nil {
			fileRetire = append(fileRetire, origin)
			continue
		}
		c, ok := z.Writer.(Creator)
		if !ok {
			return nil, fmt.Errorf("zone %s lives on %s, which rdnsctl cannot remove zones from: remove it there", origin, z.Server)
		}
		p.retire = append(p.retire, retireZone{zone: z, creator: c})
	}
	slices.SortFunc(p.zones, func(a, b *Zone) int { return cmp.Compare(a.Origin, b.Origin) })
	for _, z := range p.zones {
		var cs []rdns.Change
		for _, i := range byZone[z.Origin] {
			cs = append(cs, req.Changes.Changes[i])
		}
		p.remote = append(p.remote, remoteWrite{zone: z, idx: byZone[z.Origin], changes: cs})
	}
	if len(files.Changes) > 0 || len(fileRetire) > 0 || len(req.Extra) > 0 {
		if b.Files == nil {
			what := "extra files"
			if len(files.Changes) > 0 {
				what = "zone " + files.Changes[0].Zone + ", which is not on any server"
			}
			return nil, fmt.Errorf("the change needs zone files (%s), but only zones on servers are configured (new zones are made on a server named by {server, all_reverse: true} in zones:)", what)
		}
		fp, err := b.Files.Build(ctx, s, apply.Request{Changes: files, Retire: fileRetire, Extra: req.Extra})
		if err != nil {
			return nil, err
		}
		p.files = fp
		if b.Hooks.Check != nil && !fp.Empty() {
			if err := b.Hooks.Check(fp.Targets()); err != nil {
				return nil, err
			}
		}
	}
	return p, nil
}

// newZone is a zone to make on the Create server.
type newZone struct {
	origin  string
	idx     []int
	records []zonefile.Record
	ttl     uint32
}

type retireZone struct {
	zone    *Zone
	creator Creator
}

func (b *Backend) newZone(s *zoneset.Set, origin string, changes []rdns.Change, idx []int) (newZone, error) {
	now := time.Now
	if b.Now != nil {
		now = b.Now
	}
	head, ttl, err := plan.ZoneHead(s, origin, b.Template, now())
	if err != nil {
		return newZone{}, err
	}
	nz := newZone{origin: origin, idx: idx, records: head, ttl: ttl}
	for _, i := range idx {
		c := changes[i]
		if c.Action != rdns.Add || c.Range != "" {
			return newZone{}, fmt.Errorf("zone %s does not exist on %s: only adds can make it (%s %s)", origin, b.CreateServer, c.Action, c.Name)
		}
		typ, ok := zonefile.TypeFromString(c.Type)
		if !ok {
			return newZone{}, fmt.Errorf("%s: unknown type %q", c.Name, c.Type)
		}
		nz.records = append(nz.records, zonefile.Record{Name: zonefile.Fqdn(c.Name), TTL: ttl, Class: zonefile.ClassINET, Type: typ, Data: c.New})
	}
	return nz, nil
}

type remoteWrite struct {
	zone    *Zone
	idx     []int // into the request's changes
	changes []rdns.Change
}

type prepared struct {
	b       *Backend
	s       *zoneset.Set
	n       int
	files   *plan.Plan
	fileIdx []int
	zones   []*Zone
	remote  []remoteWrite
	create  []newZone
	retire  []retireZone
}

func (p *prepared) Empty() bool {
	return (p.files == nil || p.files.Empty()) && len(p.remote) == 0 && len(p.create) == 0 && len(p.retire) == 0
}

func (p *prepared) Targets() []apply.Target {
	var out []apply.Target
	if p.files != nil {
		out = p.files.Targets()
	}
	for _, r := range p.remote {
		out = append(out, apply.Target{Zone: r.zone.Origin, Path: r.zone.Writer.Source(r.zone.Origin)})
	}
	for _, c := range p.create {
		out = append(out, apply.Target{Zone: c.origin, Path: p.b.Create.Source(c.origin), Created: true})
	}
	for _, r := range p.retire {
		out = append(out, apply.Target{Zone: r.zone.Origin, Path: r.zone.Writer.Source(r.zone.Origin), Retired: true})
	}
	slices.SortFunc(out, func(a, b apply.Target) int { return cmp.Compare(a.Zone, b.Zone) })
	return out
}

// Diff is the files' diff and, per server zone, the records an UPDATE
// would delete and add.
func (p *prepared) Diff(w io.Writer) error {
	if p.files != nil {
		if err := p.files.Diff(w); err != nil {
			return err
		}
	}
	for _, c := range p.create {
		fmt.Fprintf(w, "--- /dev/null\n+++ %s\n", p.b.Create.Source(c.origin))
		for _, r := range c.records {
			fmt.Fprintf(w, "+%s\n", strings.TrimSuffix(string(zonefile.AppendRecord(nil, r)), "\n"))
		}
	}
	for _, r := range p.retire {
		fmt.Fprintf(w, "--- %s\n+++ /dev/null (zone removed)\n", r.zone.Writer.Source(r.zone.Origin))
	}
	for _, r := range p.remote {
		fmt.Fprintf(w, "--- %s\n+++ %s\n", r.zone.Writer.Source(r.zone.Origin), r.zone.Writer.Source(r.zone.Origin))
		for _, c := range r.changes {
			if c.Old != "" && c.Action != rdns.Add {
				fmt.Fprintf(w, "-%s\t%s\t%s\n", c.Name, c.Type, c.Old)
			}
			if c.New != "" && c.Action != rdns.Delete {
				fmt.Fprintf(w, "+%s\t%s\t%s\n", c.Name, c.Type, c.New)
			}
		}
	}
	return nil
}

// seen answers a server's prerequisite question from the loaded zone,
// through an index of its records by owner and type made on first use.
func (p *prepared) seen(origin string) func(owner string, typ uint16) []string {
	z := p.s.Zone(origin)
	type key struct {
		owner string
		typ   uint16
	}
	var idx map[key][]string
	return func(owner string, typ uint16) []string {
		if z == nil {
			return nil
		}
		if idx == nil {
			idx = make(map[key][]string, len(z.Records))
			for _, r := range z.Records {
				k := key{r.Name, r.Type}
				idx[k] = append(idx[k], r.Data)
			}
		}
		return idx[key{owner, typ}]
	}
}

// ttl is the TTL new records of a server zone get: that of its first PTR,
// else of its SOA, else an hour.
func (p *prepared) ttl(origin string) uint32 {
	z := p.s.Zone(origin)
	if z == nil {
		return 3600
	}
	var soa uint32 = 3600
	for _, r := range z.Records {
		switch r.Type {
		case zonefile.TypePTR:
			return r.TTL
		case zonefile.TypeSOA:
			soa = r.TTL
		}
	}
	return soa
}

// PartialError says which server writes were applied when one failed.
type PartialError struct {
	Applied []string // zones fully or partly written
	Err     error
}

func (e *PartialError) Error() string {
	if len(e.Applied) == 0 {
		return e.Err.Error()
	}
	return fmt.Sprintf("%v\n(already applied and journaled: %s; run the command again to finish the rest)", e.Err, strings.Join(e.Applied, ", "))
}

func (e *PartialError) Unwrap() error { return e.Err }

// Apply writes the files (all or nothing), then each server zone.
func (p *prepared) Apply(ctx context.Context) (apply.Applied, error) {
	var live []int
	all := true
	if p.files != nil && !p.files.Empty() {
		committed, err := p.files.Write(ctx)
		if !committed {
			return apply.Applied{}, err
		}
		live = append(live, p.fileIdx...)
		if p.b.Hooks.Written != nil {
			p.b.hookErr = p.b.Hooks.Written(context.WithoutCancel(ctx), p.s, p.files.Targets())
		}
		if err != nil {
			return p.result(live, false), err
		}
	} else {
		live = append(live, p.fileIdx...)
	}
	var done []string
	// new zones first (a delegation's child before the parent's CNAMEs)
	for _, c := range p.create {
		if err := ctx.Err(); err != nil && len(live) == 0 {
			return apply.Applied{}, err
		}
		if err := p.b.Create.Create(ctx, c.origin, c.records, c.ttl); err != nil {
			return p.result(live, false), &PartialError{Applied: done, Err: err}
		}
		live = append(live, c.idx...)
		done = append(done, strings.TrimSuffix(c.origin, ".")+" (made)")
	}
	for _, r := range p.remote {
		if err := ctx.Err(); err != nil && len(live) == 0 {
			return apply.Applied{}, err
		}
		got, _, err := r.zone.Writer.Write(ctx, r.zone.Origin, r.changes, p.seen(r.zone.Origin), p.ttl(r.zone.Origin))
		for _, i := range got {
			live = append(live, r.idx[i])
		}
		if len(got) > 0 {
			done = append(done, fmt.Sprintf("%s (%d of %d changes)", strings.TrimSuffix(r.zone.Origin, "."), len(got), len(r.changes)))
		}
		if err != nil {
			return p.result(live, false), &PartialError{Applied: done, Err: err}
		}
		if len(got) != len(r.changes) {
			all = false
		}
	}
	// zones removed last (an undelegated child once the parent has its
	// PTRs back)
	for _, r := range p.retire {
		if err := r.creator.Delete(ctx, r.zone.Origin); err != nil {
			return p.result(live, false), &PartialError{Applied: done, Err: err}
		}
		done = append(done, strings.TrimSuffix(r.zone.Origin, ".")+" (removed)")
	}
	return p.result(live, all), nil
}

func (p *prepared) result(live []int, all bool) apply.Applied {
	if all && len(live) == p.n {
		return apply.Applied{All: true}
	}
	slices.Sort(live)
	return apply.Applied{Some: live}
}

// Recover finishes the zone files' interrupted write and asks the servers
// which remote changes of the saved batch are live.
func (b *Backend) Recover(ctx context.Context) (apply.Recovered, error) {
	var out apply.Recovered
	if b.Files != nil {
		rec, err := b.Files.Recover(ctx)
		if err != nil {
			return rec, err
		}
		out = rec
	}
	batch := filepath.Join(b.StateDir(), apply.BatchName)
	if _, err := os.Lstat(journal.MarkPath(batch)); err == nil {
		// the append of this batch began: it holds exactly the changes
		// that were live when it was made
		out.Pending, out.Applied = true, apply.Applied{All: true}
		return out, nil
	}
	entries, _, err := journal.ReadFile(batch, journal.Filter{})
	if errors.Is(err, os.ErrNotExist) || len(entries) == 0 {
		return out, nil
	}
	if err != nil {
		return out, err
	}
	var some []int
	anyRemote := false
	cache := map[string]*zonefile.Zone{}
	for i, e := range entries {
		origin := zonefile.Fqdn(e.Zone)
		var w Writer
		server := b.CreateServer
		if z := b.remote(origin); z != nil {
			w, server = z.Writer, z.Server
		} else if b.Files == nil && b.Create != nil {
			w = b.Create // a zone the write was making
		}
		if w == nil {
			if out.Pending {
				some = append(some, i)
			}
			continue
		}
		anyRemote = true
		zz, ok := cache[origin]
		if !ok {
			zz, err = w.Read(ctx, origin)
			if err != nil && b.remote(origin) != nil {
				return out, fmt.Errorf("asking %s which changes of the interrupted write are live: %w", server, err)
			}
			cache[origin] = zz // nil: a zone never made
		}
		if zz != nil && isLive(zz, e) {
			some = append(some, i)
		}
	}
	if !anyRemote {
		return out, nil
	}
	if len(some) > 0 {
		out.Pending = true
		out.Applied = apply.Applied{Some: some}
		out.Done = append(out.Done, fmt.Sprintf("the servers hold %d change(s) of the interrupted write", len(some)))
	}
	return out, nil
}

// isLive says whether the zone holds what the change made.
func isLive(z *zonefile.Zone, e journal.Entry) bool {
	typ, _ := zonefile.TypeFromString(e.Type)
	owner := zonefile.Fqdn(e.Name)
	has := func(data string) bool {
		for _, r := range z.Records {
			if r.Name == owner && r.Type == typ && strings.EqualFold(r.Data, data) {
				return true
			}
		}
		return false
	}
	switch rdns.Action(e.Action) {
	case rdns.Delete:
		return !has(e.Old)
	default:
		return has(e.New) && (e.Old == "" || e.Action == string(rdns.Add) || !has(e.Old))
	}
}

// Settle forgets the zone files' manifest.
func (b *Backend) Settle() error {
	if b.Files != nil {
		return b.Files.Settle()
	}
	return nil
}
