package zonefile

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback asks the kernel to start writing f's data out now, so
// that the sync that follows waits less (and the syncs of many files
// overlap). It is only a hint: errors are ignored, the sync reports them.
func startWriteback(f *os.File) {
	_ = unix.SyncFileRange(int(f.Fd()), 0, 0, unix.SYNC_FILE_RANGE_WRITE)
}
