package apply

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rdnsctl/rdnsctl/journal"
)

// LockedError: another writer holds the zone set's lock (its pid, and how
// long this one waited).
type LockedError = journal.LockedError

// ErrInterrupted is matched by the error of a write stopped (ctx done)
// before its commit point: nothing was written.
var ErrInterrupted = errors.New("interrupted before the commit point: nothing written")

type interruptedError struct{ cause error }

func (e *interruptedError) Error() string { return ErrInterrupted.Error() }
func (e *interruptedError) Unwrap() []error {
	return []error{ErrInterrupted, e.cause}
}

// GuardError refuses a write that deletes or replaces more than MaxShare of
// the PTRs of some zones.
type GuardError struct {
	MaxShare float64
	Zones    []GuardZone
}

// GuardZone is one zone over the guard's share.
type GuardZone struct {
	Origin  string
	Changed int // PTRs deleted or replaced
	Total   int // PTRs in the zone
}

func (e *GuardError) Error() string {
	lines := make([]string, len(e.Zones))
	for i, z := range e.Zones {
		lines[i] = fmt.Sprintf("%s: %d of %d PTRs (%.0f%%)", z.Origin, z.Changed, z.Total, 100*float64(z.Changed)/float64(z.Total))
	}
	return fmt.Sprintf("the plan deletes or replaces more than %.0f%% of the PTRs of %d zone(s):\n  %s",
		100*e.MaxShare, len(e.Zones), strings.Join(lines, "\n  "))
}

// ConflictError: the write would overwrite something it must not (a file
// that exists with other contents, a retired file, a file not loaded as
// the zone it is named for).
type ConflictError struct {
	Path   string
	Reason string
}

func (e *ConflictError) Error() string { return e.Path + ": " + e.Reason }

// NotFoundError: the write names a zone that is not loaded.
type NotFoundError struct {
	Zone   string
	Reason string
}

func (e *NotFoundError) Error() string { return "zone " + e.Zone + ": " + e.Reason }

// JournalError: the write was committed but its journal lines could not be
// recorded; they wait in Batch and the next writer records them.
type JournalError struct {
	Targets []Target
	Batch   string
	Err     error
}

func (e *JournalError) Error() string {
	var zones []string
	for _, t := range e.Targets {
		zones = append(zones, t.Zone+" ("+t.Path+")")
	}
	return fmt.Sprintf("the zones were written but the change journal was not: %v\nzones already changed (their changes wait in %s; the next write records them):\n  %s",
		e.Err, e.Batch, strings.Join(zones, "\n  "))
}

func (e *JournalError) Unwrap() error { return e.Err }
