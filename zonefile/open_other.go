//go:build !unix

package zonefile

import "os"

func openNoBlock(p string) (*os.File, error) { return os.Open(p) }
