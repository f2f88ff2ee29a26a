//go:build !linux

package zonefile

// renameNoReplace renames old to new, failing with fs.ErrExist when new
// exists (never overwriting it).
func renameNoReplace(old, new string) error { return linkRename(old, new) }
