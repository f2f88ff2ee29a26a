//go:build !race

package zonecheck

const raceEnabled = false
