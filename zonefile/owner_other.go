//go:build !unix

package zonefile

import (
	"io/fs"
	"os"
)

func keepOwner(*os.File, fs.FileInfo) {}

// oneLinkSameOwner cannot tell links here: spares are never reused.
func oneLinkSameOwner(fs.FileInfo, fs.FileInfo) bool { return false }
