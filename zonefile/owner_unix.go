//go:build unix

package zonefile

import (
	"io/fs"
	"os"
	"syscall"
)

// keepOwner gives f the owner and group of the file it replaces, when the
// process may (as root it may; otherwise the call fails quietly and the
// file keeps the writer's owner).
func keepOwner(f *os.File, st fs.FileInfo) {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		_ = f.Chown(int(s.Uid), int(s.Gid))
	}
}

// oneLinkSameOwner reports whether spare has a single link and the owner
// of the zone file st.
func oneLinkSameOwner(spare, st fs.FileInfo) bool {
	a, ok1 := spare.Sys().(*syscall.Stat_t)
	b, ok2 := st.Sys().(*syscall.Stat_t)
	return ok1 && ok2 && a.Nlink == 1 && a.Uid == b.Uid
}
