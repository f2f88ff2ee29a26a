package journal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Lock is an advisory lock (flock) on one or more lock files.
type Lock struct {
	files []*os.File
}

// ErrLocked is matched (errors.Is) by a LockedError.
var ErrLocked = errors.New("zones are locked by another writer")

// LockedError says that another writer held a lock for longer than the
// wait allowed.
type LockedError struct {
	Path   string        // the lock file
	Holder string        // the pid recorded in it ("unknown" when none)
	Waited time.Duration // how long this writer waited (the timeout)
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("%v: %s is held by pid %s; waited %s", ErrLocked, e.Path, e.Holder, e.Waited)
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// Acquire takes the lock at path, waiting up to timeout.
func Acquire(path string, timeout time.Duration) (*Lock, error) {
	return AcquireAll(context.Background(), []string{path}, timeout)
}

// AcquireAll takes the locks at paths, in sorted order whatever the order
// given (two writers of one set of directories never hold one lock each and
// wait for the other), waiting up to timeout in all, and records this
// process's pid in each. It returns ctx's error as soon as ctx is done
// while waiting. Lock files are opened without following symlinks, so a
// planted link cannot make the lock truncate another file.
func AcquireAll(ctx context.Context, paths []string, timeout time.Duration) (*Lock, error) {
	paths = slices.Clone(paths)
	slices.Sort(paths)
	paths = slices.Compact(paths)
	deadline := time.Now().Add(timeout)
	l := &Lock{}
	var unwritable error
	for _, path := range paths {
		f, err := lockOne(ctx, path, timeout, deadline)
		if errors.Is(err, errUnwritable) {
			// a directory this process cannot create a file in is one it
			// cannot write zones in either: the other roots' locks keep
			// writers apart
			unwritable = err
			continue
		}
		if err != nil {
			_ = l.Release()
			return nil, err
		}
		l.files = append(l.files, f)
	}
	if len(l.files) == 0 && unwritable != nil {
		return nil, unwritable
	}
	return l, nil
}

var errUnwritable = errors.New("cannot create a lock file here")

func lockOne(ctx context.Context, path string, timeout time.Duration, deadline time.Time) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o644)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("lock %s: is a symbolic link; refusing to use it", path)
		}
		if errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.EPERM) {
			return nil, fmt.Errorf("lock %s: %w (%w)", path, err, errUnwritable)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("lock %s: not a regular file", path)
	} else if s, ok := st.Sys().(*syscall.Stat_t); ok && s.Nlink > 1 {
		// the pid is written into the lock file: a hard link to another
		// file would have it overwritten
		f.Close()
		return nil, fmt.Errorf("lock %s: has other hard links; refusing to use it", path)
	}
	wait := 5 * time.Millisecond
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		left := time.Until(deadline)
		if left <= 0 {
			holder := readHolder(f)
			f.Close()
			return nil, &LockedError{Path: path, Holder: holder, Waited: timeout}
		}
		t := time.NewTimer(min(wait, left))
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
	_ = f.Truncate(0)
	_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return f, nil
}

func readHolder(f *os.File) string {
	b := make([]byte, 32)
	n, _ := f.ReadAt(b, 0)
	if s := strings.TrimSpace(string(b[:n])); s != "" {
		return s
	}
	return "unknown"
}

// Release drops the locks, in the reverse order of taking them.
func (l *Lock) Release() error {
	if l == nil {
		return nil
	}
	for i := len(l.files) - 1; i >= 0; i-- {
		_ = syscall.Flock(int(l.files[i].Fd()), syscall.LOCK_UN)
		l.files[i].Close()
	}
	l.files = nil
	return nil
}
