//go:build !linux

package zonefile

import "os"

// startWriteback is a no-op where sync_file_range(2) is missing.
func startWriteback(*os.File) {}
