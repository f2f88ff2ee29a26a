package zoneset

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rdnsctl/rdnsctl/rdns"
	"github.com/rdnsctl/rdnsctl/zonefile"
)

// Spec is one path to load: a directory (every zone file below it) or a
// file, with the origin named in the config or in named.conf when the file
// does not say it.
type Spec struct {
	Path   string
	Origin string
	// Root is the directory the zone's $INCLUDEs and a symlinked zone
	// file's target are confined to; empty means the directory itself (for
	// a directory) or the file's directory.
	Root string
	// Type is the zone's type as named.conf says it ("primary",
	// "secondary", "stub", ...); empty means a primary. Only primary zones
	// are read; the others are listed in Set.NotLoaded and never written.
	Type string
	// ReadOnly, when not empty, is why rdnsctl must not write the zone
	// (a dynamic zone: "update-policy", "allow-update"); it is still read.
	ReadOnly string
	// Dynamic marks a zone that takes dynamic updates (RFC 2136): its
	// file may be behind its journal, and only the server may change it.
	Dynamic bool
	// View and Source say where the zone was named: named.conf's view and
	// FILE:LINE of its zone statement.
	View   string
	Source string
}

// Options tune loading.
type Options struct {
	// Style decides classless labels that read two ways ("0-31").
	Style rdns.Style
	// Strict makes the first malformed line fatal.
	Strict bool
	// Progress counts files loaded.
	Progress rdns.Progress
	// ReadOnly drops what only patching needs (the files' bytes and
	// entries) as soon as a zone is parsed: a run that will not write holds
	// a third less.
	ReadOnly bool
	// IncludeBase is where relative $INCLUDE paths are read from first, as
	// BIND reads them from named's `directory` (config include_base, or
	// named.conf's directory); "" is the working directory, as
	// named-checkzone does. It is also a directory includes may come from.
	// With LoadFS it is a path inside the file system.
	IncludeBase string
	// MaxGenerate caps the records of one $GENERATE line
	// (zonefile.DefaultMaxGenerate when 0).
	MaxGenerate int
}

// Zone is a loaded zone with what its origin says about its addresses.
type Zone struct {
	*zonefile.Zone
	// Name is the parsed reverse origin; Reverse is false for a zone that
	// is not under in-addr.arpa or ip6.arpa (a forward zone).
	Name    rdns.ZoneName
	Reverse bool
	// Path is the main file on disk (the target when the zone was found
	// through a symlink: writes go there and the link stays); Root the
	// directory its includes are confined to.
	Path string
	Root string
	// Link is the symlink the zone file was found through, or "".
	Link string
	// Type is the zone's type ("primary" unless named.conf says more),
	// View and Source where named.conf names it (both empty without it).
	Type   string
	View   string
	Source string
	// ReadOnly, when not empty, says why no write may touch this zone: a
	// dynamic zone, or one whose $INCLUDE failed (its records are
	// incomplete, so a write planned on them could duplicate or lose PTRs).
	ReadOnly string
	// Dynamic is true for a zone that takes dynamic updates.
	Dynamic bool

	job    job
	stamps []stamp
	refs   []ref           // PTR and CNAME records by address
	cuts   map[string]bool // owners of NS records below the apex: delegations
}

type ref struct {
	addr netip.Addr
	rec  int32
}

// stamp is what a file looked like when it was read, to tell a changed file.
type stamp struct {
	rel   string // path in the job's file system, or on disk when disk
	disk  bool
	size  int64
	mtime time.Time
}

// Set is every loaded zone.
type Set struct {
	Zones []*Zone // sorted by prefix (reverse zones first), then origin
	// Problems are malformed lines and files that could not be loaded;
	// each names its file and line. They do not stop the load unless
	// Options.Strict.
	Problems []error
	// Skipped are files of a zones directory that were not read because
	// their names mark them as backups or editor leftovers.
	Skipped []Skipped
	// NotLoaded are the zones that are named (by a file, the config or
	// named.conf) but whose records are not in the set: zones that failed
	// to load and zones of another type than primary. No write may touch
	// their address space.
	NotLoaded []NotLoaded
	// Conflicts are origins that more than one file claims. No write may
	// happen while there is one; reads use the first file.
	Conflicts []Conflict

	opt      Options
	byPrefix map[netip.Prefix]*Zone
	bits4    []int // prefix lengths present, longest first
	bits6    []int
	byOrigin map[string]*Zone
}

// Skipped is a file left out of the load, and why.
type Skipped struct {
	Path   string
	Reason string
}

// NotLoaded is a zone whose records are not in the set.
type NotLoaded struct {
	// Origin is the zone's name; empty when it could not be told (a file
	// without $ORIGIN whose name says nothing): then no write may happen
	// at all, since any address could be its.
	Origin string
	// Prefix is the block of a reverse zone (invalid otherwise).
	Prefix netip.Prefix
	Path   string
	// Type is the zone's type ("primary" for a zone that failed).
	Type   string
	View   string
	Source string
	// Err is why it is not loaded: the load error, or the zone's type.
	Err error
}

// ConflictError is the problem of a file whose origin an earlier file of
// the set already claims.
type ConflictError struct {
	File   string // the file left out
	Origin string
	Read   string // the file read for the origin
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s: zone %s is also in %s: reading %s; no write is possible until one of them is removed", e.File, e.Origin, e.Read, e.Read)
}

// Conflict is an origin claimed by several files; Files[0] is the one read.
type Conflict struct {
	Origin string
	Files  []string
}

// Style is the classless label style the set was loaded with: the style
// writers must use for new child zones and CNAMEs, so that what they write
// reads back as the same block.
func (s *Set) Style() rdns.Style { return s.opt.Style }

// job is one zone file to read.
type job struct {
	fsys fs.FS
	// root is the directory on disk fsys is rooted at ("" for LoadFS);
	// rel the file's slash path inside fsys.
	root, rel string
	// key tells two jobs for one file apart (the real path on disk).
	key    string
	keyDir string // the real path of root, for the keys of included files
	origin string
	path   string // where the zone is written: the target of a symlink
	link   string
	spec   Spec
	roots  []string // every zones root on disk: includes may come from any
}

func (j job) display() string {
	if j.link != "" {
		return j.link
	}
	return j.path
}

// IsBackupName says whether a file name marks a backup copy or an editor's
// leftover rather than a zone: *~, #*#, *.bak, *.orig, *.ori*, *.old,
// *.rej, *.swp, *.retired, package managers' *.rpmsave/*.dpkg-old, and a
// date suffix (db.x.20181126, db.x-20181126, db.x.2018112601).
func IsBackupName(name string) bool {
	lower := strings.ToLower(name)
	if strings.HasSuffix(lower, "~") || (len(lower) > 1 && lower[0] == '#' && lower[len(lower)-1] == '#') {
		return true
	}
	// the last extension, or the one before a number (db.x.bak.1)
	parts := strings.Split(lower, ".")[1:]
	if n := len(parts); n > 1 && isDigits(parts[n-1]) {
		parts = parts[n-2:]
	} else if n > 0 {
		parts = parts[n-1:]
	}
	for _, ext := range parts {
		switch ext {
		case "bak", "bck", "backup", "ori", "orig", "original", "old", "rej", "swp", "swo", "retired", "save",
			"rpmsave", "rpmnew", "rpmorig", "dpkg-old", "dpkg-dist", "dpkg-new", "dpkg-bak", "ucf-old", "ucf-dist":
			return true
		}
	}
	// a date suffix after '.', '-' or '_'
	i := strings.LastIndexAny(lower, ".-_")
	return i > 0 && isDateStamp(lower[i+1:])
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// isDateStamp: YYYYMMDD, optionally followed by two digits (a serial) or
// HHMM[SS], with a plausible year, month and day.
func isDateStamp(s string) bool {
	switch len(s) {
	case 8, 10, 12, 14:
	default:
		return false
	}
	if !isDigits(s) {
		return false
	}
	y := s[:4]
	m := (s[4]-'0')*10 + s[5] - '0'
	d := (s[6]-'0')*10 + s[7] - '0'
	return (y[:2] == "19" || y[:2] == "20") && m >= 1 && m <= 12 && d >= 1 && d <= 31
}

// notZone says whether a file found in a zones directory is obviously not a
// zone file (and not worth mentioning): hidden files, configuration, keys,
// journals, scripts.
func notZone(name string) bool {
	if strings.HasPrefix(name, ".") {
		return true
	}
	// named's temporary file while it dumps a zone (tmp-XXXXXXXXXX)
	if len(name) == 14 && strings.HasPrefix(name, "tmp-") {
		return true
	}
	switch strings.ToLower(path.Ext(name)) {
	case ".conf", ".yaml", ".yml", ".json", ".jsonl", ".csv", ".md", ".txt", ".jnl", ".lock", ".key", ".private", ".tmp", ".sh", ".go", ".signed", ".jbk", ".mkeys":
		return true
	}
	return false
}

// Load reads every zone named by specs from the file system.
func Load(specs []Spec, opt Options) (*Set, error) {
	return load(nil, specs, opt)
}

// LoadFS reads every zone named by specs from fsys: spec paths are slash
// paths inside fsys, $INCLUDEs are read from fsys, and zone paths are those
// paths. Symlinked zone files are refused (an fs.FS cannot say where they
// lead).
func LoadFS(fsys fs.FS, specs []Spec, opt Options) (*Set, error) {
	if fsys == nil {
		return nil, errors.New("zoneset: nil file system")
	}
	return load(fsys, specs, opt)
}

// collector gathers the jobs of a load.
type collector struct {
	jobs      []job
	skipped   []Skipped
	notLoaded []NotLoaded
	problems  []error
	roots     []string // real paths of the roots, for symlink targets
	real      map[string]string
	style     rdns.Style
}

func (c *collector) fail(spec Spec, p, origin string, err error) {
	c.notLoaded = append(c.notLoaded, failed(spec, p, origin, err, c.style))
	c.problems = append(c.problems, err)
}

// failed describes a zone file that could not be loaded.
func failed(spec Spec, p, origin string, err error, style rdns.Style) NotLoaded {
	if origin == "" {
		origin = spec.Origin
	}
	if origin == "" {
		origin, _ = zonefile.OriginFromFileName(p)
	}
	origin = canonicalOrigin(origin)
	nl := NotLoaded{Origin: origin, Path: p, Type: "primary", View: spec.View, Source: spec.Source, Err: err}
	if zn, e := rdns.ParseZoneName(origin, style); e == nil && origin != "" {
		nl.Prefix = zn.Prefix
	}
	return nl
}

func canonicalOrigin(o string) string {
	if o == "" {
		return ""
	}
	return strings.ToLower(zonefile.Fqdn(o))
}

func load(vfs fs.FS, specs []Spec, opt Options) (*Set, error) {
	c := &collector{style: opt.Style}
	if vfs == nil {
		for _, sp := range specs {
			root := sp.Root
			if root == "" {
				root = sp.Path
				if st, err := os.Stat(sp.Path); err == nil && !st.IsDir() {
					root = filepath.Dir(sp.Path)
				}
			}
			if real, err := filepath.EvalSymlinks(root); err == nil {
				if abs, err := filepath.Abs(real); err == nil && !slices.Contains(c.roots, abs) {
					c.roots = append(c.roots, abs)
				}
			}
		}
	}
	for _, sp := range specs {
		if t := normalType(sp.Type); t != "primary" {
			origin := canonicalOrigin(sp.Origin)
			nl := NotLoaded{Origin: origin, Path: sp.Path, Type: t, View: sp.View, Source: sp.Source,
				Err: fmt.Errorf("%s zone: rdnsctl reads and writes only primary zones", t)}
			if zn, err := rdns.ParseZoneName(origin, opt.Style); err == nil {
				nl.Prefix = zn.Prefix
			}
			c.notLoaded = append(c.notLoaded, nl)
			continue
		}
		var err error
		if vfs == nil {
			err = c.addOS(sp)
		} else {
			err = c.addFS(vfs, sp)
		}
		if err != nil && sp.Source != "" {
			return nil, fmt.Errorf("%s: zone %s: %w", sp.Source, canonicalOrigin(sp.Origin), err)
		}
		if err != nil {
			return nil, err
		}
	}
	// A file named with an origin (in the config, in named.conf) keeps
	// that origin even when a directory walk finds it too; a file is
	// loaded once per origin (named.conf may serve one file as several
	// zones).
	explicit := map[string]bool{}
	for _, j := range c.jobs {
		if j.origin != "" {
			explicit[j.key] = true
		}
	}
	seen := map[string]bool{}
	jobs := c.jobs[:0]
	for _, j := range c.jobs {
		if j.origin == "" && explicit[j.key] {
			continue
		}
		k := j.key + "\x00" + canonicalOrigin(j.origin)
		if seen[k] {
			continue
		}
		seen[k] = true
		jobs = append(jobs, j)
	}

	type result struct {
		zone     *Zone
		fatal    error // the file could not be read: the whole load fails
		err      error // the zone could not be loaded
		problems error // malformed lines
	}
	results := make([]result, len(jobs))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				var r result
				r.zone, r.problems, r.err, r.fatal = loadJob(jobs[i], opt)
				results[i] = r
				rdns.Tick(opt.Progress, 1)
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()

	// Files that another zone includes are part of that zone, not zones.
	included := map[string]bool{}
	for _, r := range results {
		if r.zone == nil {
			continue
		}
		for _, f := range r.zone.Files[1:] {
			included[includeKey(r.zone.job, f.Path)] = true
		}
	}
	s := &Set{opt: opt, byPrefix: map[netip.Prefix]*Zone{}, byOrigin: map[string]*Zone{},
		Skipped: c.skipped, NotLoaded: c.notLoaded}
	if opt.Strict && len(c.problems) > 0 {
		return nil, c.problems[0]
	}
	s.Problems = append(s.Problems, c.problems...)
	conflicts := map[string]int{}
	for i, r := range results {
		if included[jobs[i].key] {
			continue
		}
		if r.fatal != nil {
			return nil, r.fatal
		}
		if r.err != nil {
			if opt.Strict {
				return nil, r.err
			}
			s.NotLoaded = append(s.NotLoaded, failed(jobs[i].spec, jobs[i].display(), jobs[i].origin, r.err, opt.Style))
			s.Problems = append(s.Problems, r.err)
			continue
		}
		if r.problems != nil {
			if opt.Strict {
				return nil, r.problems
			}
			s.Problems = append(s.Problems, unwrapAll(r.problems)...)
		}
		if prev, dup := s.byOrigin[r.zone.Origin]; dup {
			k, ok := conflicts[r.zone.Origin]
			if !ok {
				k = len(s.Conflicts)
				conflicts[r.zone.Origin] = k
				s.Conflicts = append(s.Conflicts, Conflict{Origin: r.zone.Origin, Files: []string{prev.job.display()}})
			}
			s.Conflicts[k].Files = append(s.Conflicts[k].Files, r.zone.job.display())
			s.Problems = append(s.Problems, &ConflictError{File: r.zone.job.display(), Origin: r.zone.Origin, Read: prev.job.display()})
			continue
		}
		s.add(r.zone)
	}
	s.markShared()
	s.finish()
	return s, nil
}

// markShared makes read-only the zones that share one file (named.conf
// may serve one file as several zones).
func (s *Set) markShared() {
	shared := map[string][]*Zone{}
	for _, z := range s.Zones {
		shared[z.job.key] = append(shared[z.job.key], z)
	}
	for _, zs := range shared {
		if len(zs) < 2 {
			continue
		}
		for _, z := range zs {
			var others []string
			for _, o := range zs {
				if o != z {
					others = append(others, o.Origin)
				}
			}
			if z.ReadOnly == "" {
				z.ReadOnly = fmt.Sprintf("its file %s is also zone %s: a change to one would change both", z.Path, strings.Join(others, ", "))
			}
		}
	}
}

func normalType(t string) string {
	switch strings.ToLower(t) {
	case "", "primary", "master":
		return "primary"
	case "slave":
		return "secondary"
	}
	return strings.ToLower(t)
}

// includeKey is the key of a file a zone includes (path is its path in the
// zone's file system).
func includeKey(j job, p string) string {
	if j.keyDir == "" {
		return path.Clean(p)
	}
	if filepath.IsAbs(p) {
		return p // outside the zone's root: already its real path
	}
	return filepath.Join(j.keyDir, filepath.FromSlash(p))
}

// addOS adds the jobs of one spec on disk.
func (c *collector) addOS(sp Spec) error {
	st, err := os.Lstat(sp.Path)
	if err != nil {
		return err
	}
	if st.IsDir() {
		return c.walkOS(sp)
	}
	root := sp.Root
	if root == "" {
		root = filepath.Dir(sp.Path)
	}
	rel, err := filepath.Rel(root, sp.Path)
	if err != nil || !filepath.IsLocal(rel) {
		return fmt.Errorf("%s: not inside %s", sp.Path, root)
	}
	if st.Mode()&fs.ModeSymlink != 0 {
		if tst, err := os.Stat(sp.Path); err == nil && tst.IsDir() {
			sp.Root = sp.Path
			return c.walkOS(sp)
		}
	}
	c.addFileOS(sp, root, filepath.ToSlash(rel), st.Mode())
	return nil
}

func (c *collector) walkOS(sp Spec) error {
	root := sp.Path
	fsys := os.DirFS(root)
	return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", filepath.Join(root, filepath.FromSlash(p)), err)
		}
		if d.IsDir() {
			if p != "." && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		name := d.Name()
		if notZone(name) {
			return nil
		}
		if IsBackupName(name) {
			c.skipped = append(c.skipped, Skipped{Path: filepath.Join(root, filepath.FromSlash(p)), Reason: "backup or editor leftover"})
			return nil
		}
		c.addFileOS(Spec{Path: root, Root: sp.Root}, root, p, d.Type())
		return nil
	})
}

// addFileOS adds one zone file found at rel under root (mode from Lstat).
func (c *collector) addFileOS(sp Spec, root, rel string, mode fs.FileMode) {
	full := filepath.Join(root, filepath.FromSlash(rel))
	if sp.Root != "" {
		root = sp.Root
		r, err := filepath.Rel(root, full)
		if err != nil || !filepath.IsLocal(r) {
			c.fail(sp, full, "", fmt.Errorf("%s: not inside %s", full, root))
			return
		}
		rel = filepath.ToSlash(r)
	}
	keyDir := c.realDir(root)
	j := job{fsys: os.DirFS(root), root: root, rel: rel, key: filepath.Join(keyDir, filepath.FromSlash(rel)), keyDir: keyDir,
		origin: sp.Origin, path: full, spec: sp}
	switch {
	case mode&fs.ModeSymlink != 0:
		target, err := filepath.EvalSymlinks(full)
		if err != nil {
			c.fail(sp, full, "", fmt.Errorf("%s: symlink: %w", full, err))
			return
		}
		target, _ = filepath.Abs(target)
		st, err := os.Stat(target)
		if err != nil {
			c.fail(sp, full, "", fmt.Errorf("%s: symlink: %w", full, err))
			return
		}
		if !st.Mode().IsRegular() {
			c.fail(sp, full, "", fmt.Errorf("%s: symlink to %s, which is not a regular file: refused", full, target))
			return
		}
		if !c.inRoots(target) {
			c.fail(sp, full, "", fmt.Errorf("%s: symlink to %s, outside the zones directories: refused (name the target, or move it inside)", full, target))
			return
		}
		j.link, j.path, j.key = full, target, target
	case !mode.IsRegular():
		c.fail(sp, full, "", fmt.Errorf("%s: not a regular file (%s): refused", full, zonefile.FileKind(mode)))
		return
	}
	j.roots = c.roots
	c.jobs = append(c.jobs, j)
}

// realDir is root's real, absolute path (once per root: a walk of 4,096
// files asks for it 4,096 times).
func (c *collector) realDir(root string) string {
	if d, ok := c.real[root]; ok {
		return d
	}
	d := root
	if real, err := filepath.EvalSymlinks(root); err == nil {
		d = real
	}
	if abs, err := filepath.Abs(d); err == nil {
		d = abs
	}
	if c.real == nil {
		c.real = map[string]string{}
	}
	c.real[root] = d
	return d
}

func (c *collector) inRoots(p string) bool {
	for _, r := range c.roots {
		if rel, err := filepath.Rel(r, p); err == nil && filepath.IsLocal(rel) {
			return true
		}
	}
	return false
}

// addFS adds the jobs of one spec inside an fs.FS.
func (c *collector) addFS(fsys fs.FS, sp Spec) error {
	p := path.Clean(strings.TrimPrefix(filepath.ToSlash(sp.Path), "./"))
	if !fs.ValidPath(p) {
		return fmt.Errorf("%s: not a path inside the file system", sp.Path)
	}
	st, err := fs.Stat(fsys, p)
	if err != nil {
		return err
	}
	add := func(p string, mode fs.FileMode) {
		j := job{fsys: fsys, rel: p, key: p, origin: sp.Origin, path: p, spec: sp}
		if !mode.IsRegular() {
			c.fail(sp, p, "", fmt.Errorf("%s: not a regular file (%s): refused", p, zonefile.FileKind(mode)))
			return
		}
		c.jobs = append(c.jobs, j)
	}
	if !st.IsDir() {
		add(p, st.Mode())
		return nil
	}
	return fs.WalkDir(fsys, p, func(q string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if q != p && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if notZone(d.Name()) {
			return nil
		}
		if IsBackupName(d.Name()) {
			c.skipped = append(c.skipped, Skipped{Path: q, Reason: "backup or editor leftover"})
			return nil
		}
		add(q, d.Type())
		return nil
	})
}

func unwrapAll(err error) []error {
	if u, ok := err.(interface{ Unwrap() []error }); ok {
		return u.Unwrap()
	}
	return []error{err}
}

// loadJob parses one zone file. The origin comes from the config, else the
// file ($ORIGIN or an absolute SOA owner), else the file name. fatal is an
// error reading the file; err a zone that cannot be loaded; problems the
// malformed lines of a zone that loaded.
func loadJob(j job, opt Options) (z *Zone, problems, err, fatal error) {
	name := j.display()
	st, serr := fs.Stat(j.fsys, j.rel)
	if serr != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", name, serr)
	}
	if !st.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%s: not a regular file (%s): refused", name, zonefile.FileKind(st.Mode())), nil
	}
	data, rerr := fs.ReadFile(j.fsys, j.rel)
	if rerr != nil {
		return nil, nil, nil, fmt.Errorf("%s: %w", name, rerr)
	}
	zopt := zonefile.Options{Origin: j.origin, FS: j.fsys, Dir: path.Dir(j.rel), IncludeBase: opt.IncludeBase, MaxGenerate: opt.MaxGenerate}
	if j.root != "" {
		// on disk: $INCLUDE as BIND resolves it (IncludeBase, else the
		// working directory, then the including file's directory),
		// confined to the zones roots and IncludeBase after symlinks
		zopt.FS, zopt.Dir = nil, filepath.Dir(j.path)
		roots := slices.Clone(j.roots)
		if opt.IncludeBase != "" {
			roots = append(roots, opt.IncludeBase)
		}
		zopt.Include = &zonefile.OSIncludes{Base: opt.IncludeBase, Home: j.root, Roots: roots}
	}
	zz, perr := zonefile.ParseBytes(data, name, zopt)
	if zz == nil && errors.Is(perr, zonefile.ErrNoOrigin) {
		if o, ok := zonefile.OriginFromFileName(j.rel); ok {
			zopt.Origin = o
			zz, perr = zonefile.ParseBytes(data, name, zopt)
		}
	}
	if zz == nil {
		if errors.Is(perr, zonefile.ErrNoOrigin) {
			return nil, nil, fmt.Errorf("%s: no origin: name the zone in the config (zones: [{origin, file}]) or add $ORIGIN", name), nil
		}
		return nil, nil, perr, nil
	}
	z = newZone(zz, j.path, j.root, opt.Style)
	z.job, z.Link = j, j.link
	z.Type, z.View, z.Source, z.ReadOnly, z.Dynamic = "primary", j.spec.View, j.spec.Source, j.spec.ReadOnly, j.spec.Dynamic
	z.stamps = append(z.stamps, stamp{rel: j.rel, size: st.Size(), mtime: st.ModTime()})
	for i := 1; i < len(zz.Files); i++ {
		if sp, fst, err := z.statFile(i); err == nil {
			z.stamps = append(z.stamps, stamp{rel: sp, disk: j.root != "", size: fst.Size(), mtime: fst.ModTime()})
		}
	}
	if why := failedInclude(zz, perr); why != "" && z.ReadOnly == "" {
		z.ReadOnly = why
	}
	if opt.ReadOnly {
		for _, f := range z.Files {
			f.Data, f.Entries = nil, nil
		}
	}
	return z, perr, nil, nil
}

// failedInclude says, when an $INCLUDE of the zone could not be read (a
// loop, a refused path, a missing file), which one: each $INCLUDE entry that
// was read added a file to the zone, so fewer files than entries means one
// failed; the parse error on that entry's line says why.
func failedInclude(z *zonefile.Zone, perr error) string {
	n := 0
	for _, f := range z.Files {
		for _, e := range f.Entries {
			if e.Kind == zonefile.EntryInclude {
				n++
			}
		}
	}
	if n == len(z.Files)-1 {
		return ""
	}
	for _, f := range z.Files {
		for _, e := range f.Entries {
			if e.Kind != zonefile.EntryInclude {
				continue
			}
			var pe *zonefile.ParseError
			for _, err := range unwrapAll(perr) {
				if errors.As(err, &pe) && pe.File == f.Path && pe.Line == int(e.Line) {
					return "an $INCLUDE failed (" + pe.Error() + "): the zone's records are incomplete"
				}
			}
		}
	}
	return "an $INCLUDE failed: the zone's records are incomplete"
}
