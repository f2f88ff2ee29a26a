//go:build !unix

package zonefile

import (
	"io/fs"
	"os"
)

func keepOwner(*os.File, fs.FileInfo) {}
