package zonefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
)

// Includer finds and reads the file an $INCLUDE names. dir is the
// directory of the including file (Options.Dir for the main file, then the
// dir Include returned for an included one). It returns the path the file
// is known by (its File.Path, in errors and for writing), the directory
// for the $INCLUDEs inside it, and its bytes.
type Includer interface {
	Include(dir, name string) (path, nextDir string, data []byte, err error)
}

// OSIncludes reads $INCLUDE files from disk as BIND resolves them, inside
// the allowed roots only:
//
//   - a relative path is tried from Base (named's `directory`, or config
//     include_base; "" is the working directory, as named-checkzone does),
//     then from the including file's directory;
//   - an absolute path is taken as it is;
//   - either way the file's real path (symlinks resolved) must lie inside
//     Home or one of Roots, and it must be a regular file: a directory, a
//     device (/dev/zero), a FIFO or a socket is refused before any byte is
//     read, and the file is opened so that a FIFO swapped in cannot block.
//
// An OSIncludes is safe for concurrent use.
type OSIncludes struct {
	Base string
	// Home is the zone's root directory: an included file inside it gets a
	// File.Path relative to it (slash-separated); one elsewhere in Roots
	// its absolute real path.
	Home string
	// Roots are the other directories included files may come from (the
	// other zones roots, include_base).
	Roots []string

	once  sync.Once
	home  string   // real, absolute Home
	roots []string // real, absolute Home and Roots
}

func (o *OSIncludes) init() {
	o.once.Do(func() {
		if o.Home != "" {
			o.home = realAbs(o.Home)
			o.roots = append(o.roots, o.home)
		}
		for _, r := range o.Roots {
			if ra := realAbs(r); ra != "" {
				o.roots = append(o.roots, ra)
			}
		}
	})
}

// realAbs is the absolute path of p with every symlink resolved, or "" when
// p does not exist.
func realAbs(p string) string {
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		return ""
	}
	a, err := filepath.Abs(r)
	if err != nil {
		return ""
	}
	return a
}

func (o *OSIncludes) inside(p string) bool {
	for _, r := range o.roots {
		if rel, err := filepath.Rel(r, p); err == nil && filepath.IsLocal(rel) || p == r {
			return true
		}
	}
	return false
}

// Include implements Includer.
func (o *OSIncludes) Include(dir, name string) (string, string, []byte, error) {
	o.init()
	var cands []string
	if filepath.IsAbs(name) {
		cands = []string{filepath.Clean(name)}
	} else {
		base := o.Base
		if base == "" {
			base = "."
		}
		cands = append(cands, filepath.Join(base, name))
		if d := filepath.Join(dir, name); d != cands[0] {
			cands = append(cands, d)
		}
	}
	for _, c := range cands {
		if _, err := os.Lstat(c); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return "", "", nil, err
		}
		real := realAbs(c)
		if real == "" {
			return "", "", nil, fmt.Errorf("%s is a symlink to a file that does not exist", c)
		}
		if !o.inside(real) {
			if real != absOr(c) {
				return "", "", nil, fmt.Errorf("%s resolves to %s, outside the zones directories and include_base: refused", c, real)
			}
			return "", "", nil, fmt.Errorf("%s is outside the zones directories and include_base: refused", c)
		}
		data, err := readRegular(real)
		if err != nil {
			return "", "", nil, err
		}
		p := real
		if o.home != "" {
			if rel, err := filepath.Rel(o.home, real); err == nil && filepath.IsLocal(rel) {
				p = filepath.ToSlash(rel)
			}
		}
		return p, filepath.Dir(real), data, nil
	}
	if len(cands) == 2 {
		return "", "", nil, fmt.Errorf("file not found (looked for %s and %s)", cands[0], cands[1])
	}
	return "", "", nil, errors.New("file not found")
}

func absOr(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// readRegular reads the regular file at p: anything else (a directory, a
// device, a FIFO, a socket) is refused before a byte is read. The file is
// opened without following a symlink and without blocking, and checked
// again once open, so that a file swapped in between cannot make the read
// hang or run forever.
func readRegular(p string) ([]byte, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if err := regular(st.Mode()); err != nil {
		return nil, err
	}
	f, err := openNoBlock(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fst, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := regular(fst.Mode()); err != nil {
		return nil, err
	}
	if !os.SameFile(st, fst) {
		return nil, errors.New("the file changed while it was opened: refused")
	}
	// no more than the size it had: a file that grows while read is cut
	// where it was, never read without end
	return io.ReadAll(io.LimitReader(f, fst.Size()))
}

// regular refuses every mode but a regular file's.
func regular(m fs.FileMode) error {
	switch {
	case m.IsRegular():
		return nil
	case m.IsDir():
		return errors.New("not a file: a directory")
	}
	return fmt.Errorf("not a regular file (%s): refused", FileKind(m))
}

// FileKind names what a non-regular file is, for the message that refuses
// it ("a FIFO", "a character device", ...).
func FileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSymlink != 0:
		return "a symlink"
	case m.IsDir():
		return "a directory"
	}
	return "mode " + m.String()
}

// fsIncludes reads $INCLUDE files from an fs.FS (Options.FS): a relative
// path from Base inside it (its root when empty), then from the including
// file's directory. Paths that leave the FS, absolute paths and files that
// are not regular are refused.
type fsIncludes struct {
	fsys fs.FS
	base string
}

func (f fsIncludes) Include(dir, name string) (string, string, []byte, error) {
	if strings.HasPrefix(name, "/") {
		return "", "", nil, errors.New("absolute paths are refused here; write the path relative to the zones directory")
	}
	try := func(full string) ([]byte, error) {
		if !fs.ValidPath(full) {
			return nil, errors.New("path leaves the zones directory")
		}
		st, err := fs.Stat(f.fsys, full)
		if err != nil {
			return nil, err
		}
		if err := regular(st.Mode()); err != nil {
			return nil, err
		}
		return fs.ReadFile(f.fsys, full)
	}
	base := f.base
	if base == "" {
		base = "."
	}
	cands := []string{path.Join(base, name)}
	if d := path.Join(dir, name); d != cands[0] {
		cands = append(cands, d)
	}
	for _, c := range cands {
		data, err := try(c)
		if err == nil {
			return c, path.Dir(c), data, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", "", nil, err
		}
	}
	return "", "", nil, errors.New("file not found")
}
