package zonefile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// FileWrite is one file to write.
type FileWrite struct {
	Path string
	Data []byte
}

// Retire is a file to set aside: renamed to To, which must not exist (it
// is never overwritten).
type Retire struct {
	Path string
	To   string
}

// WriteFiles writes every file or none: each goes to a temporary file in its
// own directory, is synced, given the mode (and, where allowed, the owner)
// of the file it replaces, and renamed over it; then each directory is
// synced. When any temporary file cannot be written, every temporary file is
// removed and no file is changed. A failed rename puts back the files
// already renamed, from their spares (see openTemp): each file being
// replaced is hard-linked aside before the renames.
// Replacing an existing file with empty data is refused, and so is writing
// through a symbolic link.
func WriteFiles(writes []FileWrite) error {
	_, err := Commit(context.Background(), Txn{Writes: writes})
	return err
}

// ManifestName is the file, in a Txn's Dir, that lists the renames and
// retires of a write in progress; Recover reads it.
const ManifestName = ".rdnsctl-pending"

// Txn is one all-or-nothing write of zone files.
type Txn struct {
	Writes  []FileWrite
	Retires []Retire
	// Dir, when set, holds the manifest: once every temporary file is
	// written and synced, the renames and retires are recorded (JSON,
	// synced, renamed into place: the commit point) in Dir/ManifestName
	// before the first rename. The manifest is left after the last rename:
	// the caller records the write (the change journal) and then calls
	// FinishWrite. A process killed after the commit point leaves it, and
	// Recover finishes the write.
	Dir string
	// Roots are the directories every file of a manifest must lie in
	// (symlinks resolved); without Roots, Dir is the only one.
	Roots []string
}

// manifest is the JSON form of a write in progress. Paths are absolute.
type manifest struct {
	Version int              `json:"version"`
	Renames []manifestRename `json:"renames"`
	Retires []Retire         `json:"retires"`
}

type manifestRename struct {
	Tmp  string `json:"tmp"`
	Path string `json:"path"`
}

const manifestVersion = 1

// Commit writes the transaction. ctx is checked before each temporary
// file and last just before the commit point; once the manifest is in
// place the write is finished whatever ctx says. committed reports whether
// the commit point was passed: then the files are the new ones (or, if err
// is also set, a later step failed and Recover finishes the write).
func Commit(ctx context.Context, t Txn) (committed bool, err error) {
	type job struct {
		FileWrite
		tmp     string
		f       *os.File // the temporary file, open between its creation and its sync
		reused  bool     // f is the spare of an earlier write (openTemp)
		spared  bool     // this write linked the version it replaces as the spare
		existed bool
	}
	var roots []string
	if t.Dir != "" {
		if roots, err = realRoots(t.Dir, t.Roots); err != nil {
			return false, err
		}
	}
	jobs := make([]*job, 0, len(t.Writes))
	seen := map[string]bool{}
	for _, w := range t.Writes {
		abs, err := filepath.Abs(w.Path)
		if err != nil {
			return false, err
		}
		if seen[abs] {
			return false, fmt.Errorf("%s: written twice in one change", w.Path)
		}
		seen[abs] = true
		if roots != nil {
			if err := inRoots(abs, roots); err != nil {
				return false, err
			}
		}
		jobs = append(jobs, &job{FileWrite: FileWrite{Path: abs, Data: w.Data}})
	}
	retires := make([]Retire, 0, len(t.Retires))
	for _, r := range t.Retires {
		p, err1 := filepath.Abs(r.Path)
		to, err2 := filepath.Abs(r.To)
		if err := errors.Join(err1, err2); err != nil {
			return false, err
		}
		if err := checkRetire(Retire{p, to}, roots); err != nil {
			return false, err
		}
		if _, err := os.Lstat(to); err == nil {
			return false, fmt.Errorf("retire %s: %s exists; refusing to overwrite it", p, to)
		}
		if st, err := os.Lstat(p); err != nil || !st.Mode().IsRegular() {
			return false, fmt.Errorf("retire %s: not a regular file", p)
		}
		retires = append(retires, Retire{p, to})
	}
	cleanup := func() {
		for _, j := range jobs {
			if j.tmp != "" {
				os.Remove(j.tmp)
			}
			if j.spared {
				os.Remove(sparePath(j.Path)) // a write that did not happen leaves no spare
			}
		}
	}
	// Write every temporary file first, several at a time, in chunks: a
	// chunk's files are all created and written (their writeback started)
	// before the first of them is synced, so that creating a file never
	// waits behind another's sync, and the syncs of a chunk share the
	// file system's journal commits. A write of thousands of zones would
	// otherwise wait for every sync in turn.
	create := func(j *job) error {
		mode := fs.FileMode(0o644)
		st, err := os.Lstat(j.Path)
		switch {
		case err == nil:
			if st.Mode()&fs.ModeSymlink != 0 {
				return fmt.Errorf("%s: is a symbolic link; rdnsctl does not write through links (edit the target's zone directly)", j.Path)
			}
			if !st.Mode().IsRegular() {
				return fmt.Errorf("%s: not a regular file", j.Path)
			}
			if len(j.Data) == 0 {
				return fmt.Errorf("%s: refusing to replace an existing file with nothing", j.Path)
			}
			mode = st.Mode().Perm()
			j.existed = true
		case !errors.Is(err, fs.ErrNotExist):
			return err
		}
		f, tmp, reused, err := openTemp(j.Path, st)
		if err != nil {
			return err
		}
		j.tmp, j.f, j.reused = tmp, f, reused
		_, werr := f.Write(j.Data)
		if werr == nil && reused {
			werr = f.Truncate(int64(len(j.Data)))
		}
		if werr == nil {
			startWriteback(f)
			werr = f.Chmod(mode)
		}
		if werr == nil && st != nil {
			keepOwner(f, st)
		}
		if werr != nil {
			return fmt.Errorf("%s: %w", j.Path, werr)
		}
		return nil
	}
	sync := func(j *job) error {
		f := j.f
		j.f = nil
		werr := f.Sync()
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return fmt.Errorf("%s: %w", j.Path, werr)
		}
		if j.existed {
			// the version replaced stays as the next write's temporary
			// file (see openTemp), and puts the file back if a rename
			// fails; no hard links here: neither can be done
			j.spared = os.Link(j.Path, sparePath(j.Path)) == nil
		}
		return nil
	}
	for c := range slices.Chunk(jobs, writeChunk) {
		err := parallel(ctx, c, create)
		if err == nil {
			err = parallel(ctx, c, sync)
		}
		if err == nil {
			// a reused file got its temporary name by a rename, which
			// its own sync does not cover: the directory must hold that
			// name before a manifest names it
			reused := map[string]bool{}
			for _, j := range c {
				if j.reused {
					reused[filepath.Dir(j.Path)] = true
				}
			}
			for _, d := range slices.Sorted(maps.Keys(reused)) {
				if err = syncDir(d); err != nil {
					break
				}
			}
		}
		if err != nil {
			for _, j := range c {
				if j.f != nil {
					j.f.Close()
				}
			}
			cleanup()
			return false, err
		}
	}
	if err := ctx.Err(); err != nil {
		cleanup()
		return false, err
	}
	manifestPath := ""
	var mirrors []string
	cleanupMirrors := func() {
		for _, m := range mirrors {
			os.Remove(m)
		}
	}
	jobPaths := func() []string {
		out := make([]string, len(jobs))
		for i, j := range jobs {
			out[i] = j.Path
		}
		return out
	}
	if t.Dir != "" {
		m := manifest{Version: manifestVersion, Renames: []manifestRename{}, Retires: retires}
		for _, j := range jobs {
			m.Renames = append(m.Renames, manifestRename{Tmp: j.tmp, Path: j.Path})
		}
		data, err := json.Marshal(m)
		if err != nil {
			cleanup()
			return false, err
		}
		manifestPath = filepath.Join(t.Dir, ManifestName)
		// a copy in every other root the write touches, written first, so
		// that a writer of a zone set holding only some of these roots
		// sees the write and refuses to go on (the manifest names files
		// outside its roots) instead of writing over it
		for _, r := range touchedRoots(jobPaths(), retires, roots) {
			if r == filepath.Clean(t.Dir) {
				continue
			}
			if err := writeAtomic(filepath.Join(r, ManifestName), data); err != nil {
				cleanupMirrors()
				cleanup()
				return false, fmt.Errorf("write manifest: %w", err)
			}
			mirrors = append(mirrors, filepath.Join(r, ManifestName))
		}
		if err := writeAtomic(manifestPath, data); err != nil {
			cleanupMirrors()
			cleanup()
			return false, fmt.Errorf("write manifest: %w", err)
		}
	}
	// The commit point. Then rename them all.
	for i, j := range jobs {
		if beforeRename != nil {
			beforeRename(i)
		}
		if err := os.Rename(j.tmp, j.Path); err != nil {
			for _, d := range jobs[:i] {
				switch {
				case d.spared:
					os.Rename(sparePath(d.Path), d.Path)
				case !d.existed:
					os.Remove(d.Path)
				}
			}
			cleanup()
			if manifestPath != "" {
				os.Remove(manifestPath)
				cleanupMirrors()
			}
			return false, fmt.Errorf("%s: %w (the %d file(s) renamed before it were put back: nothing changed)", j.Path, err, i)
		}
		j.tmp = ""
	}
	dirs := map[string]bool{}
	for _, j := range jobs {
		dirs[filepath.Dir(j.Path)] = true
	}
	for _, r := range retires {
		if err := renameNoReplace(r.Path, r.To); err != nil {
			return true, fmt.Errorf("retire %s: %w (the next write finishes it)", r.Path, err)
		}
		dirs[filepath.Dir(r.Path)] = true
	}
	for _, d := range slices.Sorted(maps.Keys(dirs)) {
		if err := syncDir(d); err != nil {
			return true, fmt.Errorf("%s: %w", d, err)
		}
	}
	return true, nil
}

// touchedRoots are the roots (real paths) holding any of the paths or
// retired files, sorted.
func touchedRoots(paths []string, retires []Retire, roots []string) []string {
	for _, r := range retires {
		paths = append(paths, r.Path)
	}
	var out []string
	for _, p := range paths {
		dir, err := filepath.EvalSymlinks(filepath.Dir(p))
		if err != nil {
			continue
		}
		for _, r := range roots {
			if dir == r || strings.HasPrefix(dir, r+string(filepath.Separator)) {
				out = append(out, r)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// FreeRetiredName is the name a retired file gets: path.retired, or
// path.retired.N for the first N from 2 that is free (an earlier retired
// file is never overwritten).
func FreeRetiredName(path string) string {
	to := path + ".retired"
	for n := 2; ; n++ {
		if _, err := os.Lstat(to); errors.Is(err, fs.ErrNotExist) {
			return to
		}
		to = path + ".retired." + strconv.Itoa(n)
	}
}

// linkRename renames without overwriting where renameat2 is missing: a hard
// link (which fails when new exists), then removing old.
func linkRename(old, new string) error {
	if err := os.Link(old, new); err != nil {
		return err
	}
	return os.Remove(old)
}

// FinishWrite removes the manifest of a write that is complete and recorded.
//
// The directory is not synced: a manifest that a power loss brings back
// names renames that are all done (they were synced before the write was
// recorded), so Recover finds nothing to do, and the next write's manifest
// replaces it, synced. That saves a sync on every write.
func FinishWrite(dir string) error {
	if err := os.Remove(filepath.Join(dir, ManifestName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// writeChunk is how many temporary files are open at once; writers is
// how many are written or synced at the same time.
const (
	writeChunk = 64
	writers    = 8
)

// parallel runs fn on every job, writers at a time, and returns the first
// error (after which no job is started) or ctx's.
func parallel[J any](ctx context.Context, jobs []J, fn func(J) error) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	work := make(chan J)
	for range min(writers, len(jobs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				err := ctx.Err()
				if err == nil {
					err = fn(j)
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, j := range jobs {
		mu.Lock()
		failed := first != nil
		mu.Unlock()
		if failed {
			break
		}
		work <- j
	}
	close(work)
	wg.Wait()
	return first
}

// beforeRename, when set (by tests), runs before the i-th rename.
var beforeRename func(i int)

// Spares. Every write of a zone file used to create a new inode and free
// the old one. Where the file system has no journal (ext4 without one
// keeps an inode deleted in the last 30 s from being reused, and scans past
// every such inode to allocate a new one) and discards freed blocks, that
// made a busy API server spend most of its time creating files. Instead,
// the version a write replaces is kept, hard-linked as .NAME.rdnsctl-spare
// beside the file, and the next write of that file writes into it, renamed
// to a fresh temporary name first: in a steady state no inode is created
// or freed. A spare is used only when it is a regular file with one link
// (not the zone file itself, not a file linked anywhere else) owned by the
// zone file's owner; else its name is removed and a new file is made.
// Recover keeps the spares of zone files that exist and removes the others.
// A zone directory thus holds two copies of every zone file rdnsctl writes.

const spareSuffix = ".rdnsctl-spare"

// sparePath is the name of path's spare.
func sparePath(path string) string {
	dir, base := filepath.Split(path)
	return filepath.Join(dir, "."+base+spareSuffix)
}

// spareTarget is the zone file a spare belongs to.
func spareTarget(spare string) (string, bool) {
	dir, base := filepath.Split(spare)
	if !strings.HasPrefix(base, ".") || !strings.HasSuffix(base, spareSuffix) || len(base) <= 1+len(spareSuffix) {
		return "", false
	}
	return filepath.Join(dir, base[1:len(base)-len(spareSuffix)]), true
}

// openTemp returns the temporary file for a new version of path (st is
// path's Lstat, nil for a new file), open for writing, its name, and
// whether it is a reused spare (then it holds old data: the caller
// truncates it).
func openTemp(path string, st fs.FileInfo) (*os.File, string, bool, error) {
	dir, base := filepath.Split(path)
	if st != nil {
		if f := openSpare(sparePath(path), st); f != nil {
			for range 8 {
				tmp := filepath.Join(dir, "."+base+".rdnsctl-"+strconv.FormatUint(uint64(rand.Uint32()), 10))
				if err := renameNoReplace(sparePath(path), tmp); err == nil {
					return f, tmp, true, nil
				}
			}
			f.Close()
		}
	}
	f, err := os.CreateTemp(dir, "."+base+".rdnsctl-*")
	if err != nil {
		return nil, "", false, err
	}
	return f, f.Name(), false, nil
}

// openSpare opens the spare for writing when it may be written into: a
// regular file with one link, owned by the owner of the zone file (st);
// else its name is removed (never what it points to) and it returns nil.
func openSpare(spare string, st fs.FileInfo) *os.File {
	f, err := os.OpenFile(spare, os.O_WRONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err == nil {
		if fst, err := f.Stat(); err == nil && fst.Mode().IsRegular() && oneLinkSameOwner(fst, st) {
			return f
		}
		f.Close()
	}
	os.Remove(spare)
	return nil
}

// writeAtomic writes data to path through a temporary file, synced and
// renamed, so that path is never seen torn (a full disk leaves no half
// manifest behind). Neither name may be a symlink.
func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	os.Remove(tmp)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		if st, lerr := os.Lstat(path); lerr == nil && !st.Mode().IsRegular() {
			err = fmt.Errorf("%s: not a regular file", path)
		}
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// Recovery is what Recover found and did.
type Recovery struct {
	// Pending: a manifest was there, so the interrupted write had passed
	// its commit point (its changes are live now and must be recorded).
	Pending bool
	Renamed []string // files whose rename Recover finished
	Retired []string // files whose retire Recover finished
}

// Recover finishes a write that a killed process left behind in dir (call
// it holding the zones lock). With a manifest, every path in it is checked
// first to lie inside roots (symlinks resolved; without roots, dir), and
// the manifest is refused whole, nothing renamed, when one does not; then
// every temporary file still there is renamed over its target (all were
// complete before the commit point) and every retire not done yet is done.
// Then the leftover temporary files and backups of ours are removed. The
// manifest stays for the caller to finish recording the write and remove
// with FinishWrite.
func Recover(dir string, roots ...string) (Recovery, error) {
	var rec Recovery
	rroots, err := realRoots(dir, roots)
	if err != nil {
		return rec, err
	}
	manifestPath := filepath.Join(dir, ManifestName)
	os.Remove(manifestPath + ".tmp") // a manifest never renamed into place: not committed
	dirs := slices.Clone(rroots)
	m, ok, err := readManifest(manifestPath)
	if err != nil {
		return rec, err
	}
	if ok {
		rec.Pending = true
		for _, r := range m.Renames {
			if err := checkRename(r, rroots); err != nil {
				return rec, fmt.Errorf("%s: %w; refusing the whole manifest (nothing renamed): %s", manifestPath, err, outsideHint)
			}
		}
		for _, r := range m.Retires {
			if err := checkRetire(r, rroots); err != nil {
				return rec, fmt.Errorf("%s: %w; refusing the whole manifest (nothing renamed): %s", manifestPath, err, outsideHint)
			}
		}
		for _, r := range m.Renames {
			st, err := os.Lstat(r.Tmp)
			if err != nil {
				continue // already renamed
			}
			if !st.Mode().IsRegular() {
				return rec, fmt.Errorf("recover %s: %s is not a regular file", r.Path, r.Tmp)
			}
			if err := os.Rename(r.Tmp, r.Path); err != nil {
				return rec, fmt.Errorf("recover %s: %w", r.Path, err)
			}
			rec.Renamed = append(rec.Renamed, r.Path)
			if err := syncDir(filepath.Dir(r.Path)); err != nil {
				return rec, err
			}
			dirs = append(dirs, filepath.Dir(r.Path))
		}
		for _, r := range m.Retires {
			done, err := finishRetire(r)
			if err != nil {
				return rec, err
			}
			if done {
				rec.Retired = append(rec.Retired, r.Path)
			}
		}
	}
	slices.Sort(dirs)
	for _, d := range slices.Compact(dirs) {
		entries, err := os.ReadDir(d)
		if err != nil {
			return rec, err
		}
		for _, e := range entries {
			n := e.Name()
			if !strings.HasPrefix(n, ".") || strings.Index(n, ".rdnsctl-") <= 0 || !e.Type().IsRegular() {
				continue
			}
			if target, ok := spareTarget(n); ok {
				// the spare of a file still there (ReadDir sorts by name)
				if _, there := slices.BinarySearchFunc(entries, target, func(e os.DirEntry, t string) int { return strings.Compare(e.Name(), t) }); there {
					continue
				}
			}
			os.Remove(filepath.Join(d, n))
		}
	}
	return rec, nil
}

// outsideHint is said when a manifest names a file outside the roots.
const outsideHint = "if a write of a zone set with more directories was interrupted, run a write with all of them to finish it; else inspect and remove the manifest"

// finishRetire completes a retire: done when Path is gone and To holds it.
// A To that exists and is another file is never overwritten.
func finishRetire(r Retire) (bool, error) {
	pst, err := os.Lstat(r.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil // already retired
	}
	if err != nil {
		return false, err
	}
	if tst, err := os.Lstat(r.To); err == nil {
		if os.SameFile(pst, tst) { // linked, not yet removed
			if err := os.Remove(r.Path); err != nil {
				return false, err
			}
			return true, syncDir(filepath.Dir(r.Path))
		}
		return false, fmt.Errorf("recover: retire %s: %s exists and is another file; refusing to overwrite it", r.Path, r.To)
	}
	if err := renameNoReplace(r.Path, r.To); err != nil {
		return false, fmt.Errorf("recover: retire %s: %w", r.Path, err)
	}
	return true, syncDir(filepath.Dir(r.Path))
}

func readManifest(path string) (manifest, bool, error) {
	var m manifest
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return m, false, nil
	}
	if errors.Is(err, syscall.ELOOP) {
		return m, false, fmt.Errorf("%s: is a symbolic link; refusing it (inspect and remove it)", path)
	}
	if err != nil {
		return m, false, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return m, false, fmt.Errorf("%s: not a regular file; refusing it (inspect and remove it)", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, 64<<20))
	if err != nil {
		return m, false, err
	}
	if len(data) > 0 && data[0] == '/' {
		// the tab-separated manifest of an older rdnsctl (absolute paths,
		// one rename a line); its paths are checked like any other's
		m.Version = manifestVersion
		for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
			tmp, target, ok := strings.Cut(line, "\t")
			if !ok {
				return m, false, fmt.Errorf("%s: not a manifest rdnsctl wrote; refusing it (inspect and remove it)", path)
			}
			m.Renames = append(m.Renames, manifestRename{Tmp: tmp, Path: target})
		}
		return m, true, nil
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil || m.Version != manifestVersion {
		return m, false, fmt.Errorf("%s: not a manifest this rdnsctl wrote (version %d, %v); refusing it (inspect and remove it)", path, m.Version, err)
	}
	return m, true, nil
}

// realRoots resolves the roots (dir when none) to real, absolute paths.
func realRoots(dir string, roots []string) ([]string, error) {
	if len(roots) == 0 {
		roots = []string{dir}
	}
	out := make([]string, 0, len(roots))
	for _, r := range roots {
		real, err := filepath.EvalSymlinks(r)
		if err != nil {
			return nil, fmt.Errorf("zones root %s: %w", r, err)
		}
		abs, err := filepath.Abs(real)
		if err != nil {
			return nil, err
		}
		out = append(out, abs)
	}
	return out, nil
}

// inRoots checks that path's directory, symlinks resolved, lies inside
// one of the (real) roots, and that path is clean and absolute.
func inRoots(path string, roots []string) error {
	if !filepath.IsAbs(path) || filepath.Clean(path) != path {
		return fmt.Errorf("%q is not a clean absolute path", path)
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("%q: %w", path, err)
	}
	for _, r := range roots {
		if dir == r || strings.HasPrefix(dir, r+string(filepath.Separator)) {
			return nil
		}
	}
	return fmt.Errorf("%q lies outside the zones directories", path)
}

func checkRename(r manifestRename, roots []string) error {
	if err := inRoots(r.Path, roots); err != nil {
		return err
	}
	if filepath.Dir(r.Tmp) != filepath.Dir(r.Path) || !strings.HasPrefix(filepath.Base(r.Tmp), "."+filepath.Base(r.Path)+".rdnsctl-") {
		return fmt.Errorf("%q is not a temporary file of %q", r.Tmp, r.Path)
	}
	return nil
}

func checkRetire(r Retire, roots []string) error {
	if roots != nil {
		if err := inRoots(r.Path, roots); err != nil {
			return err
		}
	}
	if filepath.Dir(r.To) != filepath.Dir(r.Path) || !strings.HasPrefix(filepath.Base(r.To), filepath.Base(r.Path)+".retired") {
		return fmt.Errorf("%q is not a retired name of %q", r.To, r.Path)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
