//go:build race

package zonecheck

// raceEnabled: the race detector slows the checker several times, so
// absolute time limits are not held under it.
const raceEnabled = true
