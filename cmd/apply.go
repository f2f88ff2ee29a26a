package cmd

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

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
	timeout, err := time.ParseDuration(f.lockTimeout)
	if err != nil {
		return nil, usageErrorf("--lock-timeout: %v", err)
	}
	l, err := journal.Acquire(filepath.Join(a.firstZoneDir(), ".rdnsctl.lock"), timeout)
	if err != nil {
		return nil, err
	}
	// a writer killed mid-write left its manifest: finish its renames
	done, err := zonefile.Recover(a.firstZoneDir())
	for _, f := range done {
		a.warn("finished the interrupted write of " + f)
	}
	if err != nil {
		_ = l.Release()
		return nil, err
	}
	return func() { _ = l.Release() }, nil
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

// applyPlan writes the plan's files and appends its changes to the journal.
func (a *App) applyPlan(s *zoneset.Set, p *plan.Plan, f *changeFlags) error {
	j, err := journal.Open(a.journalPath())
	if err != nil {
		return fmt.Errorf("%w (nothing written)", err)
	}
	defer j.Close()
	if err := p.Write(a.firstZoneDir()); err != nil {
		return err
	}
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
	if err := j.AppendFunc(len(changes), entry); err != nil {
		var zones []string
		for _, fl := range p.Files {
			zones = append(zones, fl.Zone+" ("+fl.Path+")")
		}
		slices.Sort(zones)
		return fmt.Errorf("the zones were written but the change journal was not: %w\nzones already changed:\n  %s",
			err, strings.Join(slices.Compact(zones), "\n  "))
	}
	return nil
}
