//go:build unix

package zonefile

import (
	"os"
	"syscall"
)

// openNoBlock opens p for reading without following a final symlink and
// without blocking on a FIFO.
func openNoBlock(p string) (*os.File, error) {
	return os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
}
