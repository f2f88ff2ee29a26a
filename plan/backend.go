package plan

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rdnsctl/rdnsctl/apply"
	"github.com/rdnsctl/rdnsctl/zonefile"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// LockName is the lock file in every zones root.
const LockName = ".rdnsctl.lock"

// Backend is the zone-file backend: zones are BIND master files under one
// or more roots (directories; a zone file given alone has its directory as
// its root).
type Backend struct {
	Specs       []zoneset.Spec
	LoadOptions zoneset.Options
	Template    *ZoneTemplate
	Now         func() time.Time
	// roots are the real (symlinks resolved), absolute zones roots,
	// sorted: the zone set's identity whatever order it was given in
	roots []string
}

var _ apply.Backend = (*Backend)(nil)

// NewBackend is the backend of the zone files specs name.
func NewBackend(specs []zoneset.Spec, load zoneset.Options, t *ZoneTemplate, now func() time.Time) (*Backend, error) {
	b := &Backend{Specs: specs, LoadOptions: load, Template: t, Now: now}
	for _, s := range specs {
		if t := strings.ToLower(s.Type); t != "" && t != "primary" && t != "master" || s.Path == "" {
			continue // a secondary (named.conf) is never written: no lock for it
		}
		root := s.Path
		if st, err := os.Stat(root); err != nil || !st.IsDir() {
			root = filepath.Dir(root)
		}
		real, err := filepath.EvalSymlinks(root)
		if err != nil {
			return nil, fmt.Errorf("zones %s: %w", s.Path, err)
		}
		if real, err = filepath.Abs(real); err != nil {
			return nil, err
		}
		b.roots = append(b.roots, real)
	}
	if len(b.roots) == 0 {
		return nil, fmt.Errorf("no zones")
	}
	slices.Sort(b.roots)
	b.roots = slices.Compact(b.roots)
	return b, nil
}

// Roots are the zones roots, real paths, sorted.
func (b *Backend) Roots() []string { return slices.Clone(b.roots) }

// Locks is one lock file per root.
func (b *Backend) Locks() []string {
	out := make([]string, len(b.roots))
	for i, r := range b.roots {
		out[i] = filepath.Join(r, LockName)
	}
	return out
}

// StateDir is the first root (in sorted order): the write's manifest and
// journal batch live there.
func (b *Backend) StateDir() string { return b.roots[0] }

// Load reads the zone files.
func (b *Backend) Load(ctx context.Context) (*zoneset.Set, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return zoneset.Load(b.Specs, b.LoadOptions)
}

// Prepare builds the plan of a request.
func (b *Backend) Prepare(ctx context.Context, s *zoneset.Set, req apply.Request) (apply.Prepared, error) {
	return b.Build(ctx, s, req)
}

// Build is Prepare with the concrete plan.
func (b *Backend) Build(ctx context.Context, s *zoneset.Set, req apply.Request) (*Plan, error) {
	now := time.Now
	if b.Now != nil {
		now = b.Now
	}
	opt := Options{Now: now(), Template: b.Template}
	for _, x := range req.Extra {
		opt.Extra = append(opt.Extra, File{Zone: x.Zone, Path: x.Path, New: x.Data})
	}
	p, err := BuildContext(ctx, s, req.Changes, opt, req.Retire...)
	if err != nil {
		return nil, err
	}
	p.dir, p.roots = b.StateDir(), b.Roots()
	return p, nil
}

// Recover finishes a write cut short: the manifest of any root (the state
// directory's, and those an older rdnsctl left in another root) is
// completed.
func (b *Backend) Recover(ctx context.Context) (apply.Recovered, error) {
	var out apply.Recovered
	for _, dir := range b.roots {
		rec, err := zonefile.Recover(dir, b.roots...)
		for _, f := range rec.Renamed {
			out.Done = append(out.Done, "finished the interrupted write of "+f)
		}
		for _, f := range rec.Retired {
			out.Done = append(out.Done, "finished retiring "+f)
		}
		if err != nil {
			return out, err
		}
		if rec.Pending {
			out.Pending, out.Applied = true, apply.Applied{All: true}
		}
	}
	return out, nil
}

// Settle removes the manifests.
func (b *Backend) Settle() error {
	for _, dir := range b.roots {
		if err := zonefile.FinishWrite(dir); err != nil {
			return err
		}
	}
	return nil
}
