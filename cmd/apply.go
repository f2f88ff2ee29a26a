package cmd

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rdnsctl/rdnsctl/journal"
	"github.com/rdnsctl/rdnsctl/plan"
	"github.com/rdnsctl/rdnsctl/zonefile"
	"github.com/rdnsctl/rdnsctl/zoneset"
)

// beginWrite takes the zones lock when the verb will write, before the zones
// are read, so that two writers never interleave their read-modify-write.
// The returned function releases it.
func (a *App) beginWrite(f *changeFlags) (func(), error) {
	if !f.write {
		return func() {}, nil
	}
	l, err := journal.Acquire(filepath.Join(a.firstZoneDir(), ".rdnsctl.lock"), f.lockTimeout)
	if err != nil {
		return nil, err
	}
	if err := a.recoverWrite(); err != nil {
		_ = l.Release()
		return nil, err
	}
	return func() { _ = l.Release() }, nil
}

// pendingJournal holds the journal lines of a write in progress, in the
// zones directory beside the write's manifest.
const pendingJournal = ".rdnsctl-pending.jsonl"

// recoverWrite finishes a write that a killed writer left behind (call it
// holding the lock): its renames are completed and its pending journal
// lines appended, so that no change goes unrecorded. A pending journal
// without a manifest belongs to a write that never renamed anything, and
// is dropped.
func (a *App) recoverWrite() error {
	dir := a.firstZoneDir()
	done, pending, err := zonefile.Recover(dir)
	for _, f := range done {
		a.warn("finished the interrupted write of " + f)
	}
	if err != nil {
		return err
	}
	pj := filepath.Join(dir, pendingJournal)
	if pending {
		if err := a.appendPending(pj); err != nil {
			return fmt.Errorf("recording an interrupted write: %w", err)
		}
		a.warn("recorded the interrupted write's changes in " + a.journalPath())
		return zonefile.FinishWrite(dir)
	}
	if err := os.Remove(pj); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// appendPending appends the pending journal lines to the journal and
// removes them.
func (a *App) appendPending(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil // already recorded
	}
	if err != nil {
		return err
	}
	defer f.Close()
	j, err := journal.Open(a.journalPath())
	if err != nil {
		return err
	}
	defer j.Close()
	if err := j.AppendFrom(f); err != nil {
		return err
	}
	return os.Remove(path)
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
// beside the zones.
func (a *App) journalPath() string {
	if a.cfg.Journal != "" {
		return a.cfg.Journal
	}
	return filepath.Join(a.firstZoneDir(), "rdns-changes.jsonl")
}

// applyPlan writes the plan's files and records its changes in the journal.
// The journal lines are written first to a pending file beside the write's
// manifest; once the zones are renamed they are appended to the journal. A
// writer killed anywhere in between leaves both, and the next writer
// finishes the renames and the journal (recoverWrite).
func (a *App) applyPlan(s *zoneset.Set, p *plan.Plan, f *changeFlags) error {
	j, err := journal.Open(a.journalPath())
	if err != nil {
		return fmt.Errorf("%w (nothing written)", err)
	}
	j.Close()
	now := a.Now().UTC()
	op := journal.Operator(f.operator)
	cmdline := strings.Join(a.Args, " ")
	changes := p.Changes.Changes
	var e journal.Entry
	entry := func(i int) *journal.Entry {
		c := &changes[i]
		ip := ""
		if c.Addr.IsValid() {
			ip = c.Addr.String()
		}
		e = journal.Entry{Time: now, Operator: op, Command: cmdline, Ticket: firstNonEmpty(c.Ticket, f.ticket), Customer: c.Customer,
			Action: string(c.Action), Zone: c.Zone, File: c.File, Name: c.Name, IP: ip, Type: c.Type,
			Old: c.Old, New: c.New, Reason: c.Reason}
		return &e
	}
	dir := a.firstZoneDir()
	pj := filepath.Join(dir, pendingJournal)
	pending, err := journal.Create(pj)
	if err != nil {
		return fmt.Errorf("%w (nothing written)", err)
	}
	err = pending.AppendFunc(len(changes), entry)
	if cerr := pending.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(pj)
		return fmt.Errorf("%w (nothing written)", err)
	}
	if err := p.Write(dir); err != nil {
		os.Remove(pj)
		return err
	}
	if err := a.appendPending(pj); err != nil {
		var zones []string
		for _, fl := range p.Files {
			zones = append(zones, fl.Zone+" ("+fl.Path+")")
		}
		slices.Sort(zones)
		return fmt.Errorf("the zones were written but the change journal was not: %w\nzones already changed (their changes wait in %s; the next write records them):\n  %s",
			err, pj, strings.Join(slices.Compact(zones), "\n  "))
	}
	return zonefile.FinishWrite(dir)
}
