package zonefile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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
func WriteFiles(writes []FileWrite) error {
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
			return fmt.Errorf("%s: %w", j.Path, err)
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
