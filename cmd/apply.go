package cmd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rdnsctl/rdnsctl/apply"
	"github.com/rdnsctl/rdnsctl/journal"
	"github.com/rdnsctl/rdnsctl/plan"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// The verbs reach the apply engine through three calls: beginWrite (or
// loadForChange) takes the zone set's lock before the zones are read,
// runPlan plans and previews or commits, and the returned function
// releases the lock. Everything between flags and engine is here.

// backend is the zone-file backend of the configured zones.
func (a *App) backend() (*plan.Backend, error) {
	specs, err := a.zoneSpecs()
	if err != nil {
		return nil, err
	}
	if len(specs) == 0 {
		if len(a.cfg.RemoteZones) > 0 {
			return nil, nil // every zone lives on a server
		}
		return nil, usageErrorf("no zones: pass --zones DIR|FILE or --named-conf FILE, or set zones: or named_conf: in the config")
	}
	b, err := plan.NewBackend(specs, a.loadOptions(false), a.planTemplate(), a.Now)
	if err != nil {
		return nil, inputError(err)
	}
	return b, nil
}

// engine is the apply engine over the zone files.
func (a *App) engine(f *changeFlags) (*apply.Engine, error) {
	b, err := a.backend()
	if err != nil {
		return nil, err
	}
	lb, err := a.liveBackend(b)
	if err != nil {
		return nil, err
	}
	e := &apply.Engine{Backend: lb, Journal: a.journalPathFor(b), Note: func(s string) { a.warn(s) }}
	if f != nil {
		e.LockTimeout = f.lockTimeout
	}
	return e, nil
}

// beginWrite takes the zone set's lock when the verb will write, before
// the zones are read, so that two writers never interleave their
// read-modify-write, and finishes a write a killed writer left behind.
// The returned function releases the lock.
func (a *App) beginWrite(f *changeFlags) (func(), error) {
	if !f.write {
		return func() {}, nil
	}
	e, err := a.engine(f)
	if err != nil {
		return nil, err
	}
	tx, err := e.Begin(a.context())
	if err != nil {
		return nil, a.engineError(err)
	}
	a.tx = tx
	return func() {
		a.thawFrozen()
		_ = tx.Close()
		if a.tx == tx {
			a.tx = nil
		}
	}, nil
}

// engineError words the engine's typed errors with the flags that change
// them.
func (a *App) engineError(err error) error {
	var le *apply.LockedError
	var ge *apply.GuardError
	switch {
	case errors.Is(err, apply.ErrInterrupted):
		return fmt.Errorf("%w before the commit point: nothing written", errInterrupted)
	case errors.As(err, &le):
		return &usageError{fmt.Errorf("%w (--lock-timeout)", err)}
	case errors.As(err, &ge):
		return &usageError{fmt.Errorf("%w\n(nothing written: give --force to go ahead, or raise --max-change)", err)}
	case errors.As(err, new(*apply.ConflictError)), errors.As(err, new(*apply.NotFoundError)):
		return &usageError{err}
	}
	return err
}

// loadForChange takes the zones lock when the verb will write and loads the
// zones: the start of every changing verb. Call the returned function when
// done (it releases the lock).
func (a *App) loadForChange(f *changeFlags) (*zoneset.Set, func(), error) {
	unlock, err := a.beginWrite(f)
	if err != nil {
		return nil, nil, err
	}
	s, err := a.loadZones()
	if err != nil {
		unlock()
		return nil, nil, err
	}
	return s, unlock, nil
}

// journalPath is the change journal: the config's, else rdns-changes.jsonl
// in the zone set's state directory (the first of its roots in sorted
// order, so that the order of --zones does not matter).
func (a *App) journalPath() string {
	b, err := a.backend()
	if err != nil {
		return a.journalPathFor(nil)
	}
	return a.journalPathFor(b)
}

func (a *App) journalPathFor(b *plan.Backend) string {
	if a.cfg.Journal != "" {
		return a.cfg.Journal
	}
	if b == nil {
		if len(a.cfg.Zones) == 0 && len(a.cfg.RemoteZones) > 0 {
			return filepath.Join(a.stateDir(), "rdns-changes.jsonl")
		}
		return filepath.Join(a.firstZoneDir(), "rdns-changes.jsonl")
	}
	return filepath.Join(b.StateDir(), "rdns-changes.jsonl")
}

// commit writes the plan under the lock taken by beginWrite and records
// its changes in the journal.
func (a *App) commit(p *apply.Plan, f *changeFlags) (apply.Result, error) {
	if a.tx == nil {
		return apply.Result{}, errors.New("internal error: a write without the zones lock")
	}
	rec := apply.Record{Operator: journal.Operator(f.operator), Command: strings.Join(a.Args, " "), Ticket: f.ticket, Now: a.Now()}
	res, err := a.tx.Commit(a.context(), p, rec)
	if res.Committed > 0 {
		a.committed = true
	}
	if res.InterruptedAfterCommit {
		fmt.Fprintf(a.IO.ErrOut, "rdnsctl: interrupted after the commit point: the write and its journal were finished\n")
	}
	if err != nil {
		return res, a.engineError(err)
	}
	return res, nil
}

// openDiffFile creates --diff FILE.
func openDiffFile(path string, data []byte) error { return os.WriteFile(path, data, 0o644) }
