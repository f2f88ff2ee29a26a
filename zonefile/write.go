package zonefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// FileWrite is one file to write.
type FileWrite struct {
	Path string
	Data []byte
}

// WriteFiles writes every file or none: each goes to a temporary file in its
// own directory, is synced, given the mode (and, where allowed, the owner)
// of the file it replaces, and renamed over it; then each directory is
// synced. When any temporary file cannot be written, every temporary file is
// removed and no file is changed. The files being replaced are hard-linked
// aside first, so that a failed rename puts back the ones already renamed.
// Replacing an existing file with empty data is refused.
func WriteFiles(writes []FileWrite) error { return WriteFilesLogged(writes, "") }

// ManifestName is the file, in the directory given to WriteFilesLogged,
// that lists the renames of a write in progress; Recover reads it.
const ManifestName = ".rdnsctl-pending"

// WriteFilesLogged is WriteFiles with a manifest: once every temporary file
// is written and synced, the list of renames is written (and synced) to
// dir/ManifestName before the first rename. It is left in place after the
// last rename: the caller records the write (the change journal) and then
// calls FinishWrite. A process killed before that leaves the manifest, and
// Recover finishes the renames, so that several zones are written all or
// nothing even across a crash. With dir "" no manifest is written.
func WriteFilesLogged(writes []FileWrite, dir string) error {
	type job struct {
		FileWrite
		tmp, backup string
		existed     bool
	}
	jobs := make([]*job, 0, len(writes))
	seen := map[string]bool{}
	for _, w := range writes {
		abs, err := filepath.Abs(w.Path)
		if err != nil {
			return err
		}
		if seen[abs] {
			return fmt.Errorf("%s: written twice in one change", w.Path)
		}
		seen[abs] = true
		jobs = append(jobs, &job{FileWrite: w})
	}
	cleanup := func() {
		for _, j := range jobs {
			if j.tmp != "" {
				os.Remove(j.tmp)
			}
			if j.backup != "" {
				os.Remove(j.backup)
			}
		}
	}
	// Write every temporary file first.
	for _, j := range jobs {
		mode := fs.FileMode(0o644)
		st, err := os.Stat(j.Path)
		switch {
		case err == nil:
			if !st.Mode().IsRegular() {
				cleanup()
				return fmt.Errorf("%s: not a regular file", j.Path)
			}
			if len(j.Data) == 0 {
				cleanup()
				return fmt.Errorf("%s: refusing to replace an existing file with nothing", j.Path)
			}
			mode = st.Mode().Perm()
			j.existed = true
		case !errors.Is(err, fs.ErrNotExist):
			cleanup()
			return err
		}
		dir, base := filepath.Split(j.Path)
		if dir == "" {
			dir = "."
		}
		f, err := os.CreateTemp(dir, "."+base+".rdnsctl-*")
		if err != nil {
			cleanup()
			return err
		}
		j.tmp = f.Name()
		_, werr := f.Write(j.Data)
		if werr == nil {
			werr = f.Sync()
		}
		if werr == nil {
			werr = f.Chmod(mode)
		}
		if werr == nil && st != nil {
			keepOwner(f, st)
		}
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			cleanup()
			return fmt.Errorf("%s: %w", j.Path, werr)
		}
		if j.existed {
			j.backup = j.tmp + ".old"
			if err := os.Link(j.Path, j.backup); err != nil {
				j.backup = "" // no hard links here: a failed rename cannot be undone
			}
		}
	}
	manifest := ""
	if dir != "" {
		var b strings.Builder
		for _, j := range jobs {
			tmp, _ := filepath.Abs(j.tmp)
			path, _ := filepath.Abs(j.Path)
			fmt.Fprintf(&b, "%s\t%s\n", tmp, path)
		}
		manifest = filepath.Join(dir, ManifestName)
		if err := writeSynced(manifest, []byte(b.String())); err != nil {
			cleanup()
			return fmt.Errorf("write manifest: %w", err)
		}
	}
	// Then rename them all.
	for i, j := range jobs {
		if err := os.Rename(j.tmp, j.Path); err != nil {
			for _, d := range jobs[:i] {
				if d.backup != "" {
					os.Rename(d.backup, d.Path)
				} else if !d.existed {
					os.Remove(d.Path)
				}
			}
			cleanup()
			if manifest != "" {
				os.Remove(manifest)
			}
			return fmt.Errorf("%s: %w (the %d file(s) renamed before it were put back: nothing changed)", j.Path, err, i)
		}
		j.tmp = ""
	}
	for _, j := range jobs {
		if j.backup != "" {
			os.Remove(j.backup)
		}
	}
	dirs := map[string]bool{}
	for _, j := range jobs {
		dirs[filepath.Dir(j.Path)] = true
	}
	for d := range dirs {
		if err := syncDir(d); err != nil {
			return fmt.Errorf("%s: %w", d, err)
		}
	}
	return nil
}

// FinishWrite removes the manifest of a write that is complete and recorded.
func FinishWrite(dir string) error {
	if err := os.Remove(filepath.Join(dir, ManifestName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return syncDir(dir)
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
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
		err = syncDir(filepath.Dir(path))
	}
	return err
}

// Recover finishes or undoes a write that a killed process left behind in
// dir (call it holding the zones lock): with a manifest, every temporary
// file still there is renamed over its target (all were complete before the
// first rename); then every leftover temporary file and backup of ours in
// dir is removed. It returns the files it completed and whether there was a
// manifest, which it leaves for the caller to finish recording the write
// and remove with FinishWrite.
func Recover(dir string) (done []string, pending bool, err error) {
	manifest := filepath.Join(dir, ManifestName)
	data, err := os.ReadFile(manifest)
	switch {
	case err == nil:
		pending = true
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			tmp, path, ok := strings.Cut(line, "\t")
			if !ok {
				continue
			}
			if _, err := os.Stat(tmp); err != nil {
				continue // already renamed
			}
			if err := os.Rename(tmp, path); err != nil {
				return done, pending, fmt.Errorf("recover %s: %w", path, err)
			}
			done = append(done, path)
			if err := syncDir(filepath.Dir(path)); err != nil {
				return done, pending, err
			}
		}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, false, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return done, pending, err
	}
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, ".") && strings.Index(n, ".rdnsctl-") > 0 && e.Type().IsRegular() {
			os.Remove(filepath.Join(dir, n))
		}
	}
	return done, pending, nil
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
